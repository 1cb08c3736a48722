"""Attendance evidence (R-ATT-1..3): projection of telework days, check-in and check-out with
server time and idempotency, every flag, closing a day, the ledger; SQLite and PostgreSQL."""

import asyncio
import dataclasses
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from contracts.envelope import CloudEvent
from contracts.requests.attendance import CheckIn, CheckOut, ClientEvidence
from services.attendance.adapters.tables import (
    ATTENDANCE,
    attendance_days,
    scheduled_days,
    scheduled_parts,
)
from services.attendance.domain.ledger import to_csv
from services.attendance.service_layer.handlers import LOG, AttendanceService, day_stream
from services.attendance.service_layer.ledger import ledger
from services.shared.authz import Actor, Grant, Role
from services.shared.rpc import RpcError
from tests.conftest import Database
from tests.support.attendance import at, identity_events, order, withdrawn

pytestmark = pytest.mark.integration

DAY = date(2026, 12, 8)  # a Tuesday, a working day
ME = "D0202"


def official(who: str = ME) -> Actor:
    return Actor(who, (Grant(Role.OFFICIAL, "ONDE-DGT"),))


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def service(db: Database, clock: Clock, events: list[CloudEvent]) -> AttendanceService:
    await db.create(ATTENDANCE)
    svc = AttendanceService(db.sessions, now=clock)
    for e in events:
        async with db.sessions.begin() as s:
            await svc.apply_event(s, e)
    return svc


def key(n: int = 0) -> str:
    return f"key-{n:08d}"


async def flags_of(db: Database, who: str, day: date) -> list[str]:
    async with db.sessions() as s:
        return sorted(
            e.envelope.data["flag"]
            for e in await LOG.read_stream(s, day_stream(who, day))
            if e.envelope.type.endswith("attendance_flagged.v1")
        )


class TestProjection:
    async def test_orders_give_days_and_withdrawal_takes_them_back(self, db: Database) -> None:
        """R-ATT-1, R-TRM-2: the projection knows each official's telework days."""
        days = [DAY + timedelta(days=7 * i) for i in range(4)]
        await service(
            db,
            Clock(at(DAY, 9)),
            [
                *identity_events([ME]),
                order(ME, "E1", days, DAY - timedelta(days=3)),
                withdrawn(ME, "E1", days[2]),
            ],
        )
        async with db.sessions() as s:
            got = sorted((await s.execute(select(scheduled_days.c.day))).scalars())
        assert got == days[:2]

    async def test_a_renewal_replaces_only_the_future(self, db: Database) -> None:
        old = [DAY, DAY + timedelta(days=7), DAY + timedelta(days=14)]
        new = [DAY + timedelta(days=8), DAY + timedelta(days=15)]
        await service(
            db,
            Clock(at(DAY, 9)),
            [
                *identity_events([ME]),
                order(ME, "E1", old, DAY),
                order(ME, "E1", new, DAY + timedelta(days=1), "renewal"),
            ],
        )
        async with db.sessions() as s:
            got = sorted((await s.execute(select(scheduled_days.c.day))).scalars())
        assert got == [DAY, *new]


