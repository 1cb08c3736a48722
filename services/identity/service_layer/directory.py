"""Read side of the identity service: the questions other services ask (R-INT-3).

Supervisor chain of an official, head (or acting head) of an agency on a date, eligibility of an
official, the policy in force for an agency on a date, and an agency's path in the tree.
"""

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.agencies import Level, head_agency, path
from contracts.policy import PolicyDocument, PublishedPolicy, in_force
from services.identity.adapters.tables import (
    acting_supervisors,
    agencies,
    departures,
    eligibility,
    grants,
    officials,
    policies,
)
from services.shared.authz import Actor, Grant, Role
from services.shared.clock import BANGKOK


class NotFound(LookupError):
    pass


@dataclass(frozen=True)
class Tree:
    parents: dict[str, str | None]
    levels: dict[str, Level]

    def path(self, agency: str) -> tuple[str, ...]:
        return path(agency, self.parents)

    def head_agency(self, agency: str) -> str:
        return head_agency(agency, self.parents, self.levels)

    def subtree(self, agency: str) -> set[str]:
        children: dict[str | None, list[str]] = {}
        for code, parent in self.parents.items():
            children.setdefault(parent, []).append(code)
        found, todo = set(), [agency]
        while todo:
            code = todo.pop()
            found.add(code)
            todo += children.get(code, [])
        return found


async def load_tree(s: AsyncSession) -> Tree:
    rows = (
        await s.execute(select(agencies.c.code, agencies.c.parent_code, agencies.c.level))
    ).all()
    return Tree({r.code: r.parent_code for r in rows}, {r.code: Level(r.level) for r in rows})


async def load_policies(s: AsyncSession) -> list[PublishedPolicy]:
    rows = (await s.execute(select(policies))).all()
    return [
        PublishedPolicy(r.agency_code, r.version, PolicyDocument.model_validate(r.document))
        for r in rows
    ]


async def official_row(s: AsyncSession, official_id: str) -> Any:
    row = (await s.execute(select(officials).where(officials.c.official_id == official_id))).first()
    if row is None:
        raise NotFound(f"unknown official {official_id}")
    return row


async def supervisor_chain(s: AsyncSession, official_id: str) -> list[str]:
    """First-level supervisor first, then each higher supervisor up the chain."""
    chain: list[str] = []
    current = (await official_row(s, official_id)).supervisor_id
    while current is not None and current not in chain and current != official_id:
        chain.append(current)
        row = (
            await s.execute(
                select(officials.c.supervisor_id).where(officials.c.official_id == current)
            )
        ).first()
        current = row.supervisor_id if row else None
    return chain


def _as_instant(on: date | datetime) -> datetime:
    if isinstance(on, datetime):
        return on
    return datetime.combine(on, time(12, 0), BANGKOK)


async def heads_of(s: AsyncSession, agency: str, on: date | datetime) -> dict[str, Any]:
    """The head of the department or ministry that `agency` belongs to, and any acting head in
    office at `on`. The acting head holds the head's powers in that period only."""
    tree = await load_tree(s)
    if agency not in tree.parents:
        raise NotFound(f"unknown agency {agency}")
    head_agency_code = tree.head_agency(agency)
    at = _as_instant(on)
    rows = (
        await s.execute(
            select(grants).where(
                grants.c.agency_code == head_agency_code,
                grants.c.role == Role.HEAD_OF_AGENCY.value,
                grants.c.revoked_at.is_(None),
            )
        )
    ).all()
    valid = [r for r in rows if _grant(r).holds_at(at)]
    head = next((r.official_id for r in valid if not r.acting), None)
    acting = next((r.official_id for r in valid if r.acting), None)
    return {
        "agency": head_agency_code,
        "head": head,
        "acting_head": acting,
        "deciding": acting or head,
    }


def _grant(r: Any) -> Grant:
    return Grant(Role(r.role), r.agency_code, r.valid_from, r.valid_to, r.acting)


async def has_left(s: AsyncSession, official_id: str) -> bool:
    row = await s.execute(
        select(departures.c.official_id).where(departures.c.official_id == official_id)
    )
    return row.first() is not None


async def reports_of(s: AsyncSession, supervisor_id: str) -> set[str]:
    """Everyone whose supervisor chain includes `supervisor_id`, at any depth."""
    found: set[str] = set()
    frontier = {supervisor_id}
    while frontier:
        rows = await s.execute(
            select(officials.c.official_id).where(officials.c.supervisor_id.in_(frontier))
        )
        frontier = set(rows.scalars()) - found - {supervisor_id}
        found |= frontier
    return found


