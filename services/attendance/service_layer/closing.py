"""Closing a day (R-ATT-2): scheduled days without a check-in are flagged, open check-ins are
closed at the day's last second, and each agency's day gets its totals."""

from datetime import date
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contracts.events.attendance import DayClosed
from services.attendance.adapters.tables import (
    attendance_days,
    attendance_flags,
    closed_days,
    scheduled_days,
)
from services.attendance.domain.decisions import closing_open_day, closing_without_check_in
from services.attendance.service_layer.streams import LOG, day_stream, flag_rows
from services.shared import clock
from services.shared.eventlog import NewEvent


async def close_day(sessions: async_sessionmaker[Any], day: date) -> dict[str, int] | None:
    """After a day ends: flag scheduled days without a check-in and close open check-ins
    (R-ATT-2). Idempotent: a closed day stays closed."""
    async with sessions.begin() as s:
        try:
            async with s.begin_nested():
                await s.execute(insert(closed_days).values(day=day, closed_at=clock.now()))
        except IntegrityError:
            return None
        missing = (
            await s.execute(
                select(scheduled_days.c.official_id, scheduled_days.c.agency_code)
                .outerjoin(
                    attendance_days,
                    (attendance_days.c.official_id == scheduled_days.c.official_id)
                    & (attendance_days.c.day == scheduled_days.c.day),
                )
                .where(scheduled_days.c.day == day, attendance_days.c.official_id.is_(None))
            )
        ).all()
        open_rows = (
            await s.execute(
                select(attendance_days).where(
                    attendance_days.c.day == day, attendance_days.c.check_out_at.is_(None)
                )
            )
        ).all()
        stats: dict[str, dict[str, int]] = {}
        for official, agency in missing:
            flags, events = closing_without_check_in(official, day)
            await s.execute(insert(attendance_flags), flag_rows(official, day, flags))
            await LOG.append(
                s, day_stream(official, day), [NewEvent(e, agency) for e in events], None
            )
            stats.setdefault(agency, {"flagged": 0})["flagged"] += 1
        for row in open_rows:
            closing, flags, events = closing_open_day(row.official_id, day)
            await s.execute(
                update(attendance_days)
                .where(
                    attendance_days.c.official_id == row.official_id,
                    attendance_days.c.day == day,
                )
                .values(check_out_at=closing, check_out_channel="api")
            )
            await s.execute(insert(attendance_flags), flag_rows(row.official_id, day, flags))
            await LOG.append(
                s,
                day_stream(row.official_id, day),
                [NewEvent(e, row.agency_code) for e in events],
                None,
            )
            stats.setdefault(row.agency_code, {"flagged": 0})["flagged"] += 1
        totals = await _day_totals(s, day)
        for agency in sorted(set(stats) | set(totals)):
            scheduled, checked = totals.get(agency, (0, 0))
            await LOG.append(
                s,
                f"attendance-day-{agency}-{day.isoformat()}",
                [
                    NewEvent(
                        DayClosed(
                            agency_code=agency,
                            day=day,
                            scheduled=scheduled,
                            checked_in=checked,
                            flagged=stats.get(agency, {}).get("flagged", 0),
                        ),
                        agency,
                    )
                ],
                None,
            )
    return {a: s["flagged"] for a, s in stats.items()}


async def _day_totals(s: AsyncSession, day: date) -> dict[str, tuple[int, int]]:
    sched: dict[str, int] = dict(
        (
            await s.execute(
                select(scheduled_days.c.agency_code, func.count())
                .where(scheduled_days.c.day == day)
                .group_by(scheduled_days.c.agency_code)
            )
        ).all()
    )
    checked: dict[str, int] = dict(
        (
            await s.execute(
                select(attendance_days.c.agency_code, func.count())
                .where(attendance_days.c.day == day)
                .group_by(attendance_days.c.agency_code)
            )
        ).all()
    )
    return {a: (int(sched.get(a, 0)), int(checked.get(a, 0))) for a in set(sched) | set(checked)}