class TestCheckIn:
    async def test_on_a_scheduled_day_in_time(self, db: Database) -> None:
        svc = await service(
            db, Clock(at(DAY, 8, 40)), [*identity_events([ME]), order(ME, "E1", [DAY], DAY)]
        )
        reply = await svc.check_in(official(), CheckIn(channel="web", idempotency_key=key()))
        assert reply["scheduled"] is True and reply["flags"] == []
        assert reply["at"] == at(DAY, 8, 40).isoformat()

    async def test_late_check_in_is_flagged_with_minutes(self, db: Database) -> None:
        """R-ATT-2: policy start 08:30, tolerance 15 minutes."""
        svc = await service(
            db, Clock(at(DAY, 9, 5)), [*identity_events([ME]), order(ME, "E1", [DAY], DAY)]
        )
        reply = await svc.check_in(official(), CheckIn(channel="mobile", idempotency_key=key()))
        assert reply["flags"] == ["late_check_in"]
        assert await flags_of(db, ME, DAY) == ["late_check_in"]

    async def test_an_afternoon_telework_day_starts_at_13(self, db: Database) -> None:
        """Half days (issue #19): an afternoon's check-in is measured from 13:00, a morning's
        from the day's start; a withdrawal removes the part with the day."""
        afternoon = [*identity_events([ME]), order(ME, "E1", [DAY], DAY, part="afternoon")]
        svc = await service(db, Clock(at(DAY, 13, 10)), afternoon)
        reply = await svc.check_in(official(), CheckIn(channel="web", idempotency_key=key()))
        assert reply["scheduled"] is True and reply["flags"] == []
        other = "D0203"
        svc = await service(
            db,
            Clock(at(DAY, 13, 40)),
            [*identity_events([other]), order(other, "E2", [DAY], DAY, part="afternoon")],
        )
        reply = await svc.check_in(official(other), CheckIn(channel="web", idempotency_key=key()))
        assert reply["flags"] == ["late_check_in"]
        assert await flags_of(db, other, DAY) == ["late_check_in"]
        async with db.sessions.begin() as s:
            await svc.apply_event(s, withdrawn(other, "E2", DAY))
            left = await s.execute(select(func.count()).select_from(scheduled_parts))
            assert left.scalar() == 1  # ME's afternoon only

    async def test_unscheduled_day_is_accepted_and_flagged(self, db: Database) -> None:
        """R-ATT-2: never silently dropped."""
        svc = await service(db, Clock(at(DAY, 8)), identity_events([ME]))
        reply = await svc.check_in(official(), CheckIn(channel="api", idempotency_key=key()))
        assert reply["scheduled"] is False and reply["flags"] == ["unscheduled_check_in"]
        async with db.sessions() as s:
            assert (
                await s.execute(select(func.count()).select_from(attendance_days))
            ).scalar() == 1

    async def test_same_key_returns_the_first_answer_and_another_key_is_refused(
        self, db: Database
    ) -> None:
        clock = Clock(at(DAY, 8))
        svc = await service(db, clock, [*identity_events([ME]), order(ME, "E1", [DAY], DAY)])
        first = await svc.check_in(official(), CheckIn(channel="web", idempotency_key=key(1)))
        clock.now = at(DAY, 10)
        again = await svc.check_in(official(), CheckIn(channel="web", idempotency_key=key(1)))
        assert again == first
        with pytest.raises(RpcError) as exc:
            await svc.check_in(official(), CheckIn(channel="web", idempotency_key=key(2)))
        assert exc.value.code == "conflict" and "08:00" in exc.value.reason_th
        async with db.sessions() as s:
            assert len(await LOG.read_stream(s, day_stream(ME, DAY))) == 1

    async def test_a_check_ins_key_is_not_replayed_to_a_check_out(self, db: Database) -> None:
        """A client that reuses its check-in's key for the check-out is told so (409), not
        handed the check-in's answer as if it had checked out (found by schemathesis)."""
        clock = Clock(at(DAY, 8))
        svc = await service(db, clock, [*identity_events([ME]), order(ME, "E1", [DAY], DAY)])
        await svc.check_in(official(), CheckIn(channel="web", idempotency_key=key(1)))
        clock.now = at(DAY, 17)
        with pytest.raises(RpcError) as exc:
            await svc.check_out(official(), CheckOut(channel="web", idempotency_key=key(1)))
        assert exc.value.code == "conflict" and "idempotency key" in exc.value.reason_en
        out = await svc.check_out(official(), CheckOut(channel="web", idempotency_key=key(2)))
        assert "scheduled" not in out
        with pytest.raises(RpcError) as exc:
            await svc.check_in(official(), CheckIn(channel="web", idempotency_key=key(2)))
        assert exc.value.code == "conflict" and "idempotency key" in exc.value.reason_en
        async with db.sessions() as s:
            assert len(await LOG.read_stream(s, day_stream(ME, DAY))) == 2

    async def test_unknown_official_and_foreign_roles_are_refused(self, db: Database) -> None:
        svc = await service(db, Clock(at(DAY, 8)), identity_events([ME]))
        with pytest.raises(RpcError) as exc:
            await svc.check_in(official("D9999"), CheckIn(channel="web", idempotency_key=key()))
        assert exc.value.code == "not_found"
        auditor = Actor(ME, (Grant(Role.AUDITOR, "ONDE"),))
        with pytest.raises(RpcError) as exc:
            await svc.check_in(auditor, CheckIn(channel="web", idempotency_key=key()))
        assert exc.value.code == "forbidden"

    async def test_check_ins_arriving_together_share_a_transaction_and_keep_their_answers(
        self, db: Database
    ) -> None:
        """Group commit: one batch, yet each request gets its own answer, refusals included,
        and the same official twice in a batch is decided as if one came after the other."""
        others = [f"D1{i:03d}" for i in range(40)]
        svc = await service(
            db,
            Clock(at(DAY, 8)),
            [*identity_events([ME, *others]), order(ME, "E1", [DAY], DAY)],
        )
        auditor = Actor(ME, (Grant(Role.AUDITOR, "ONDE"),))
        requests = [
            (official(), key(1)),
            (official(), key(1)),  # the same request again: the same answer
            (official(), key(2)),  # another check-in by the same official: refused
            (official("D9999"), key(1)),  # unknown
            (auditor, key(3)),  # not an official's action
            *((official(o), key(1)) for o in others),
        ]
        outcomes = await asyncio.gather(
            *(svc.check_in(a, CheckIn(channel="web", idempotency_key=k)) for a, k in requests),
            return_exceptions=True,
        )
        assert outcomes[0] == outcomes[1] and outcomes[0]["flags"] == []  # type: ignore[index]
        codes = [o.code for o in outcomes[2:5] if isinstance(o, RpcError)]
        assert codes == ["conflict", "not_found", "forbidden"]
        assert all(o["flags"] == ["unscheduled_check_in"] for o in outcomes[5:])  # type: ignore[index]
        assert svc._check_ins.batches < len(requests) / 4  # they did share transactions
        async with db.sessions() as s:
            assert (
                await s.execute(select(func.count()).select_from(attendance_days))
            ).scalar() == 1 + len(others)
            assert len(await LOG.read_stream(s, day_stream(ME, DAY))) == 1
            assert len(await LOG.read_stream(s, day_stream(others[7], DAY))) == 2

    async def test_a_batch_that_races_another_process_still_commits_the_others(
        self, db: Database
    ) -> None:
        """Two service processes (two instances here) write the same official's day: the loser's
        batch is retried one by one, so only that official is refused."""
        others = [f"D2{i:03d}" for i in range(5)]
        clock = Clock(at(DAY, 8))
        first = await service(db, clock, [*identity_events([ME, *others])])
        second = AttendanceService(db.sessions, now=clock)
        await first.check_in(official(), CheckIn(channel="web", idempotency_key=key(1)))
        # The second instance decided before the first committed: simulate by hiding the row
        # from its read of what is stored.
        real = second._read_facts

        async def stale(c, wanted):  # type: ignore[no-untyped-def]
            facts = await real(c, wanted)
            for k, row in facts.days.items():
                if k[0] == ME:
                    facts.days[k] = dataclasses.replace(row, check_in_at=None)
            return facts

        second._read_facts = stale  # type: ignore[method-assign]
        outcomes = await asyncio.gather(
            second.check_in(official(), CheckIn(channel="web", idempotency_key=key(2))),
            *(
                second.check_in(official(o), CheckIn(channel="web", idempotency_key=key(1)))
                for o in others
            ),
            return_exceptions=True,
        )
        assert isinstance(outcomes[0], RpcError) and outcomes[0].code == "conflict"
        assert all(isinstance(o, dict) for o in outcomes[1:])
        async with db.sessions() as s:
            assert (
                await s.execute(select(func.count()).select_from(attendance_days))
            ).scalar() == 1 + len(others)

    async def test_client_location_is_kept_only_when_the_policy_allows(self, db: Database) -> None:
        """Only where the policy turns it on, and coarsened to its grid (1 km by default):
        the exact point is never stored (issue #19)."""
        evidence = ClientEvidence(ip="203.0.113.9", latitude=13.7563, longitude=100.5018)
        for keep, expected in ((False, None), (True, "13.758,100.498")):
            svc = await service(db, Clock(at(DAY, 8)), identity_events([ME], keep_location=keep))
            who = f"D0{int(keep)}"
            async with db.sessions.begin() as s:
                for e in identity_events([who], keep_location=keep)[-1:]:
                    await svc.apply_event(s, e)
            await svc.check_in(
                official(who), CheckIn(channel="mobile", idempotency_key=key(), client=evidence)
            )
            async with db.sessions() as s:
                row = (
                    await s.execute(
                        select(attendance_days).where(attendance_days.c.official_id == who)
                    )
                ).one()
            assert row.client_location == expected


