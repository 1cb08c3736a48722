"""What auditors ask of the chain: replay, export, rebuild; every question itself recorded."""

import json
import shutil
from collections.abc import AsyncIterator
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from contracts.agencies import OrgError, path
from contracts.events.audit import AuditQueried
from services.audit.adapters.tables import chain, checkpoints
from services.audit.domain.signing import Signer, public_pem
from services.shared.authz import Actor, Resource, can
from services.shared.eventlog import EventLog, NewEvent

LOG = EventLog("/telework/audit")


class AuditDenied(Exception):
    pass


async def agency_parents(sessions: async_sessionmaker[Any]) -> dict[str, str | None]:
    """The agency tree as the history tells it (identity's agency_registered events)."""
    async with sessions() as s:
        rows = (
            await s.execute(
                select(chain.c.canonical)
                .where(chain.c.type == "th.go.telework.identity.agency_registered.v1")
                .order_by(chain.c.position)
            )
        ).scalars()
        parents: dict[str, str | None] = {}
        for raw in rows:
            data = json.loads(raw)["data"]
            parents[data["agency_code"]] = data.get("parent_code")
    return parents


async def authorize(
    sessions: async_sessionmaker[Any],
    actor: Actor,
    action: str,
    command: str,
    parameters: dict[str, Any],
    agency: str | None,
) -> set[str]:
    """Auditors only (read-only role); returns the agencies this auditor may see, and records
    the question in the auditor's own stream, which the chain receives like any event."""
    parents = await agency_parents(sessions)
    visible = set()
    for code in parents:
        try:
            p = path(code, parents)
        except OrgError:
            p = (code,)
        if can(actor, action, Resource("audit", p)):
            visible.add(code)
    auditor_agency = next((g.agency for g in actor.grants if g.role.value == "auditor"), None)
    if auditor_agency is None or not can(actor, action, Resource("audit", (auditor_agency,))):
        raise AuditDenied(f"{action} is for auditors only")
    if agency is not None and agency not in visible and agency != auditor_agency:
        raise AuditDenied(f"agency {agency} is outside the auditor's scope")
    visible.add(auditor_agency)
    async with sessions.begin() as s:
        await LOG.append(
            s,
            f"auditor-{actor.subject}",
            [
                NewEvent(
                    AuditQueried(auditor_id=actor.subject, command=command, parameters=parameters),
                    auditor_agency,
                )
            ],
            None,
        )
    return visible


async def replay(
    sessions: async_sessionmaker[Any],
    visible: set[str],
    *,
    engagement: str | None = None,
    official: str | None = None,
    agency: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> AsyncIterator[dict[str, Any]]:
    conds: list[ColumnElement[bool]] = [chain.c.agency.in_(visible)]
    if engagement:
        conds.append(chain.c.subject == f"engagement/{engagement}")
    if official:
        conds.append(chain.c.official_id == official)
    if agency:
        conds.append(chain.c.agency == agency)
    if start:
        conds.append(chain.c.time >= start)
    if end:
        conds.append(chain.c.time <= end)
    pos = 0
    while True:
        async with sessions() as s:
            rows = (
                await s.execute(
                    select(chain.c.position, chain.c.hash, chain.c.canonical)
                    .where(*conds, chain.c.position > pos)
                    .order_by(chain.c.position)
                    .limit(5000)
                )
            ).all()
        if not rows:
            return
        for r in rows:
            yield {"position": r.position, "hash": r.hash.hex(), "event": json.loads(r.canonical)}
        pos = rows[-1].position


async def export_bundle(
    sessions: async_sessionmaker[Any], key: Signer, folder: Path, start: int = 1
) -> int:
    """events.jsonl, checkpoints.json, public_key.pem, manifest.json and verify_bundle.py."""
    folder.mkdir(parents=True, exist_ok=True)
    count = 0
    prev = "00" * 32
    async with sessions() as s:
        if start > 1:
            prev = (
                (await s.execute(select(chain.c.hash).where(chain.c.position == start - 1)))
                .scalar_one()
                .hex()
            )
    with (folder / "events.jsonl").open("w", encoding="utf-8") as f:
        pos = start - 1
        while True:
            async with sessions() as s:
                rows = (
                    await s.execute(
                        select(chain.c.position, chain.c.hash, chain.c.prev_hash, chain.c.canonical)
                        .where(chain.c.position > pos)
                        .order_by(chain.c.position)
                        .limit(5000)
                    )
                ).all()
            if not rows:
                break
            for r in rows:
                f.write(
                    json.dumps(
                        {
                            "position": r.position,
                            "hash": r.hash.hex(),
                            "prev_hash": r.prev_hash.hex(),
                            "event": json.loads(r.canonical),
                        },
                        ensure_ascii=False,
                    )
                    + "\n"
                )
            count += len(rows)
            pos = rows[-1].position
    async with sessions() as s:
        cps = (
            await s.execute(
                select(checkpoints)
                .where(checkpoints.c.position >= start)
                .order_by(checkpoints.c.position)
            )
        ).all()
    (folder / "checkpoints.json").write_text(
        json.dumps(
            [
                {
                    "position": c.position,
                    "hash": c.hash,
                    "signed_at": c.signed_at.isoformat(),
                    "signature": c.signature,
                }
                for c in cps
            ],
            indent=2,
        ),
        encoding="utf-8",
    )
    (folder / "public_key.pem").write_text(public_pem(key), encoding="utf-8")
    (folder / "manifest.json").write_text(
        json.dumps(
            {
                "start_position": start,
                "start_prev_hash": prev,
                "count": count,
                "canonical_json": "keys sorted; separators ',' ':'; UTF-8, non-ASCII unescaped",
                "link": "sha256(previous link || canonical event)",
            },
            indent=2,
        ),
        encoding="utf-8",
    )
    source = resources.files("services.audit.verifier") / "verify_bundle.py"
    shutil.copyfile(str(source), folder / "verify_bundle.py")
    return count
