"""Check-in and check-out (R-ATT-1), flags (R-ATT-2), closing a day.

Server time is the record. A check-in and its events are one transaction, and the reply goes
out only after the commit: an acknowledged check-in is never lost. The caller's idempotency key
makes a repeated request return the first answer.
"""

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contracts.events.attendance import AttendanceFlagged, CheckedIn, CheckedOut, DayClosed
from services.attendance.adapters.tables import (
    attendance_days,
    attendance_flags,
    closed_days,
    idempotency,
    known_officials,
    scheduled_days,
)
from services.attendance.domain.rules import DayRules, end_of_day, minutes_late
from services.attendance.service_layer import projection
from services.attendance.service_layer.commands import CheckIn, CheckOut
from services.shared import clock
from services.shared.authz import Actor, Resource, can
from services.shared.eventlog import ConcurrencyConflict, EventLog, Executor, NewEvent
from services.shared.rpc import RpcError, forbidden

LOG = EventLog("/telework/attendance")


def day_stream(official_id: str, day: date) -> str:
    return f"attendance-{official_id}-{day.isoformat()}"


class AttendanceService:
    def __init__(
        self, sessions: async_sessionmaker[Any], now: Callable[[], datetime] = clock.now
    ) -> None:
        self._sessions = sessions
        self._engine = sessions.kw["bind"]
        self._now = now  # tests pin the clock; the service uses server time
        self._rules: dict[tuple[str, date], DayRules] = {}
        self._paths: dict[str, tuple[str, ...]] = {}

    def forget_rules(self) -> None:
        """Called when policies or the agency tree change (projection applied an event)."""
        self._rules.clear()
        self._paths.clear()

    async def apply_event(self, s: AsyncSession, event: Any) -> None:
        await projection.apply(s, event)
        if event.type.startswith("th.go.telework.identity."):
            self.forget_rules()

    async def _context(self, s: AsyncSession, actor: Actor, action: str) -> tuple[str, str]:
        official = actor.subject
        agency = (
            await s.execute(
                select(known_officials.c.agency_code).where(
                    known_officials.c.official_id == official
                )
            )
        ).scalar()
        if agency is None:
            raise RpcError(
                "not_found", f"ไม่พบข้าราชการ {official} ในระบบลงเวลา", f"unknown official {official}"
            )
        if agency not in self._paths:
            self._paths[agency] = await projection.agency_path(s, agency)
        decision = can(actor, action, Resource("attendance", self._paths[agency], owner=official))
        if not decision:
            raise forbidden(decision.reason)
        return official, agency

    async def _day_rules(self, s: Executor, agency: str, day: date) -> DayRules:
        key = (agency, day)
        if key not in self._rules:
            self._rules[key] = await projection.day_rules(s, agency, day)
        return self._rules[key]

    async def check_in(self, actor: Actor, cmd: CheckIn) -> dict[str, Any]:
        """The hot path: one read and four writes on a Core connection, no savepoints."""
        official = actor.subject
        now = self._now()
        day = now.astimezone(clock.BANGKOK).date()
        try:
            async with self._engine.begin() as c:
                facts = await self._check_in_facts(c, official, cmd.idempotency_key, day)
                agency = await self._authorize(c, actor, facts, "attendance.check_in")
                if facts.replay is not None:
                    return dict(facts.replay)
                if facts.open_at is not None:
                    at = facts.open_at.astimezone(clock.BANGKOK).strftime("%H:%M")
                    raise RpcError(
                        "conflict",
                        f"ลงเวลาเริ่มงานวันนี้แล้วเมื่อ {at} น.",
                        f"already checked in today at {at}",
                    )
                scheduled = facts.engagement
                rules = await self._day_rules(c, agency, day)
                ip, location = self._evidence(cmd, rules)
                await c.execute(
                    insert(attendance_days).values(
                        official_id=official,
                        day=day,
                        agency_code=agency,
                        scheduled=scheduled is not None,
                        engagement_id=scheduled,
                        check_in_at=now,
                        check_in_channel=cmd.channel,
                        client_ip=ip,
                        client_location=location,
                    )
                )
                events: list[Any] = [
                    CheckedIn(
                        official_id=official,
                        day=day,
                        at=now,
                        channel=cmd.channel,
                        scheduled=scheduled is not None,
                        engagement_id=scheduled,
                    )
                ]
                flags = []
                if scheduled is None:
                    flags.append(
                        ("unscheduled_check_in", "ลงเวลาในวันที่ไม่ได้กำหนดให้ปฏิบัติราชการนอกสถานที่")
                    )
                if rules.is_late(now):
                    flags.append(
                        (
                            "late_check_in",
                            f"ลงเวลาช้า {minutes_late(now, rules)} นาที (เกินเวลาที่ยอมให้)",
                        )
                    )
                events += await self._flag(c, official, day, flags)
                await LOG.append(
                    c,
                    day_stream(official, day),
                    [NewEvent(e, agency) for e in events],
                    0,
                    savepoint=False,
                )
                reply = {
                    "official_id": official,
                    "day": day.isoformat(),
                    "at": now.isoformat(),
                    "scheduled": scheduled is not None,
                    "flags": [f for f, _ in flags],
                }
                await c.execute(
                    insert(idempotency).values(
                        official_id=official, key=cmd.idempotency_key, response=reply
                    )
                )
        except (IntegrityError, ConcurrencyConflict):
            # A concurrent request for the same official and day committed first.
            raise RpcError("conflict", "ลงเวลาเริ่มงานวันนี้แล้ว", "already checked in today") from None
        return reply

    async def _check_in_facts(self, c: Executor, official: str, key: str, day: date) -> Any:
        """Everything a check-in needs to know, in one round trip."""
        replay = (
            select(idempotency.c.response)
            .where(idempotency.c.official_id == official, idempotency.c.key == key)
            .scalar_subquery()
        )
        open_at = (
            select(attendance_days.c.check_in_at)
            .where(attendance_days.c.official_id == official, attendance_days.c.day == day)
            .scalar_subquery()
        )
        engagement = (
            select(scheduled_days.c.engagement_id)
            .where(scheduled_days.c.official_id == official, scheduled_days.c.day == day)
            .scalar_subquery()
        )
        row = (
            await c.execute(
                select(
                    known_officials.c.agency_code,
                    replay.label("replay"),
                    open_at.label("open_at"),
                    engagement.label("engagement"),
                ).where(known_officials.c.official_id == official)
            )
        ).first()
        if row is None:
            raise RpcError(
                "not_found", f"ไม่พบข้าราชการ {official} ในระบบลงเวลา", f"unknown official {official}"
            )
        return row

    async def _authorize(self, c: Executor, actor: Actor, facts: Any, action: str) -> str:
        agency: str = facts.agency_code
        if agency not in self._paths:
            self._paths[agency] = await projection.agency_path(c, agency)
        decision = can(
            actor, action, Resource("attendance", self._paths[agency], owner=actor.subject)
        )
        if not decision:
            raise forbidden(decision.reason)
        return agency

    async def check_out(self, actor: Actor, cmd: CheckOut) -> dict[str, Any]:
        async with self._sessions.begin() as s:
            official, agency = await self._context(s, actor, "attendance.check_in")
            if (first := await self._replay(s, official, cmd.idempotency_key)) is not None:
                return first
            now = self._now()
            day = now.date()
            row = (
                await s.execute(
                    select(attendance_days).where(
                        attendance_days.c.official_id == official, attendance_days.c.day == day
                    )
                )
            ).first()
            if row is None:
                raise RpcError(
                    "conflict", "ยังไม่ได้ลงเวลาเริ่มงานวันนี้", "no check-in today to check out from"
                )
            if row.check_out_at is not None:
                raise RpcError("conflict", "ลงเวลาเลิกงานวันนี้แล้ว", "already checked out today")
            await s.execute(
                update(attendance_days)
                .where(attendance_days.c.official_id == official, attendance_days.c.day == day)
                .values(check_out_at=now, check_out_channel=cmd.channel)
            )
            await LOG.append(
                s,
                day_stream(official, day),
                [
                    NewEvent(
                        CheckedOut(official_id=official, day=day, at=now, channel=cmd.channel),
                        agency,
                    )
                ],
                None,
            )
            reply = {"official_id": official, "day": day.isoformat(), "at": now.isoformat()}
            await s.execute(
                insert(idempotency).values(
                    official_id=official, key=cmd.idempotency_key, response=reply
                )
            )
        return reply

    async def close_day(self, day: date) -> dict[str, int] | None:
        """After a day ends: flag scheduled days without a check-in and close open check-ins
        (R-ATT-2). Idempotent: a closed day stays closed."""
        async with self._sessions.begin() as s:
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
                events = await self._flag(
                    s,
                    official,
                    day,
                    [("no_check_in", "ไม่มีการลงเวลาในวันที่กำหนดให้ปฏิบัติราชการนอกสถานที่")],
                )
                await LOG.append(
                    s, day_stream(official, day), [NewEvent(e, agency) for e in events], None
                )
                stats.setdefault(agency, {"flagged": 0})["flagged"] += 1
            closing = end_of_day(day)
            for row in open_rows:
                await s.execute(
                    update(attendance_days)
                    .where(
                        attendance_days.c.official_id == row.official_id,
                        attendance_days.c.day == day,
                    )
                    .values(check_out_at=closing, check_out_channel="api")
                )
                events = [
                    CheckedOut(
                        official_id=row.official_id,
                        day=day,
                        at=closing,
                        channel="api",
                        automatic=True,
                    )
                ]
                events += await self._flag(
                    s,
                    row.official_id,
                    day,
                    [("auto_checked_out", "ไม่ได้ลงเวลาเลิกงาน ระบบปิดให้เมื่อสิ้นวัน")],
                )
                await LOG.append(
                    s,
                    day_stream(row.official_id, day),
                    [NewEvent(e, row.agency_code) for e in events],
                    None,
                )
                stats.setdefault(row.agency_code, {"flagged": 0})["flagged"] += 1
            totals = await self._day_totals(s, day)
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

    async def _day_totals(self, s: AsyncSession, day: date) -> dict[str, tuple[int, int]]:
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
        return {
            a: (int(sched.get(a, 0)), int(checked.get(a, 0))) for a in set(sched) | set(checked)
        }

    async def _flag(
        self, s: Executor, official: str, day: date, flags: list[tuple[str, str]]
    ) -> list[Any]:
        if not flags:
            return []
        await s.execute(
            insert(attendance_flags),
            [{"official_id": official, "day": day, "flag": f, "reason": r} for f, r in flags],
        )
        return [
            AttendanceFlagged(official_id=official, day=day, flag=f, reason=r) for f, r in flags
        ]

    async def _replay(self, s: AsyncSession, official: str, key: str) -> dict[str, Any] | None:
        row = (
            await s.execute(
                select(idempotency.c.response).where(
                    idempotency.c.official_id == official, idempotency.c.key == key
                )
            )
        ).first()
        return dict(row.response) if row else None

    @staticmethod
    def _evidence(cmd: CheckIn, rules: DayRules) -> tuple[str | None, str | None]:
        # PDPA: client evidence is personal data; keep it only where the agency's policy says so.
        if not rules.keep_client_location or cmd.client is None:
            return None, None
        loc = None
        if cmd.client.latitude is not None and cmd.client.longitude is not None:
            loc = f"{cmd.client.latitude:.5f},{cmd.client.longitude:.5f}"
        return cmd.client.ip, loc