class TestCheckOut:
    async def test_after_a_check_in_once_and_the_same_key_again(self, db: Database) -> None:
        clock = Clock(at(DAY, 8))
        svc = await service(db, clock, [*identity_events([ME]), order(ME, "E1", [DAY], DAY)])
        with pytest.raises(RpcError) as exc:
            await svc.check_out(official(), CheckOut(channel="web", idempotency_key=key(8)))
        assert exc.value.code == "conflict" and "no check-in" in exc.value.reason_en
        await svc.check_in(official(), CheckIn(channel="web", idempotency_key=key(1)))
        clock.now = at(DAY, 16, 35)
        first = await svc.check_out(official(), CheckOut(channel="mobile", idempotency_key=key(9)))
        assert first["at"] == at(DAY, 16, 35).isoformat()
        clock.now = at(DAY, 17)
        again = await svc.check_out(official(), CheckOut(channel="web", idempotency_key=key(9)))
        assert again == first
        with pytest.raises(RpcError) as exc:
            await svc.check_out(official(), CheckOut(channel="web", idempotency_key=key(10)))
        assert exc.value.reason_en == "already checked out today"
        with pytest.raises(RpcError) as exc:
            await svc.check_out(official("D9999"), CheckOut(channel="web", idempotency_key=key()))
        assert exc.value.code == "not_found"
        async with db.sessions() as s:
            row = (await s.execute(select(attendance_days))).one()
            kinds = [e.envelope.type for e in await LOG.read_stream(s, day_stream(ME, DAY))]
        assert (row.check_out_at, row.check_out_channel) == (at(DAY, 16, 35), "mobile")
        assert [k.split(".")[-2] for k in kinds] == ["checked_in", "checked_out"]

    async def test_check_outs_arriving_together_and_one_racing_another_process(
        self, db: Database
    ) -> None:
        """Group-committed like check-ins; a check-out that races another process checking the
        same official out (another writer of the same day stream) is refused, the others in
        its batch are not."""
        others = [f"D3{i:03d}" for i in range(20)]
        clock = Clock(at(DAY, 8))
        svc = await service(db, clock, identity_events([ME, *others]))
        for who in [ME, *others]:
            await svc.check_in(official(who), CheckIn(channel="web", idempotency_key=key(1)))
        clock.now = at(DAY, 16, 30)
        racing = AttendanceService(db.sessions, now=clock)
        real = racing._read_facts

        async def stale(c, wanted):  # type: ignore[no-untyped-def]
            facts = await real(c, wanted)
            # Another process checks ME out while this batch is deciding.
            await svc.check_out(official(), CheckOut(channel="api", idempotency_key=key(20)))
            return facts

        if db.url.startswith("sqlite"):
            # SQLite's BEGIN IMMEDIATE serialises writers: the other one waits for this batch
            # and no race can happen there; the batch itself is what is tested.
            stale = real
        racing._read_facts = stale  # type: ignore[method-assign]
        requests = [
            (official(), key(9)),
            (official(), key(9)),
            (official(), key(10)),
            *((official(o), key(9)) for o in others),
        ]
        outcomes = await asyncio.gather(
            *(racing.check_out(a, CheckOut(channel="web", idempotency_key=k)) for a, k in requests),
            return_exceptions=True,
        )
        assert all(isinstance(o, dict) for o in outcomes[3:])
        assert isinstance(outcomes[2], RpcError) and outcomes[2].code == "conflict"
        if db.url.startswith("sqlite"):
            assert outcomes[0] == outcomes[1] and isinstance(outcomes[0], dict)
        else:
            assert all(isinstance(o, RpcError) for o in outcomes[:2])
        async with db.sessions() as s:
            open_days = (
                await s.execute(
                    select(func.count())
                    .select_from(attendance_days)
                    .where(attendance_days.c.check_out_at.is_(None))
                )
            ).scalar()
            events = await LOG.read_stream(s, day_stream(ME, DAY))
        assert open_days == 0
        assert [e.envelope.type.split(".")[-2] for e in events].count("checked_out") == 1