async def actings_at(
    s: AsyncSession,
    at: datetime,
    *,
    supervisors: list[str] | None = None,
    acting: str | None = None,
) -> list[Any]:
    """Acting-supervisor appointments in force at `at` (issue #19), for the given absent
    supervisors or the given appointee; an appointment whose grant was revoked (the appointee
    left) holds nothing."""
    query = (
        select(acting_supervisors)
        .join(grants, grants.c.grant_id == acting_supervisors.c.grant_id)
        .where(
            grants.c.revoked_at.is_(None),
            acting_supervisors.c.valid_from <= at,
            acting_supervisors.c.valid_to > at,
        )
    )
    if supervisors is not None:
        query = query.where(acting_supervisors.c.supervisor_id.in_(supervisors))
    if acting is not None:
        query = query.where(acting_supervisors.c.acting_id == acting)
    return list((await s.execute(query)).all())


async def acting_in_chain(s: AsyncSession, chain: list[str], at: datetime) -> dict[str, str]:
    """Who acts today for each supervisor of a chain who is away: supervisor → appointee."""
    if not chain:
        return {}
    return {r.supervisor_id: r.acting_id for r in await actings_at(s, at, supervisors=chain)}


async def acting_term(
    s: AsyncSession, official_id: str, acting_id: str, at: datetime
) -> dict[str, Any]:
    """Whether `acting_id` acts at `at` for a supervisor in `official_id`'s chain, and for whom:
    the nearest such supervisor (level 0 is the first-level supervisor). Nobody acts as their own
    supervisor."""
    chain = await supervisor_chain(s, official_id)
    if acting_id == official_id or not chain:
        return {"acting_for": None}
    terms = {
        r.supervisor_id: r for r in await actings_at(s, at, supervisors=chain, acting=acting_id)
    }
    for level, supervisor in enumerate(chain):
        if (r := terms.get(supervisor)) is not None:
            return {
                "acting_for": supervisor,
                "level": level,
                "grant_id": r.grant_id,
                "valid_from": r.valid_from.isoformat(),
                "valid_to": r.valid_to.isoformat(),
            }
    return {"acting_for": None}


async def acted_for(s: AsyncSession, acting_id: str, at: datetime) -> set[str]:
    """The absent supervisors `acting_id` stands in for at `at`."""
    return {r.supervisor_id for r in await actings_at(s, at, acting=acting_id)}


async def actor_for(s: AsyncSession, official_id: str) -> Actor:
    """Every grant an official holds, plus the two that follow from the record itself: official
    of their own agency, and supervisor over their department when someone reports to them."""
    row = await official_row(s, official_id)
    if await has_left(s, official_id):
        return Actor(official_id, (), row.email)  # someone who left holds nothing
    explicit = (
        await s.execute(
            select(grants).where(grants.c.official_id == official_id, grants.c.revoked_at.is_(None))
        )
    ).all()
    derived = [Grant(Role.OFFICIAL, row.agency_code)]
    has_reports = (
        await s.execute(
            select(officials.c.official_id).where(officials.c.supervisor_id == official_id).limit(1)
        )
    ).first()
    if has_reports:
        tree = await load_tree(s)
        derived.append(Grant(Role.SUPERVISOR, tree.head_agency(row.agency_code)))
    return Actor(official_id, (*derived, *(_grant(r) for r in explicit)), row.email)


async def eligibility_of(s: AsyncSession, official_id: str) -> dict[str, Any]:
    await official_row(s, official_id)
    row = (
        await s.execute(select(eligibility).where(eligibility.c.official_id == official_id))
    ).first()
    if row is None:
        return {"official_id": official_id, "status": "may_not", "rule": "undetermined"}
    return {
        "official_id": official_id,
        "status": row.status,
        "rule": row.rule,
        "policy_agency": row.policy_agency,
        "policy_version": row.policy_version,
    }


async def policy_in_force(s: AsyncSession, agency: str, on: date) -> PublishedPolicy | None:
    tree = await load_tree(s)
    if agency not in tree.parents:
        raise NotFound(f"unknown agency {agency}")
    return in_force(tree.path(agency), on, await load_policies(s))
