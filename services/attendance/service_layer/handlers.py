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

from sqlalchemy import bindparam, insert, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from contracts.requests.attendance import CheckIn, CheckOut, LedgerQuery
from services.attendance.adapters.day_facts import day_facts
from services.attendance.adapters.tables import (
    attendance_days,
    attendance_flags,
    idempotency,
)
from services.attendance.domain.decisions import (
    ALREADY_CHECKED_OUT,
    Accepted,
    Arrival,
    Decision,
    Evidence,
    Refused,
    StoredDay,
    decide_check_in,
    decide_check_out,
)
from services.attendance.domain.rules import DayRules
from services.attendance.service_layer import closing, projection
from services.attendance.service_layer.streams import LOG, day_stream, flag_rows
from services.shared import clock, telemetry
from services.shared.authz import Actor, Resource, can
from services.shared.eventlog import ConcurrencyConflict, Executor, NewEvent
from services.shared.group_commit import GroupCommit
from services.shared.rpc import RpcError, forbidden, invalid

ALREADY_CHECKED_IN = ("ลงเวลาเริ่มงานวันนี้แล้ว", "already checked in today")
KEY_USED_ELSEWHERE = (
    "รหัสป้องกันการส่งซ้ำนี้ใช้กับคำขออื่นแล้ว โปรดใช้รหัสใหม่",
    "this idempotency key was already used for another request; use a new one",
)


def answers_check_in(reply: dict[str, Any]) -> bool:
    """Whether a stored answer was a check-in's. Answers are kept under the official's key
    alone (the table predates check-outs sharing it), and only a check-in's says whether
    the day was scheduled."""
    return "scheduled" in reply


def unknown_official(official: str) -> RpcError:
    return RpcError(
        "not_found", f"ไม่พบข้าราชการ {official} ในระบบลงเวลา", f"unknown official {official}"
    )


@dataclass(frozen=True)
class _Request:
    """A check-in or check-out as it arrived."""

    actor: Actor
    cmd: CheckIn | CheckOut
    at: datetime  # server time on arrival: the record
    traceparent: str | None

    @property
    def day(self) -> date:
        return self.arrival.day

    @property
    def arrival(self) -> Arrival:
        client = self.cmd.client
        evidence = (
            Evidence(ip=client.ip, latitude=client.latitude, longitude=client.longitude)
            if client is not None
            else None
        )
        return Arrival(self.actor.subject, self.at, self.cmd.channel, evidence)


@dataclass(frozen=True)
class _Accepted:
    request: _Request
    agency: str
    decision: Accepted


Decide = Callable[[StoredDay, Arrival, DayRules], Decision]


