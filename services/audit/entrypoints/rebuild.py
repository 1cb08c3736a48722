"""Rebuilding engagement states and the attendance ledger from the chain, compared with the
live read models of the engagement and attendance services."""

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from services.audit.adapters.tables import chain
from services.audit.domain.rebuild import REBUILT_FROM, Rebuilt, comparable, diff, rebuild
from services.shared.settings import Settings

CHUNK = 20_000


async def history(sessions: async_sessionmaker[Any], as_of: datetime | None) -> Rebuilt:
    """Fold the chain's engagement and attendance events, as of a time, into the models.
    The next chunk is read while the current one is parsed, so the database and Python work
    at the same time."""
    relevant = or_(*(chain.c.type.startswith(prefix) for prefix in REBUILT_FROM))

    async def read(after: int) -> list[Any]:
        query = select(chain.c.position, chain.c.canonical).where(
            chain.c.position > after, relevant
        )
        if as_of is not None:
            query = query.where(chain.c.time <= as_of)
        async with sessions() as s:
            return list((await s.execute(query.order_by(chain.c.position).limit(CHUNK))).all())

    result = Rebuilt({}, {})
    upcoming = asyncio.ensure_future(read(0))
    while rows := await upcoming:
        upcoming = asyncio.ensure_future(read(rows[-1].position))
        rebuild((json.loads(r.canonical) for r in rows), into=result)
    return result


async def live_models() -> tuple[dict[str, tuple[str, str]], dict[tuple[str, str], dict[str, Any]]]:
    """The live read models, read with each owning service's own settings (an operator's
    comparison, not a service reading another's tables)."""
    from services.registry import spec
    from services.shared.runtime import open_context

    eng_ctx = await open_context(
        spec("engagement"), Settings.from_env("engagement"), asyncio.Event()
    )
    att_ctx = await open_context(
        spec("attendance"), Settings.from_env("attendance"), asyncio.Event()
    )
    try:
        return await read_live(eng_ctx.sessions, att_ctx.sessions)
    finally:
        await eng_ctx.engine.dispose()
        await att_ctx.engine.dispose()


async def read_live(
    engagement: async_sessionmaker[Any], attendance: async_sessionmaker[Any]
) -> tuple[dict[str, tuple[str, str]], dict[tuple[str, str], dict[str, Any]]]:
    """Engagement states and last events, and the attendance ledger, as the services keep them."""
    from services.attendance.adapters.tables import attendance_days, attendance_flags
    from workflows.engagement.tables import engagements

    async with engagement() as s:
        states = {
            r.engagement_id: (r.state, r.last_event)
            for r in (await s.execute(select(engagements))).all()
        }
    async with attendance() as s:
        days = (await s.execute(select(attendance_days))).all()
        flags: dict[tuple[str, str], list[str]] = {}
        for f in (await s.execute(select(attendance_flags))).all():
            flags.setdefault((f.official_id, f.day.isoformat()), []).append(f.flag)
    ledger = {
        (d.official_id, d.day.isoformat()): {
            "check_in": d.check_in_at.isoformat() if d.check_in_at else None,
            "check_out": d.check_out_at.isoformat() if d.check_out_at else None,
            "flags": sorted(flags.get((d.official_id, d.day.isoformat()), [])),
        }
        for d in days
    }
    for key, fl in flags.items():  # flagged days without a check-in (no_check_in)
        ledger.setdefault(key, {"check_in": None, "check_out": None, "flags": sorted(fl)})
    return states, ledger


async def compare(
    sessions: async_sessionmaker[Any],
    as_of: datetime | None,
    live: tuple[async_sessionmaker[Any], async_sessionmaker[Any]] | None = None,
) -> list[str]:
    """Each difference between history and the live models, as a line an auditor reads. `live`:
    the engagement and attendance stores (default: opened from their services' settings)."""
    rebuilt = await history(sessions, as_of)
    states, ledger = await (read_live(*live) if live else live_models())
    models = {
        eid: {"state": comparable(state, eid in rebuilt.eligible), "last_event": last}
        for eid, (state, last) in states.items()
    }
    return diff("engagement", rebuilt.engagements, models) + diff(
        "attendance", _in_utc(rebuilt.attendance), _in_utc(ledger)
    )


def _in_utc(ledger: dict[tuple[str, str], dict[str, Any]]) -> dict[tuple[str, str], Any]:
    """Instants compared as instants: one side may carry +07:00, the other UTC."""
    return {
        key: {
            k: (
                datetime.fromisoformat(v).astimezone(UTC).isoformat()
                if k in ("check_in", "check_out") and v
                else v
            )
            for k, v in row.items()
        }
        for key, row in ledger.items()
    }
