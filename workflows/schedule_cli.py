"""`telework schedule`: a telework mode turned into concrete working days (R-MODE)."""

import json
from datetime import date
from typing import Annotated

import typer

from services.shared.cli_options import Json, Lang
from services.shared.settings import Calendar
from workflows.calendar import (
    InvalidSchedule,
    Schedule,
    WorkingCalendar,
    parse_day,
    parse_weekdays,
    thai_date,
)

CABINET_DAYS_ENV = "TELEWORK_EXTRA_HOLIDAYS"


def extra_holidays(text: str | None) -> frozenset[date]:
    """Extra non-working days the cabinet or agency declared: ISO dates, comma-separated."""
    raw = text if text is not None else Calendar().extra_holidays
    days = set()
    for part in raw.split(","):
        if part.strip():
            try:
                days.add(date.fromisoformat(part.strip()))
            except ValueError:
                raise InvalidSchedule(f"extra holiday {part.strip()!r} is not YYYY-MM-DD") from None
    return frozenset(days)


def agency_holidays(agency: str, on: date) -> frozenset[date]:
    """Days the agency's policy in force declares (read from the identity store)."""
    import asyncio

    from services.identity.service_layer.directory import NotFound, policy_in_force
    from services.registry import opened

    async def load() -> frozenset[date]:
        async with opened("identity") as ctx, ctx.sessions() as s:
            try:
                policy = await policy_in_force(s, agency, on)
            except NotFound as exc:
                raise InvalidSchedule(str(exc)) from None
        return frozenset(policy.document.extra_holidays) if policy else frozenset()

    return asyncio.run(load())


def schedule_from(
    start_text: str,
    working_days: int | None,
    months: int | None,
    weekdays: str | None,
    days_per_week: int | None,
    days_per_month: int | None,
) -> Schedule:
    """The mode the options describe, or why they describe none."""
    start = parse_day(start_text)
    if working_days is not None:
        if months or weekdays or days_per_week or days_per_month:
            raise InvalidSchedule("--working-days stands alone (occasional telework)")
        return Schedule("occasional", start, days=working_days)
    if not months:
        raise InvalidSchedule(
            "give --working-days N, or --months M with one of --weekdays, "
            "--days-per-week, --days-per-month"
        )
    given = [x for x in (weekdays, days_per_week, days_per_month) if x]
    if len(given) != 1:
        raise InvalidSchedule(
            "with --months give exactly one of --weekdays, --days-per-week, --days-per-month"
        )
    if weekdays:
        return Schedule("regular_weekdays", start, months=months, weekdays=parse_weekdays(weekdays))
    if days_per_week:
        return Schedule("regular_days_per_week", start, months=months, days=days_per_week)
    return Schedule("regular_days_per_month", start, months=months, days=days_per_month or 0)


def schedule(
    start: Annotated[
        str, typer.Option(help="first day, YYYY-MM-DD (C.E., or B.E. e.g. 2569-12-01)")
    ],
    working_days: Annotated[
        int | None, typer.Option(help="occasional: N consecutive working days")
    ] = None,
    months: Annotated[
        int | None, typer.Option(help="regular: length of the period in months")
    ] = None,
    weekdays: Annotated[
        str | None, typer.Option(help="regular: fixed weekdays, e.g. mon,thu")
    ] = None,
    days_per_week: Annotated[int | None, typer.Option(help="regular: N days a week")] = None,
    days_per_month: Annotated[int | None, typer.Option(help="regular: N days a month")] = None,
    agency: Annotated[
        str | None, typer.Option(help="agency code (its declared extra holidays; see docs)")
    ] = None,
    extra_holidays_: Annotated[
        str | None,
        typer.Option(
            "--extra-holidays",
            help=f"declared extra days, comma-separated ISO dates (default ${CABINET_DAYS_ENV})",
        ),
    ] = None,
    json_: Json = False,
    lang: Lang = "th",
) -> None:
    """Turn a telework mode into working days (R-MODE)."""
    from services.shared.usage import UsageError

    try:
        chosen = schedule_from(start, working_days, months, weekdays, days_per_week, days_per_month)
        declared = extra_holidays(extra_holidays_)
        if agency:
            declared |= agency_holidays(agency, chosen.start)
        days = chosen.dates(WorkingCalendar(declared))
    except InvalidSchedule as exc:
        raise UsageError(str(exc)) from None
    if json_:
        print(json.dumps([d.isoformat() for d in days]))
    elif lang == "en":
        print(f"{len(days)} telework days")
        for d in days:
            print(d.strftime("%a %d %b %Y"))
    else:
        print(f"วันปฏิบัติราชการนอกสถานที่ {len(days)} วัน")
        for d in days:
            print(thai_date(d))
