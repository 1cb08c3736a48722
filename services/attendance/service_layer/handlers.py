"""Check-in and check-out (R-ATT-1), flags (R-ATT-2), closing a day.

Server time is the record. A check-in and its events are one transaction, and the reply goes
out only after the commit: an acknowledged check-in is never lost. Check-ins arriving together
share a transaction (group commit), each decided on its own. The caller's idempotency key
makes a repeated request return the first answer.
"""

import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, case, func, insert, select, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from contracts.events.attendance import AttendanceFlagged, CheckedIn, CheckedOut, DayClosed
from services.attendance.adapters.tables import (
    attendance_days,
    attendance_flags,
    closed_days,
    idempotency,
    known_officials,
    scheduled_days,
    scheduled_parts,
)
from services.attendance.domain.rules import (
    DayRules,
    coarse_location,
    end_of_day,
    minutes_late,
)
from services.attendance.service_layer import projection
from services.attendance.service_layer.commands import CheckIn, CheckOut, LedgerQuery
from services.shared import clock, telemetry
from services.shared.authz import Actor, Resource, can
from services.shared.eventlog import ConcurrencyConflict, EventLog, Executor, NewEvent
from services.shared.group_commit import GroupCommit
from services.shared.rpc import RpcError, forbidden, invalid

LOG = EventLog("/telework/attendance")


def padded(values: set[str]) -> list[str]:
    """The values, repeated up to the next power of two: an IN list of any length then takes
    one of a few statement shapes, each prepared and planned once per connection instead of
    once per batch size."""
    out = sorted(values)
    size = 1 << (len(out) - 1).bit_length()
    return out + [out[0]] * (size - len(out))


ALREADY_CHECKED_IN = ("ลงเวลาเริ่มงานวันนี้แล้ว", "already checked in today")
ALREADY_CHECKED_OUT = ("ลงเวลาเลิกงานวันนี้แล้ว", "already checked out today")


async def _remember_answers(
    c: AsyncConnection, accepted: dict[tuple[str, date], tuple[str, dict[str, Any]]]
) -> None:
    """Each accepted request's answer under its idempotency key: a repeat gets it back."""
    await c.execute(
        insert(idempotency),
        [
            {"official_id": official, "key": key, "response": reply}
            for (official, _), (key, reply) in accepted.items()
        ],
    )


def flagged(
    official: str, day: date, flags: list[tuple[str, str]]
) -> tuple[list[dict[str, Any]], list[AttendanceFlagged]]:
    """Flags (name, reason) as rows of attendance_flags and as the events that announce them."""
    rows = [{"official_id": official, "day": day, "flag": f, "reason": why} for f, why in flags]
    events = [
        AttendanceFlagged(official_id=official, day=day, flag=f, reason=why) for f, why in flags
    ]
    return rows, events


def unknown_official(official: str) -> RpcError:
    return RpcError(
        "not_found", f"ไม่พบข้าราชการ {official} ในระบบลงเวลา", f"unknown official {official}"
    )


@dataclass(frozen=True)
class _Request:
    """A check-in or check-out as it arrived."""

    actor: Actor
    cmd: CheckIn  # or CheckOut, its subclass
    at: datetime  # server time on arrival: the record
    traceparent: str | None

    @property
    def day(self) -> date:
        return self.at.astimezone(clock.BANGKOK).date()


