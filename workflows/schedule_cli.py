"""`telework schedule`: a telework mode turned into concrete working days (R-MODE)."""

import argparse
import json
from datetime import date

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


def schedule_from_args(args: argparse.Namespace) -> Schedule:
    start = parse_day(args.start)
    if args.working_days is not None:
        if args.months or args.weekdays or args.days_per_week or args.days_per_month:
            raise InvalidSchedule("--working-days stands alone (occasional telework)")
        return Schedule("occasional", start, days=args.working_days)
    if not args.months:
        raise InvalidSchedule(
            "give --working-days N, or --months M with one of --weekdays, "
            "--days-per-week, --days-per-month"
        )
    given = [x for x in (args.weekdays, args.days_per_week, args.days_per_month) if x]
    if len(given) != 1:
        raise InvalidSchedule(
            "with --months give exactly one of --weekdays, --days-per-week, --days-per-month"
        )
    if args.weekdays:
        return Schedule(
            "regular_weekdays", start, months=args.months, weekdays=parse_weekdays(args.weekdays)
        )
    if args.days_per_week:
        return Schedule("regular_days_per_week", start, months=args.months, days=args.days_per_week)
    return Schedule("regular_days_per_month", start, months=args.months, days=args.days_per_month)


def _run(args: argparse.Namespace) -> int:
    from services.shared.usage import UsageError

    try:
        schedule = schedule_from_args(args)
        declared = extra_holidays(args.extra_holidays)
        if args.agency:
            declared |= agency_holidays(args.agency, schedule.start)
        calendar = WorkingCalendar(declared)
        days = schedule.dates(calendar)
    except InvalidSchedule as exc:
        raise UsageError(str(exc)) from None
    if args.json:
        print(json.dumps([d.isoformat() for d in days]))
    elif args.lang == "en":
        print(f"{len(days)} telework days")
        for d in days:
            print(d.strftime("%a %d %b %Y"))
    else:
        print(f"วันปฏิบัติราชการนอกสถานที่ {len(days)} วัน")
        for d in days:
            print(thai_date(d))
    return 0


def register(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    p = sub.add_parser("schedule", help="turn a telework mode into working days (R-MODE)")
    p.add_argument(
        "--start", required=True, help="first day, YYYY-MM-DD (C.E., or B.E. e.g. 2569-12-01)"
    )
    p.add_argument("--working-days", type=int, help="occasional: N consecutive working days")
    p.add_argument("--months", type=int, help="regular: length of the period in months")
    p.add_argument("--weekdays", help="regular: fixed weekdays, e.g. mon,thu")
    p.add_argument("--days-per-week", type=int, help="regular: N days a week")
    p.add_argument("--days-per-month", type=int, help="regular: N days a month")
    p.add_argument("--agency", help="agency code (its declared extra holidays; see docs)")
    p.add_argument(
        "--extra-holidays",
        help=f"declared extra days, comma-separated ISO dates (default ${CABINET_DAYS_ENV})",
    )
    p.add_argument("--json", action="store_true", help="print a JSON list of ISO dates")
    p.add_argument("--lang", choices=["th", "en"], default="th")
    p.set_defaults(func=_run)
