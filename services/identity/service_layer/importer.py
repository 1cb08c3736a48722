"""Bulk import from an HR export (R-INT-3): validate everything first, import nothing on error
unless asked to import the valid part, and change nothing when the same files come again."""

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contracts.events.identity import (
    AgencyRegistered,
    OfficialMoved,
    OfficialRegistered,
    OfficialUpdated,
    PositionClassified,
    SupervisorAssigned,
)
from services.identity.adapters.tables import agencies, officials, positions
from services.identity.service_layer.csv_format import read
from services.identity.service_layer.eligibility import Facts, official_stream, recompute
from services.identity.service_layer.import_checks import (
    OFFICIAL_FIELDS,
    Existing,
    ImportReport,
    Plan,
    RowError,
    Validator,
)
from services.shared import collector
from services.shared.db import insert_many
from services.shared.eventlog import EventLog, NewEvent


async def import_files(
    sessions: async_sessionmaker[Any],
    log: EventLog,
    paths: Iterable[Path],
    *,
    partial: bool,
    citizen_key: bytes,
    scope: frozenset[str] | None = None,
    preview: bool = False,
) -> ImportReport:
    """Import HR files; `scope` limits the rows to those agencies (None: the operator's CLI,
    which may change anything). A `preview` does everything an import does — every error, what
    would change, the eligibility it would move — inside a transaction that is then rolled
    back: nothing is kept and no event is published."""
    with collector.paused():
        return await _import(sessions, log, paths, partial, citizen_key, scope, preview)


async def _import(
    sessions: async_sessionmaker[Any],
    log: EventLog,
    paths: Iterable[Path],
    partial: bool,
    citizen_key: bytes,
    scope: frozenset[str] | None,
    preview: bool,
) -> ImportReport:
    parsed = read(paths)
    report = ImportReport([RowError(f"{f}:{line}", r) for f, line, r in parsed.errors])
    async with sessions() as s, s.begin() as tx:
        existing = await Existing.load(s)
        v = Validator(existing, citizen_key, scope)
        v.agencies(parsed.rows["agencies"])
        v.positions(parsed.rows["positions"])
        v.officials(parsed.rows["officials"])
        v.supervisors(parsed.rows["supervisors"])
        report.errors += v.errors
        report.errors.sort(key=lambda e: e.where)
        if report.errors and not partial:
            return report
        await _apply(s, log, v.plan, existing, report)
        if preview:
            await tx.rollback()
            return report
    report.applied = True
    return report


