"""Eligibility of every official, not only applicants (R-ELIG): recomputed when a position,
category, policy or official changes, and announced as an event when it changes."""

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.events.identity import EligibilityDetermined
from contracts.policy import PublishedPolicy, in_force
from services.identity.adapters.tables import eligibility, officials, positions
from services.identity.domain.eligibility import determine
from services.identity.service_layer.directory import load_policies, load_tree
from services.shared import clock
from services.shared.db import insert_many
from services.shared.eventlog import EventLog, NewEvent

CHUNK = 5000


class Facts(NamedTuple):
    """What eligibility is decided from, for an official a bulk import has just written (so it
    need not be read back): `new_officials` of `recompute`."""

    official_id: str
    agency_code: str
    category: str | None
    partly: bool


def official_stream(official_id: str) -> str:
    return f"official-{official_id}"


async def recompute(
    s: AsyncSession,
    log: EventLog,
    official_ids: Sequence[str] | None = None,
    known_versions: Mapping[str, int] | None = None,
    new_officials: Mapping[str, "Facts"] | None = None,
) -> int:
    """Recompute for the given officials (all when None); returns how many changed.

    `known_versions` are stream versions the caller has just written in this transaction: a
    bulk import passes them so the log is not asked about rows PostgreSQL has no statistics
    for yet (its plan then scanned the log once per id: 26 s for 30,000 officials)."""
    tree = await load_tree(s)
    published = await load_policies(s)
    today = clock.today()
    policy_cache: dict[str, PublishedPolicy | None] = {}
    query = select(
        officials.c.official_id, officials.c.agency_code, positions.c.category, positions.c.partly
    ).join(
        positions,
        (positions.c.agency_code == officials.c.agency_code)
        & (positions.c.position_code == officials.c.position_code),
    )
    fresh = new_officials or {}
    rows: list[Any] = []
    if official_ids is None:
        rows = list((await s.execute(query)).all())
    else:
        asked = [i for i in official_ids if i not in fresh]
        for k in range(0, len(asked), CHUNK):
            chunk = asked[k : k + CHUNK]
            rows += (await s.execute(query.where(officials.c.official_id.in_(chunk)))).all()
        rows += [fresh[i] for i in official_ids if i in fresh]
    # Officials this transaction has just made have no eligibility yet: nothing to read.
    ids = [r.official_id for r in rows if r.official_id not in fresh]
    current: dict[str, tuple[str, str, str | None, int | None]] = {}
    for k in range(0, len(ids), CHUNK):
        for e in (
            await s.execute(
                select(eligibility).where(eligibility.c.official_id.in_(ids[k : k + CHUNK]))
            )
        ).all():
            current[e.official_id] = (e.status, e.rule, e.policy_agency, e.policy_version)
    changed: list[dict[str, Any]] = []
    agency_of: dict[str, str] = {}
    for r in rows:
        if r.agency_code not in policy_cache:
            policy_cache[r.agency_code] = in_force(tree.path(r.agency_code), today, published)
        policy = policy_cache[r.agency_code]
        result = determine(r.category, bool(r.partly), policy)
        new = (
            result.status,
            result.rule,
            policy.agency if policy else None,
            policy.version if policy else None,
        )
        if current.get(r.official_id) != new:
            changed.append(
                {
                    "official_id": r.official_id,
                    "status": new[0],
                    "rule": new[1],
                    "policy_agency": new[2],
                    "policy_version": new[3],
                }
            )
            agency_of[r.official_id] = r.agency_code
    if not changed:
        return 0
    previous = {oid: row[0] for oid, row in current.items()}
    changed_ids = [c["official_id"] for c in changed]
    stale = [i for i in changed_ids if i in current]  # the others have no row to replace
    for k in range(0, len(stale), CHUNK):
        await s.execute(
            delete(eligibility).where(eligibility.c.official_id.in_(stale[k : k + CHUNK]))
        )
    await insert_many(s, eligibility, changed)
    known = known_versions or {}
    streams = [official_stream(i) for i in changed_ids]
    versions = {st: known[st] for st in streams if st in known}
    versions.update(await log.versions(s, [st for st in streams if st not in known]))
    await log.append_bulk(
        s,
        [
            (
                official_stream(c["official_id"]),
                versions[official_stream(c["official_id"])],
                [
                    NewEvent(
                        EligibilityDetermined(**c, previous_status=previous.get(c["official_id"])),
                        agency_of[c["official_id"]],
                    )
                ],
            )
            for c in changed
        ],
    )
    return len(changed)


async def policies_taking_effect(s: AsyncSession, log: EventLog) -> int:
    """Officials re-determined under every policy whose day has come since it was published
    (issue #19): a policy dated in the future changes nothing when published, and everything
    its text says on its first day. Each version is applied once; returns how many officials
    changed."""
    from services.identity.adapters.tables import policies, policy_activations

    today = clock.today()
    due = (
        await s.execute(
            select(policies.c.agency_code, policies.c.version)
            .outerjoin(
                policy_activations,
                (policy_activations.c.agency_code == policies.c.agency_code)
                & (policy_activations.c.version == policies.c.version),
            )
            .where(policies.c.effective_from <= today, policy_activations.c.version.is_(None))
        )
    ).all()
    if not due:
        return 0
    tree = await load_tree(s)
    agencies: set[str] = set()
    for row in due:
        if row.agency_code in tree.parents:
            agencies |= tree.subtree(row.agency_code)
    ids = list(
        (
            await s.execute(
                select(officials.c.official_id).where(officials.c.agency_code.in_(agencies))
            )
        ).scalars()
    )
    changed = await recompute(s, log, ids)
    await s.execute(
        insert(policy_activations),
        [
            {"agency_code": r.agency_code, "version": r.version, "applied_at": clock.now()}
            for r in due
        ],
    )
    return changed
