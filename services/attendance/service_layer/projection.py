"""What attendance knows of the rest of the platform, from events only (R-ATT-1): officials
and their agencies, the agency tree and policies (identity), and each official's telework days
(engagement orders, withdrawals). Rebuilt at any time by replaying the stream."""

from datetime import date
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.agencies import OrgError, path
from contracts.envelope import CloudEvent
from contracts.policy import PolicyDocument, PublishedPolicy, in_force
from services.attendance.adapters.tables import (
    known_agencies,
    known_officials,
    known_policies,
    scheduled_days,
    scheduled_parts,
)
from services.attendance.domain.rules import DayRules
from services.shared.eventlog import Executor

PREFIX = "th.go.telework."


async def apply(s: AsyncSession, event: CloudEvent) -> None:
    """Apply one event; events attendance does not need are ignored."""
    kind = event.type.removeprefix(PREFIX).rsplit(".", 1)[0]
    handler = HANDLERS.get(kind)
    if handler is not None:
        await handler(s, event.data, event)


async def _agency(s: AsyncSession, d: dict[str, Any], _: CloudEvent) -> None:
    await s.execute(delete(known_agencies).where(known_agencies.c.code == d["agency_code"]))
    await s.execute(
        insert(known_agencies).values(code=d["agency_code"], parent_code=d.get("parent_code"))
    )


async def _official(s: AsyncSession, d: dict[str, Any], _: CloudEvent) -> None:
    await s.execute(
        delete(known_officials).where(known_officials.c.official_id == d["official_id"])
    )
    await s.execute(
        insert(known_officials).values(official_id=d["official_id"], agency_code=d["agency_code"])
    )


async def _moved(s: AsyncSession, d: dict[str, Any], _: CloudEvent) -> None:
    await s.execute(
        update(known_officials)
        .where(known_officials.c.official_id == d["official_id"])
        .values(agency_code=d["to_agency"])
    )


async def _policy(s: AsyncSession, d: dict[str, Any], _: CloudEvent) -> None:
    await s.execute(
        delete(known_policies).where(
            known_policies.c.agency_code == d["agency_code"],
            known_policies.c.version == d["version"],
        )
    )
    await s.execute(
        insert(known_policies).values(
            agency_code=d["agency_code"], version=d["version"], document=d["document"]
        )
    )


async def _order(s: AsyncSession, d: dict[str, Any], event: CloudEvent) -> None:
    """An order's days replace the engagement's days from the order date on: a revision or a
    renewal changes the future, never the past."""
    from_day = (
        date.fromisoformat(d["order_date"]) if d.get("kind", "original") != "original" else date.min
    )
    for table in (scheduled_days, scheduled_parts):
        await s.execute(
            delete(table).where(
                table.c.engagement_id == d["engagement_id"], table.c.day >= from_day
            )
        )
    days = sorted({date.fromisoformat(x) for x in d["telework_dates"]})
    rows = [
        {
            "official_id": d["official_id"],
            "day": day,
            "engagement_id": d["engagement_id"],
            "agency_code": event.agency,
        }
        for day in days
        if day >= from_day
    ]
    if rows:
        # Another engagement of the same official may hold a day already; the newer order wins.
        for table in (scheduled_days, scheduled_parts):
            await s.execute(
                delete(table).where(
                    table.c.official_id == d["official_id"],
                    table.c.day.in_([r["day"] for r in rows]),
                )
            )
        await s.execute(insert(scheduled_days), rows)
        if d.get("part", "full") != "full":  # half days (issue #19)
            await s.execute(
                insert(scheduled_parts),
                [
                    {
                        "official_id": r["official_id"],
                        "day": r["day"],
                        "engagement_id": r["engagement_id"],
                        "part": d["part"],
                    }
                    for r in rows
                ],
            )


async def _withdrawn(s: AsyncSession, d: dict[str, Any], _: CloudEvent) -> None:
    """R-TRM-2: from the effective date the official works at the office again."""
    for table in (scheduled_days, scheduled_parts):
        await s.execute(
            delete(table).where(
                table.c.engagement_id == d["engagement_id"],
                table.c.day >= date.fromisoformat(d["effective_date"]),
            )
        )


HANDLERS = {
    "identity.agency_registered": _agency,
    "identity.official_registered": _official,
    "identity.official_moved": _moved,
    "identity.policy_published": _policy,
    "engagement.order_issued": _order,
    "engagement.permission_withdrawn": _withdrawn,
}


def wants(subject: str) -> bool:
    """Whether an event published on `subject` (telework.v1.<agency>.<context>.<event>)
    changes this projection."""
    return ".".join(subject.split(".")[3:5]) in HANDLERS


PROJECTION_TABLES = (known_officials, known_agencies, known_policies, scheduled_days)


async def agency_path(s: Executor, agency: str) -> tuple[str, ...]:
    parents = {r.code: r.parent_code for r in (await s.execute(select(known_agencies))).all()}
    try:
        return path(agency, parents)
    except OrgError:
        return (agency,)  # tree not (yet) known here: the agency alone


async def day_rules(s: Executor, agency: str, on: date) -> DayRules:
    published = [
        PublishedPolicy(r.agency_code, r.version, PolicyDocument.model_validate(r.document))
        for r in (await s.execute(select(known_policies))).all()
    ]
    policy = in_force(await agency_path(s, agency), on, published)
    if policy is None:
        return DayRules()
    doc = policy.document
    return DayRules(
        doc.work_day_start, doc.late_tolerance_minutes, doc.evidence_kept, doc.location_grid_m
    )