async def _apply(
    s: AsyncSession, log: EventLog, plan: Plan, existing: Existing, report: ImportReport
) -> None:
    events: dict[str, list[NewEvent]] = {}

    def emit(stream: str, event: Any, agency: str) -> None:
        events.setdefault(stream, []).append(NewEvent(event, agency))

    new_agencies: list[dict[str, Any]] = []
    changed_agencies: list[dict[str, Any]] = []
    for code, a in plan.agencies.items():
        old = existing.agencies.get(code)
        if old is None or (old.parent_code, old.level, old.name_th, old.name_en) != (
            a["parent_code"],
            a["level"],
            a["name_th"],
            a["name_en"],
        ):
            (new_agencies if old is None else changed_agencies).append(a)
            emit(
                f"agency-{code}",
                AgencyRegistered(agency_code=code, parent_code=a["parent_code"], level=a["level"]),
                code,
            )
    await _upsert(s, agencies, new_agencies, changed_agencies, ["code"])
    report.count("agencies_changed", len(new_agencies) + len(changed_agencies))

    new_pos: list[dict[str, Any]] = []
    changed_pos: list[dict[str, Any]] = []
    reclassified: set[tuple[str, str]] = set()
    for key, p in plan.positions.items():
        old = existing.positions.get(key)
        if old is None or (old.title_th, old.title_en, old.category, old.partly) != (
            p["title_th"],
            p["title_en"],
            p["category"],
            p["partly"],
        ):
            (new_pos if old is None else changed_pos).append(p)
            if old is None or (old.category, old.partly) != (p["category"], p["partly"]):
                reclassified.add(key)
                emit(
                    f"position-{key[0]}-{key[1]}",
                    PositionClassified(
                        agency_code=key[0],
                        position_code=key[1],
                        category=p["category"] or "",
                        partly=p["partly"],
                    ),
                    key[0],
                )
    await _upsert(s, positions, new_pos, changed_pos, ["agency_code", "position_code"])
    report.count("positions_changed", len(new_pos) + len(changed_pos))

    new_off, changed_off, recheck = [], [], []
    for oid, o in plan.officials.items():
        old = existing.officials.get(oid)
        if old is None:
            # A new official's supervisor goes into the same row: no UPDATE per official.
            new_off.append({**o, "supervisor_id": plan.supervisors.get(oid)})
            recheck.append(oid)
            emit(
                official_stream(oid),
                OfficialRegistered(
                    official_id=oid, agency_code=o["agency_code"], position_code=o["position_code"]
                ),
                o["agency_code"],
            )
            continue
        if o["citizen_id_hash"] is None:  # an export without ids keeps the ids already known
            o["citizen_id_hash"], o["citizen_id_masked"] = (
                old.citizen_id_hash,
                old.citizen_id_masked,
            )
        diff = [f for f in OFFICIAL_FIELDS if getattr(old, f) != o[f]]
        if not diff:
            if (o["agency_code"], o["position_code"]) in reclassified:
                recheck.append(oid)
            continue
        changed_off.append(o)
        recheck.append(oid)
        if "agency_code" in diff:
            emit(
                official_stream(oid),
                OfficialMoved(
                    official_id=oid, from_agency=old.agency_code, to_agency=o["agency_code"]
                ),
                o["agency_code"],
            )
        emit(
            official_stream(oid),
            OfficialUpdated(official_id=oid, changed=diff, position_code=o["position_code"]),
            o["agency_code"],
        )
    # Officials of reclassified positions who are not in this file need their eligibility too.
    for oid, old in existing.officials.items():
        if oid not in plan.officials and (old.agency_code, old.position_code) in reclassified:
            recheck.append(oid)
    await _upsert(s, officials, new_off, changed_off, ["official_id"])
    report.count("officials_registered", len(new_off))
    report.count("officials_updated", len(changed_off))

    moves = []
    assigned = 0
    for oid, sup in plan.supervisors.items():
        old = existing.officials.get(oid)
        previous = old.supervisor_id if old is not None else None
        if previous != sup:
            assigned += 1
            if old is not None:  # new officials got theirs with their row
                moves.append({"b_id": oid, "supervisor_id": sup})
            if oid in plan.officials:
                agency = plan.officials[oid]["agency_code"]
            else:
                assert old is not None  # validation admits only known officials
                agency = old.agency_code
            emit(
                official_stream(oid),
                SupervisorAssigned(
                    official_id=oid, supervisor_id=sup, previous_supervisor_id=previous
                ),
                agency,
            )
    if moves:
        await s.execute(
            update(officials)
            .where(officials.c.official_id == bindparam("b_id"))
            .values(supervisor_id=bindparam("supervisor_id")),
            moves,
        )
    report.count("supervisors_assigned", assigned)

    written: dict[str, int] = {}
    if events:
        # Streams of records this import creates are new (version 0): only ask the log about
        # records that existed before.
        new_streams = {f"agency-{a['code']}" for a in new_agencies}
        new_streams |= {f"position-{p['agency_code']}-{p['position_code']}" for p in new_pos}
        new_streams |= {official_stream(o["official_id"]) for o in new_off}
        streams = list(events)
        versions = dict.fromkeys(new_streams & set(streams), 0)
        versions.update(await log.versions(s, [st for st in streams if st not in new_streams]))
        await log.append_bulk(s, [(st, versions[st], events[st]) for st in streams])
        written = {st: versions[st] + len(events[st]) for st in streams}
    fresh = {}
    for o in new_off:
        where = (o["agency_code"], o["position_code"])
        pos = plan.positions.get(where) or existing.positions[where]
        category = pos["category"] if isinstance(pos, dict) else pos.category
        partly = pos["partly"] if isinstance(pos, dict) else pos.partly
        fresh[o["official_id"]] = Facts(o["official_id"], o["agency_code"], category, bool(partly))
    changed = await recompute(s, log, recheck, written, fresh) if recheck else 0
    report.count("eligibility_changed", changed)
    report.count("events", sum(len(v) for v in events.values()))


async def _upsert(
    s: AsyncSession,
    table: Any,
    new: list[dict[str, Any]],
    changed: list[dict[str, Any]],
    keys: list[str],
) -> None:
    await insert_many(s, table, new)
    if changed:
        # bindparam names may not collide with column names in an UPDATE … SET.
        stmt = (
            update(table)
            .where(*[table.c[k] == bindparam(f"b_{k}") for k in keys])
            .values({c: bindparam(c) for c in changed[0] if c not in keys})
        )
        await s.execute(stmt, [{**row, **{f"b_{k}": row[k] for k in keys}} for row in changed])