@dataclass(frozen=True)
class _DayFacts:
    """What is stored about each requester's day, for check-ins and check-outs alike."""

    days: dict[tuple[str, date], Any]  # (official, day) → agency, engagement, check-in/out
    replies: dict[tuple[str, str], dict[str, Any]]  # (official, key) → the first answer


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
        self._check_ins: GroupCommit[_Request, dict[str, Any]] = GroupCommit(self._write_check_ins)
        self._check_outs: GroupCommit[_Request, dict[str, Any]] = GroupCommit(
            self._write_check_outs
        )

    def forget_rules(self) -> None:
        """Called when policies or the agency tree change (projection applied an event)."""
        self._rules.clear()
        self._paths.clear()

    async def apply_event(self, s: AsyncSession, event: Any) -> None:
        await projection.apply(s, event)
        if event.type.startswith("th.go.telework.identity."):
            self.forget_rules()

    async def _day_rules(self, s: Executor, agency: str, day: date) -> DayRules:
        key = (agency, day)
        if key not in self._rules:
            self._rules[key] = await projection.day_rules(s, agency, day)
        return self._rules[key]

    async def check_in(self, actor: Actor, cmd: CheckIn) -> dict[str, Any]:
        """Server time is taken when the request arrives; the reply goes out after the commit
        of the batch it joined (group commit: one transaction for the check-ins waiting)."""
        request = _Request(actor, cmd, self._now(), telemetry.current_traceparent())
        return await self._check_ins.submit(request)

    async def _write_check_ins(
        self, requests: Sequence["_Request"]
    ) -> list[dict[str, Any] | BaseException]:
        return await self._write(requests, self._check_in_batch, ALREADY_CHECKED_IN)

    async def _write_check_outs(
        self, requests: Sequence["_Request"]
    ) -> list[dict[str, Any] | BaseException]:
        return await self._write(requests, self._check_out_batch, ALREADY_CHECKED_OUT)

    async def _write(
        self,
        requests: Sequence["_Request"],
        batch: Callable[[AsyncConnection, Sequence["_Request"]], Awaitable[list[Any]]],
        conflict: tuple[str, str],
    ) -> list[dict[str, Any] | BaseException]:
        try:
            async with self._engine.begin() as c:
                return await batch(c, requests)
        except (IntegrityError, ConcurrencyConflict):
            if len(requests) == 1:
                # Another process wrote this official's day first.
                return [RpcError("conflict", *conflict)]
        # One of the batch raced another process: each alone, so the others still commit.
        return [o for r in requests for o in await self._write([r], batch, conflict)]

    async def _check_in_batch(
        self, c: AsyncConnection, requests: Sequence["_Request"]
    ) -> list[dict[str, Any] | BaseException]:
        """Decide every request of a batch against what is stored, then write the accepted
        ones with one statement per table: four writes however many check-ins."""
        facts = await self._day_facts(c, requests)
        accepted: dict[tuple[str, date], tuple[str, dict[str, Any]]] = {}
        days: list[dict[str, Any]] = []
        flag_rows: list[dict[str, Any]] = []
        appends: list[tuple[str, int, list[NewEvent]]] = []
        outcomes: list[dict[str, Any] | BaseException] = []
        for r in requests:
            try:
                outcomes.append(
                    await self._decide_check_in(c, r, facts, accepted, days, flag_rows, appends)
                )
            except RpcError as refusal:
                outcomes.append(refusal)
        if days:
            await c.execute(insert(attendance_days), days)
            if flag_rows:
                await c.execute(insert(attendance_flags), flag_rows)
            await LOG.append_batch(c, appends, savepoint=False)
            await _remember_answers(c, accepted)
        return outcomes

    async def _look_up(
        self, c: AsyncConnection, r: "_Request", facts: "_DayFacts"
    ) -> tuple[str, Any, dict[str, Any] | None]:
        """The official's agency and stored day, once it is settled that the caller may act;
        and the earlier answer to this very request (same idempotency key), if any."""
        official = r.actor.subject
        known = facts.days.get((official, r.day))
        if known is None:
            raise unknown_official(official)
        agency = await self._authorize(c, r.actor, known.agency_code, "attendance.check_in")
        earlier = facts.replies.get((official, r.cmd.idempotency_key))
        return agency, known, dict(earlier) if earlier is not None else None

    async def _decide_check_in(
        self,
        c: AsyncConnection,
        r: "_Request",
        facts: "_DayFacts",
        accepted: dict[tuple[str, date], tuple[str, dict[str, Any]]],
        days: list[dict[str, Any]],
        flag_rows: list[dict[str, Any]],
        appends: list[tuple[str, int, list[NewEvent]]],
    ) -> dict[str, Any]:
        official, day, key = r.actor.subject, r.day, r.cmd.idempotency_key
        agency, known, earlier = await self._look_up(c, r, facts)
        if earlier is not None:
            return earlier
        open_at = known.check_in_at
        if (official, day) in accepted:  # twice in the same batch
            first_key, first_reply = accepted[(official, day)]
            if first_key == key:
                return first_reply
            open_at = datetime.fromisoformat(first_reply["at"])
        if open_at is not None:
            at = open_at.astimezone(clock.BANGKOK).strftime("%H:%M")
            raise RpcError(
                "conflict", f"ลงเวลาเริ่มงานวันนี้แล้วเมื่อ {at} น.", f"already checked in today at {at}"
            )
        scheduled = known.engagement_id
        rules = await self._day_rules(c, agency, day)
        ip, location = self._evidence(r.cmd, rules)
        days.append(
            {
                "official_id": official,
                "day": day,
                "agency_code": agency,
                "scheduled": scheduled is not None,
                "engagement_id": scheduled,
                "check_in_at": r.at,
                "check_in_channel": r.cmd.channel,
                "client_ip": ip,
                "client_location": location,
            }
        )
        flags = []
        if scheduled is None:
            flags.append(("unscheduled_check_in", "ลงเวลาในวันที่ไม่ได้กำหนดให้ปฏิบัติราชการนอกสถานที่"))
        part = getattr(known, "part", None) or "full"
        if rules.is_late(r.at, part):
            late = minutes_late(r.at, rules, part)
            flags.append(("late_check_in", f"ลงเวลาช้า {late} นาที (เกินเวลาที่ยอมให้)"))
        rows, flag_events = flagged(official, day, flags)
        flag_rows += rows
        events: list[Any] = [
            CheckedIn(
                official_id=official,
                day=day,
                at=r.at,
                channel=r.cmd.channel,
                scheduled=scheduled is not None,
                engagement_id=scheduled,
            )
        ]
        events += flag_events
        appends.append(
            (
                day_stream(official, day),
                0,
                [NewEvent(e, agency, traceparent=r.traceparent) for e in events],
            )
        )
        reply = {
            "official_id": official,
            "day": day.isoformat(),
            "at": r.at.isoformat(),
            "scheduled": scheduled is not None,
            "flags": [f for f, _ in flags],
        }
        accepted[(official, day)] = (key, reply)
        return reply

    @staticmethod
    async def _day_facts(c: AsyncConnection, requests: Sequence["_Request"]) -> "_DayFacts":
        """Everything a batch of check-ins or check-outs needs to know, earlier answers
        included, in one round trip per day (a batch spans two days only at midnight)."""
        facts = _DayFacts({}, {})
        keys_by_day: dict[date, dict[str, str]] = {}
        others: list[tuple[str, str]] = []  # a second key of the same official: rare
        for r in requests:
            keys = keys_by_day.setdefault(r.day, {})
            first = keys.setdefault(r.actor.subject, r.cmd.idempotency_key)
            if first != r.cmd.idempotency_key:
                others.append((r.actor.subject, r.cmd.idempotency_key))
        for day, keys in keys_by_day.items():
            # Correlated look-ups by primary key rather than outer joins: the planner's
            # statistics lag a table that grows by thousands of rows each morning, and a join
            # planned for an empty attendance_days scanned the whole day for every official.
            official = known_officials.c.official_id
            engagement = (
                select(scheduled_days.c.engagement_id)
                .where(scheduled_days.c.official_id == official, scheduled_days.c.day == day)
                .scalar_subquery()
            )
            part = (
                select(scheduled_parts.c.part)
                .where(scheduled_parts.c.official_id == official, scheduled_parts.c.day == day)
                .scalar_subquery()
            )
            checked_in = (
                select(attendance_days.c.check_in_at)
                .where(attendance_days.c.official_id == official, attendance_days.c.day == day)
                .scalar_subquery()
            )
            checked_out = (
                select(attendance_days.c.check_out_at)
                .where(attendance_days.c.official_id == official, attendance_days.c.day == day)
                .scalar_subquery()
            )
            # Each official's own idempotency key, chosen in SQL by a CASE over the officials.
            officials = padded(set(keys))
            own_key = case({o: keys[o] for o in officials}, value=official)
            replay = (
                select(idempotency.c.response)
                .where(idempotency.c.official_id == official, idempotency.c.key == own_key)
                .scalar_subquery()
            )
            rows = await c.execute(
                select(
                    official,
                    known_officials.c.agency_code,
                    engagement.label("engagement_id"),
                    part.label("part"),
                    checked_in.label("check_in_at"),
                    checked_out.label("check_out_at"),
                    replay.label("replay"),
                ).where(official.in_(officials))
            )
            for row in rows:
                facts.days[(row.official_id, day)] = row
                if row.replay is not None:
                    facts.replies[(row.official_id, keys[row.official_id])] = row.replay
        if others:
            rows = await c.execute(
                select(idempotency.c.official_id, idempotency.c.key, idempotency.c.response).where(
                    tuple_(idempotency.c.official_id, idempotency.c.key).in_(others)
                )
            )
            facts.replies.update({(row.official_id, row.key): row.response for row in rows})
        return facts

    async def _authorize(self, c: Executor, actor: Actor, agency: str, action: str) -> str:
        if agency not in self._paths:
            self._paths[agency] = await projection.agency_path(c, agency)
        decision = can(
            actor, action, Resource("attendance", self._paths[agency], owner=actor.subject)
        )
        if not decision:
            raise forbidden(decision.reason)
        return agency

    async def check_out(self, actor: Actor, cmd: CheckOut) -> dict[str, Any]:
        """Like a check-in, group-committed: everyone leaves at about the same time too."""
        request = _Request(actor, cmd, self._now(), telemetry.current_traceparent())
        return await self._check_outs.submit(request)

    async def _check_out_batch(
        self, c: AsyncConnection, requests: Sequence["_Request"]
    ) -> list[dict[str, Any] | BaseException]:
        # Versions first, facts second: a check-out committed in between (another process, or
        # the day's closing) shows in the facts, or else makes the append below collide.
        streams = sorted({day_stream(r.actor.subject, r.day) for r in requests})
        versions = await LOG.versions(c, streams)
        facts = await self._day_facts(c, requests)
        accepted: dict[tuple[str, date], tuple[str, dict[str, Any]]] = {}
        appends: list[tuple[str, int, list[NewEvent]]] = []
        closing: list[dict[str, Any]] = []
        outcomes: list[dict[str, Any] | BaseException] = []
        for r in requests:
            try:
                official, day, key = r.actor.subject, r.day, r.cmd.idempotency_key
                agency, known, earlier = await self._look_up(c, r, facts)
                if earlier is not None:
                    outcomes.append(earlier)
                    continue
                if (official, day) in accepted:  # twice in the same batch
                    first_key, first_reply = accepted[(official, day)]
                    if first_key != key:
                        raise RpcError("conflict", *ALREADY_CHECKED_OUT)
                    outcomes.append(first_reply)
                    continue
                if known.check_in_at is None:
                    raise RpcError(
                        "conflict", "ยังไม่ได้ลงเวลาเริ่มงานวันนี้", "no check-in today to check out from"
                    )
                if known.check_out_at is not None:
                    raise RpcError("conflict", *ALREADY_CHECKED_OUT)
            except RpcError as refusal:
                outcomes.append(refusal)
                continue
            stream = day_stream(official, day)
            event = CheckedOut(official_id=official, day=day, at=r.at, channel=r.cmd.channel)
            appends.append(
                (stream, versions[stream], [NewEvent(event, agency, traceparent=r.traceparent)])
            )
            reply = {"official_id": official, "day": day.isoformat(), "at": r.at.isoformat()}
            accepted[(official, day)] = (key, reply)
            closing.append({"o": official, "d": day, "at": r.at, "channel": r.cmd.channel})
            outcomes.append(reply)
        if accepted:
            await c.execute(
                update(attendance_days)
                .where(
                    attendance_days.c.official_id == bindparam("o"),
                    attendance_days.c.day == bindparam("d"),
                )
                .values(check_out_at=bindparam("at"), check_out_channel=bindparam("channel")),
                closing,
            )
            # Appending at the version read is what stops a second process (or the day's
            # closing) from checking the same official out twice.
            await LOG.append_batch(c, appends, savepoint=False)
            await _remember_answers(c, accepted)
        return outcomes

    async def ledger(self, actor: Actor, q: LedgerQuery) -> dict[str, Any]:
        """The ledger of an agency and its sub-agencies over at most a year (R-ATT-3): for its
        supervisors, head, HR and auditors, or an official's own rows."""
        from services.attendance.domain.ledger import HEADERS, cells, to_csv, to_json
        from services.attendance.service_layer.ledger import agency_path, ledger

        if q.end < q.start:
            raise invalid("the period ends before it starts")
        if (q.end - q.start).days > 366:
            raise invalid("a ledger covers at most a year")
        async with self._sessions() as s:
            path = await agency_path(s, q.agency)
            if path is None:
                raise RpcError("not_found", f"ไม่พบหน่วยงาน {q.agency}", f"no agency {q.agency}")
            # An official reads only their own rows: `own` in the policy needs the owner named.
            wanted = Resource("attendance", path, owner=q.official_id)
            if not can(actor, "attendance.read_ledger", wanted):
                raise forbidden(f"you may not read the ledger of {q.agency}")
            rows = await ledger(s, q.agency, q.start, q.end, q.official_id)
        if q.format == "csv":
            return {"csv": to_csv(rows, q.lang), "rows": len(rows)}
        # `cells`: each row as the ledger shows it (B.E. dates, Bangkok times, flags in words).
        return {
            "rows": json.loads(to_json(rows)),
            "headers": HEADERS[q.lang],
            "cells": [cells(r, q.lang) for r in rows],
        }

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
        rows, events = flagged(official, day, flags)
        await s.execute(insert(attendance_flags), rows)
        return events

    @staticmethod
    def _evidence(cmd: CheckIn, rules: DayRules) -> tuple[str | None, str | None]:
        # PDPA: client evidence is personal data; keep it only where the agency's policy says so.
        if not rules.keep_client_location or cmd.client is None:
            return None, None
        loc = None
        if cmd.client.latitude is not None and cmd.client.longitude is not None:
            # Coarsened before it is stored: the exact point is never kept (issue #19).
            loc = coarse_location(cmd.client.latitude, cmd.client.longitude, rules.location_grid_m)
        return cmd.client.ip, loc