class TestDayClose:
    async def test_missing_check_in_and_missing_check_out(self, db: Database) -> None:
        """R-ATT-2: after the day closes."""
        others = ["D0300", "D0301"]
        svc = await service(
            db,
            Clock(at(DAY, 8)),
            [
                *identity_events([ME, *others]),
                order(ME, "E1", [DAY], DAY),
                order("D0300", "E2", [DAY], DAY),
                order("D0301", "E3", [DAY], DAY),
            ],
        )
        await svc.check_in(official(), CheckIn(channel="web", idempotency_key=key()))
        await svc.check_in(official("D0301"), CheckIn(channel="web", idempotency_key=key()))
        await svc.check_out(official("D0301"), CheckOut(channel="web", idempotency_key=key(9)))
        closed = await svc.close_day(DAY)
        assert closed == {"ONDE-DGT": 2}
        assert await svc.close_day(DAY) is None  # idempotent
        assert await flags_of(db, "D0300", DAY) == ["no_check_in"]
        assert await flags_of(db, ME, DAY) == ["auto_checked_out"]
        assert await flags_of(db, "D0301", DAY) == []
        async with db.sessions() as s:
            closing = (await LOG.read_stream(s, f"attendance-day-ONDE-DGT-{DAY}"))[0].envelope
        assert closing.data == {**closing.data, "scheduled": 3, "checked_in": 2, "flagged": 2}


