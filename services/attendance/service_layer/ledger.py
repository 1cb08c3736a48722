"""Reading the ledger from the attendance store."""

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.attendance.adapters.tables import (
    attendance_days,
    attendance_flags,
    known_agencies,
    scheduled_days,
)
from services.attendance.domain.ledger import LedgerRow


async def subtree(s: AsyncSession, agency: str) -> set[str]:
    children: dict[str | None, list[str]] = {}
    for code, parent in (
        await s.execute(select(known_agencies.c.code, known_agencies.c.parent_code))
    ).all():
        children.setdefault(parent, []).append(code)
    found, todo = set(), [agency]
    while todo:
        code = todo.pop()
        found.add(code)
        todo += children.get(code, [])
    return found


async def agency_path(s: AsyncSession, agency: str) -> tuple[str, ...] | None:
    """Root ministry … `agency`, from the agencies attendance has learnt; None if unknown."""
    parents = {
        code: parent
        for code, parent in (
            await s.execute(select(known_agencies.c.code, known_agencies.c.parent_code))
        ).all()
    }
    if agency not in parents:
        return None
    path = [agency]
    while (parent := parents.get(path[-1])) is not None and parent not in path:
        path.append(parent)
    return tuple(reversed(path))


async def ledger(
    s: AsyncSession, agency: str, start: date, end: date, official: str | None = None
) -> list[LedgerRow]:
    """Rows for days in [start, end] of the agency and its sub-agencies."""
    agencies = await subtree(s, agency)

    def scope(table: Any) -> list[Any]:
        conds = [table.c.agency_code.in_(agencies), table.c.day >= start, table.c.day <= end]
        if official:
            conds.append(table.c.official_id == official)
        return conds

    worked = {
        (r.official_id, r.day): r
        for r in (await s.execute(select(attendance_days).where(*scope(attendance_days)))).all()
    }
    planned = {
        (r.official_id, r.day): r.agency_code
        for r in (await s.execute(select(scheduled_days).where(*scope(scheduled_days)))).all()
    }
    fconds = [attendance_flags.c.day >= start, attendance_flags.c.day <= end]
    if official:
        fconds.append(attendance_flags.c.official_id == official)
    flags: dict[tuple[str, date], list[str]] = {}
    for r in (await s.execute(select(attendance_flags).where(*fconds))).all():
        flags.setdefault((r.official_id, r.day), []).append(r.flag)
    rows = []
    for key in sorted(set(worked) | set(planned), key=lambda k: (k[1], k[0])):
        w = worked.get(key)
        rows.append(
            LedgerRow(
                day=key[1],
                official_id=key[0],
                agency=w.agency_code if w else planned[key],
                scheduled=key in planned,
                check_in=w.check_in_at if w else None,
                check_out=w.check_out_at if w else None,
                channel=w.check_in_channel if w else None,
                flags=tuple(sorted(flags.get(key, []))),
            )
        )
    return rows