class AttendanceService:
    def __init__(
        self, sessions: async_sessionmaker[Any], now: Callable[[], datetime] = clock.now
    ) -> None:
        self._sessions = sessions
        self._engine = sessions.kw["bind"]
        self._now = now  # tests pin the clock; the service uses server time
        self._read_facts = day_facts  # a test stands in a stale read to stage a race
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

    async def _decide_batch(
        self, c: AsyncConnection, requests: Sequence["_Request"], decide: Decide
    ) -> tuple[list[dict[str, Any] | BaseException], list["_Accepted"]]:
        """Decide every request of a batch against what is stored (one loop for check-ins and
        check-outs): each on its own, a second request of the same official against the first
        one's outcome, a repeated idempotency key with the first answer."""
        facts = await self._read_facts(
            c, [(r.actor.subject, r.day, r.cmd.idempotency_key) for r in requests]
        )
        days: dict[tuple[str, date], StoredDay] = {}
        accepted: dict[tuple[str, str], _Accepted] = {}  # (official, key) → decision
        outcomes: list[dict[str, Any] | BaseException] = []
        for r in requests:
            official, day, key = r.actor.subject, r.day, r.cmd.idempotency_key
            try:
                known = facts.days.get((official, day))
                if known is None:
                    raise unknown_official(official)
                agency = await self._authorize(c, r.actor, known.agency, "attendance.check_in")
                if (earlier := facts.replies.get((official, key))) is not None:
                    # A key answers one request: replaying a check-in's answer to a check-out
                    # (or the other way) would tell the caller the wrong thing happened.
                    if answers_check_in(earlier) != isinstance(r.cmd, CheckIn):
                        raise RpcError("conflict", *KEY_USED_ELSEWHERE)
                    outcomes.append(dict(earlier))
                    continue
                if (first := accepted.get((official, key))) is not None:
                    outcomes.append(first.decision.reply)
                    continue
                stored = days.get((official, day)) or known
                decision = decide(stored, r.arrival, await self._day_rules(c, agency, day))
                if isinstance(decision, Refused):
                    raise RpcError(decision.code, decision.th, decision.en)
            except RpcError as refusal:
                outcomes.append(refusal)
                continue
            days[(official, day)] = decision.day
            accepted[(official, key)] = _Accepted(r, agency, decision)
            outcomes.append(decision.reply)
        return outcomes, list(accepted.values())

    async def _check_in_batch(
        self, c: AsyncConnection, requests: Sequence["_Request"]
    ) -> list[dict[str, Any] | BaseException]:
        """Four writes however many check-ins: days, flags, events, answers."""
        outcomes, accepted = await self._decide_batch(c, requests, decide_check_in)
        if accepted:
            await c.execute(
                insert(attendance_days),
                [
                    {
                        "official_id": a.request.actor.subject,
                        "day": a.request.day,
                        "agency_code": a.agency,
                        "scheduled": a.decision.day.engagement_id is not None,
                        "engagement_id": a.decision.day.engagement_id,
                        "check_in_at": a.request.at,
                        "check_in_channel": a.request.cmd.channel,
                        "client_ip": a.decision.client_ip,
                        "client_location": a.decision.client_location,
                    }
                    for a in accepted
                ],
            )
            flags = [
                row
                for a in accepted
                for row in flag_rows(a.request.actor.subject, a.request.day, a.decision.flags)
            ]
            if flags:
                await c.execute(insert(attendance_flags), flags)
            await self._commit(c, accepted, versions={})
        return outcomes

    async def _commit(
        self, c: AsyncConnection, accepted: list["_Accepted"], versions: dict[str, int]
    ) -> None:
        """The decided events, each day's stream at the version read (a new day's at 0), and
        each answer under its idempotency key."""
        appends = []
        for a in accepted:
            stream = day_stream(a.request.actor.subject, a.request.day)
            events = [
                NewEvent(e, a.agency, traceparent=a.request.traceparent) for e in a.decision.events
            ]
            appends.append((stream, versions.get(stream, 0), events))
        # Appending at the version read is what stops a second process (or the day's closing)
        # from recording the same official's day twice.
        await LOG.append_batch(c, appends, savepoint=False)
        await c.execute(
            insert(idempotency),
            [
                {
                    "official_id": a.request.actor.subject,
                    "key": a.request.cmd.idempotency_key,
                    "response": a.decision.reply,
                }
                for a in accepted
            ],
        )

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
        # the day's closing) shows in the facts, or else makes the append collide.
        streams = sorted({day_stream(r.actor.subject, r.day) for r in requests})
        versions = await LOG.versions(c, streams)
        outcomes, accepted = await self._decide_batch(c, requests, decide_check_out)
        if accepted:
            await c.execute(
                update(attendance_days)
                .where(
                    attendance_days.c.official_id == bindparam("o"),
                    attendance_days.c.day == bindparam("d"),
                )
                .values(check_out_at=bindparam("at"), check_out_channel=bindparam("channel")),
                [
                    {
                        "o": a.request.actor.subject,
                        "d": a.request.day,
                        "at": a.request.at,
                        "channel": a.request.cmd.channel,
                    }
                    for a in accepted
                ],
            )
            await self._commit(c, accepted, versions)
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
        """After a day ends (R-ATT-2): see `closing.close_day`."""
        return await closing.close_day(self._sessions, day)