class TestLedger:
    async def test_one_row_per_official_per_scheduled_or_worked_day(self, db: Database) -> None:
        """R-ATT-3: Thai headers and B.E. dates; English on request."""
        svc = await service(
            db,
            Clock(at(DAY, 8, 31)),
            [
                *identity_events([ME, "D0300"]),
                order(ME, "E1", [DAY], DAY),
                order("D0300", "E2", [DAY], DAY),
            ],
        )
        await svc.check_in(official(), CheckIn(channel="web", idempotency_key=key()))
        await svc.close_day(DAY)
        async with db.sessions() as s:
            rows = await ledger(s, "ONDE", DAY, DAY)
            mine = await ledger(s, "ONDE", DAY, DAY, official=ME)
            none = await ledger(s, "MOPH", DAY, DAY)
        assert [(r.official_id, r.scheduled, r.flags) for r in rows] == [
            ("D0202", True, ("auto_checked_out",)),
            ("D0300", True, ("no_check_in",)),
        ]
        assert len(mine) == 1 and none == []
        thai = to_csv(rows, "th").splitlines()
        assert thai[0].startswith("วันที่,รหัสข้าราชการ")
        assert thai[1].startswith("8 ธันวาคม 2569,D0202,ONDE-DGT,ใช่,08:31:00,23:59:59,web")
        assert to_csv(rows, "en").splitlines()[2] == (
            "2026-12-08,D0300,ONDE-DGT,yes,,,,no check-in"
        )
