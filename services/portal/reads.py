"""What pages and the API read for display: an auditor's history, the attendance ledger as a
file, the home page's side panels (dashboards, queues) by role."""

import contextlib
from datetime import datetime, timedelta
from typing import Any

from fastapi.responses import JSONResponse, Response

from services.portal.actions import Portal, Refused, parse_day
from services.portal.web import (
    Caller,
)
from services.shared.clock import BANGKOK


async def audit_history_of(
    portal: Portal,
    c: Caller,
    engagement_id: str | None,
    official_id: str | None,
    agency: str | None,
    start: str | None,
    end: str | None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        k: v
        for k, v in (
            ("engagement_id", engagement_id),
            ("official_id", official_id),
            ("agency", agency),
        )
        if v
    }
    if start:  # from the start of that day in Bangkok …
        first = parse_day(start)
        body["start"] = datetime(first.year, first.month, first.day, tzinfo=BANGKOK).isoformat()
    if end:  # … to the end of that day
        last = parse_day(end) + timedelta(days=1)
        body["end"] = datetime(last.year, last.month, last.day, tzinfo=BANGKOK).isoformat()
    return await portal.ask_as(c.token, "audit", "history", body, c.lang, timeout=30)


async def ledger_response(
    portal: Portal,
    c: Caller,
    agency: str,
    start: str,
    end: str,
    official_id: str | None,
    format: str,
) -> Response:
    """The ledger from attendance, asked in the caller's name, as JSON or CSV for Excel."""
    first, last = parse_day(start), parse_day(end)  # a 422 with the reason when unreadable
    body: dict[str, Any] = {
        "agency": agency,
        "start": first.isoformat(),
        "end": last.isoformat(),
        "format": format,
        "lang": c.lang,
    }
    if official_id:
        body["official_id"] = official_id
    try:
        result = await portal.ask_as(c.token, "attendance", "ledger", body, c.lang, timeout=30)
    except Refused as exc:
        # A supervisor reads the rows of their own staff: the chain is identity's to say.
        if exc.status != 403 or not official_id:
            raise
        result = await portal.staff_ledger(c.actor, official_id, body, c.lang)
    if format == "csv":
        name = f"ledger-{agency}-{first.isoformat()}-{last.isoformat()}.csv"
        return Response(
            "\ufeff" + str(result["csv"]),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    return JSONResponse(result)


async def side_panels(
    portal: Portal, c: Caller, roles: set[str], history_of: str | None
) -> dict[str, Any]:
    """Inbox for everyone; eligibility and policy for HR; chain status for auditors. A panel
    whose service does not answer is left out rather than failing the page."""
    out: dict[str, Any] = {
        "inbox": None,
        "prefs": None,
        "eligible": None,
        "chain": None,
        "history": None,
    }
    with contextlib.suppress(Refused):
        out["inbox"] = await portal.inbox(c.token, c.lang)
    with contextlib.suppress(Refused):
        out["prefs"] = await portal.ask_as(c.token, "notification", "preferences", {}, c.lang)
    if "hr_officer" in roles:
        agency = next(g.agency for g in c.actor.grants if g.role.value == "hr_officer")
        out["hr_agency"] = agency
        with contextlib.suppress(Refused):  # the policy form edits the version in force
            out["policy"] = await portal.ask_as(
                c.token, "identity", "policy_in_force", {"agency_code": agency}, c.lang
            )
        with contextlib.suppress(Refused):
            out["eligible"] = (
                await portal.ask_as(
                    c.token, "identity", "eligibility_list", {"agency_code": agency}, c.lang
                )
            )["officials"]
    if "auditor" in roles:
        with contextlib.suppress(Refused):
            out["chain"] = await portal.ask_as(c.token, "audit", "status", {}, c.lang)
        if history_of:
            with contextlib.suppress(Refused):
                out["history"] = (
                    await portal.ask_as(
                        c.token, "audit", "history", {"engagement_id": history_of}, c.lang
                    )
                )["events"]
    return out
