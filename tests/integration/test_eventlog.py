"""Event log: versions, optimistic concurrency, same transaction as the caller (R-INT-1)."""

import asyncio

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select

from services.shared.db import event_log, outbox
from services.shared.eventlog import ConcurrencyConflict, EventLog
from tests.conftest import Database
from tests.support.events import sample_event

pytestmark = pytest.mark.integration

LOG = EventLog("/telework/test")

caller_md = MetaData()
caller_rows = Table(
    "caller_rows", caller_md, Column("id", Integer, primary_key=True), Column("note", String(50))
)


class TestAppend:
    async def test_assigns_versions_and_increasing_positions(self, db: Database) -> None:
        async with db.sessions.begin() as s:
            first = await LOG.append(s, "m-1", [sample_event("m-1", 1), sample_event("m-1", 2)], 0)
        async with db.sessions.begin() as s:
            more = await LOG.append(s, "m-1", [sample_event("m-1", 3)], 2)
            assert await LOG.version(s, "m-1") == 3
        assert [e.version for e in first + more] == [1, 2, 3]
        positions = [e.position for e in first + more]
        assert positions == sorted(positions) and len(set(positions)) == 3
        async with db.sessions() as s:
            stream = await LOG.read_stream(s, "m-1")
        assert [e.envelope.id for e in stream] == [e.envelope.id for e in first + more]
        assert stream[0].envelope.subject == "meeting/m-1"

    async def test_wrong_expected_version_is_a_clear_conflict(self, db: Database) -> None:
        async with db.sessions.begin() as s:
            await LOG.append(s, "m-2", [sample_event("m-2")], 0)
        with pytest.raises(ConcurrencyConflict, match="at version 1, but the append expected 0"):
            async with db.sessions.begin() as s:
                await LOG.append(s, "m-2", [sample_event("m-2")], 0)

    async def test_two_writers_on_one_version_cannot_both_win(self, db: Database) -> None:
        async def write(n: int) -> str:
            try:
                async with db.sessions.begin() as s:
                    await LOG.append(s, "m-3", [sample_event("m-3", n)], None if n < 0 else 0)
                return "ok"
            except ConcurrencyConflict:
                return "conflict"

        results = await asyncio.gather(*(write(n) for n in range(5)))
        assert results.count("ok") == 1
        async with db.sessions() as s:
            assert await LOG.version(s, "m-3") == 1

    async def test_rollback_of_the_caller_removes_its_events_and_its_rows(
        self, db: Database
    ) -> None:
        await db.create(caller_md)
        with pytest.raises(RuntimeError):
            async with db.sessions.begin() as s:
                await s.execute(insert(caller_rows).values(note="x"))
                await LOG.append(s, "m-4", [sample_event("m-4")], 0)
                raise RuntimeError("caller fails after appending")
        async with db.sessions() as s:
            assert (await s.execute(select(func.count()).select_from(event_log))).scalar() == 0
            assert (await s.execute(select(func.count()).select_from(outbox))).scalar() == 0
            assert (await s.execute(select(func.count()).select_from(caller_rows))).scalar() == 0

    async def test_append_with_the_same_deterministic_ids_is_a_no_op(self, db: Database) -> None:
        events = [
            sample_event("m-5", 1, event_id="wf-1:step-1"),
            sample_event("m-5", 2, event_id="wf-1:step-2"),
        ]
        async with db.sessions.begin() as s:
            first = await LOG.append(s, "m-5", events, 0)
        async with db.sessions.begin() as s:
            again = await LOG.append(s, "m-5", events, 0)  # a retried activity
        assert [e.position for e in again] == [e.position for e in first]
        async with db.sessions() as s:
            assert await LOG.version(s, "m-5") == 2

    async def test_a_batch_past_the_copy_threshold_is_recorded_as_a_small_one(
        self, db: Database
    ) -> None:
        """PostgreSQL COPYs 1,000 rows or more (positions drawn first); SQLite inserts them:
        either way each record's position is its row's in the log and in the outbox."""
        batch = [(f"b-{k}", 0, [sample_event(f"b-{k}", 1)]) for k in range(1100)]
        async with db.sessions.begin() as s:
            records = await LOG.append_batch(s, batch)
        async with db.sessions() as s:
            log = dict((await s.execute(select(event_log.c.event_id, event_log.c.position))).all())
            box = dict((await s.execute(select(outbox.c.event_id, outbox.c.position))).all())
        assert [r.version for r in records] == [1] * 1100
        assert {r.envelope.id: r.position for r in records} == log == box
        assert [r.position for r in records] == sorted(log.values())

    async def test_new_events_wait_in_the_outbox_with_their_subject(self, db: Database) -> None:
        async with db.sessions.begin() as s:
            [rec] = await LOG.append(s, "m-6", [sample_event("m-6")], 0)
        async with db.sessions() as s:
            row = (await s.execute(select(outbox))).one()
        assert row.position == rec.position and row.event_id == rec.envelope.id
        assert row.subject == "telework.v1.ONDE.meeting.recording_registered"
