"""Consumers: inbox de-duplication, dead letters with their cause, one trace end to end."""

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import nats
import pytest
from nats.aio.client import Client
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.envelope import CloudEvent
from contracts.subjects import DEAD_LETTER_STREAM, dead_letter_subject
from services.shared import telemetry
from services.shared.consumer import EventConsumer, PermanentFailure
from services.shared.eventlog import EventLog
from services.shared.relay import OutboxRelay
from tests.conftest import Database
from tests.support.events import new_id, sample_event

pytestmark = pytest.mark.integration
LOG = EventLog("/telework/test")

applied_md = MetaData()
applied = Table(
    "applied",
    applied_md,
    Column("n", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(200)),
)

EXPORTER = InMemorySpanExporter()
telemetry.configure("telework-tests", SimpleSpanProcessor(EXPORTER))


@pytest.fixture
async def nc(nats_url: str) -> AsyncIterator[Client]:
    client = await nats.connect(nats_url)
    yield client
    await client.close()


async def count_applied(db: Database) -> int:
    async with db.sessions() as s:
        return int((await s.execute(select(func.count()).select_from(applied))).scalar_one())


async def record(session: AsyncSession, event: CloudEvent) -> None:
    await session.execute(insert(applied).values(event_id=event.id))


async def consume(consumer: EventConsumer, nc: Client, until: Any, timeout: float = 120) -> None:
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(nc, stop))
    try:
        async with asyncio.timeout(timeout):
            while not until():
                await asyncio.sleep(0.05)
    finally:
        stop.set()
        await task


class TestInbox:
    async def test_redelivered_event_changes_nothing(
        self, db: Database, nc: Client, agency: str
    ) -> None:
        await db.create(applied_md)
        js = nc.jetstream()
        async with db.sessions.begin() as s:
            [rec] = await LOG.append(s, "m-1", [sample_event("m-1", 1, agency)], 0)
        subject = f"telework.v1.{agency}.meeting.recording_registered"
        raw = rec.envelope.to_json_bytes()
        # Two copies with different Msg-Ids get past JetStream's de-duplication, as a copy
        # re-sent after the duplicate window would.
        await js.publish(subject, raw, headers={"Nats-Msg-Id": new_id()})
        await js.publish(subject, raw, headers={"Nats-Msg-Id": new_id()})
        consumer = EventConsumer(
            f"c-{agency}", db.sessions, record, filter_subject=f"telework.v1.{agency}.>"
        )
        await consume(consumer, nc, lambda: consumer.processed >= 2)
        assert await count_applied(db) == 1

    async def test_events_the_projection_does_not_read_are_acked_without_a_transaction(
        self, db: Database, nc: Client, agency: str
    ) -> None:
        """Attendance reads identity and engagement events, not its own check-ins: those are
        acknowledged as they come, never handed over, never redelivered (even malformed)."""
        await db.create(applied_md)
        js = nc.jetstream()
        async with db.sessions.begin() as s:
            [rec] = await LOG.append(s, "m-2", [sample_event("m-2", 1, agency)], 0)
        wanted = f"telework.v1.{agency}.meeting.recording_registered"
        unwanted = f"telework.v1.{agency}.attendance.checked_in"
        await js.publish(unwanted, b"not even JSON", headers={"Nats-Msg-Id": new_id()})
        await js.publish(wanted, rec.envelope.to_json_bytes(), headers={"Nats-Msg-Id": new_id()})
        consumer = EventConsumer(
            f"w-{agency}",
            db.sessions,
            record,
            filter_subject=f"telework.v1.{agency}.>",
            wants=lambda subject: ".attendance." not in subject,
        )
        await consume(consumer, nc, lambda: consumer.processed >= 1 and consumer.skipped >= 1)
        assert (consumer.processed, consumer.skipped, consumer.dead_lettered) == (1, 1, 0)
        assert await count_applied(db) == 1
        info = await js.consumer_info("TELEWORK", f"w-{agency}")
        assert info.num_ack_pending == 0 and info.num_pending == 0


class TestDeadLetter:
    async def dead_letters(self, nc: Client, consumer: str) -> list[Any]:
        js = nc.jetstream()
        sub = await js.pull_subscribe(dead_letter_subject(consumer), stream=DEAD_LETTER_STREAM)
        msgs = await sub.fetch(10, timeout=2)
        return list(msgs)

    async def test_malformed_message_goes_to_dead_letter_with_its_cause(
        self, db: Database, nc: Client, agency: str
    ) -> None:
        await db.create(applied_md)
        js = nc.jetstream()
        subject = f"telework.v1.{agency}.meeting.recording_registered"
        await js.publish(subject, b'{"id": "x", "not": "a cloud event"}')
        name = f"c-{agency}"
        consumer = EventConsumer(
            name, db.sessions, record, filter_subject=f"telework.v1.{agency}.>"
        )
        await consume(consumer, nc, lambda: consumer.dead_lettered >= 1)
        [dead] = await self.dead_letters(nc, name)
        assert dead.headers["Telework-Dead-Letter-Cause"].startswith("invalid CloudEvent: ")
        assert dead.headers["Telework-Original-Subject"] == subject
        assert json.loads(dead.data)["not"] == "a cloud event"  # the message itself is kept
        assert await count_applied(db) == 0

    async def test_event_the_handler_can_never_apply_is_dead_lettered(
        self, db: Database, nc: Client, agency: str
    ) -> None:
        async def refuse(session: AsyncSession, event: CloudEvent) -> None:
            raise PermanentFailure("meeting m-1 is unknown here")

        async with db.sessions.begin() as s:
            [rec] = await LOG.append(s, "m-1", [sample_event("m-1", 1, agency)], 0)
        await nc.jetstream().publish(
            f"telework.v1.{agency}.meeting.recording_registered", rec.envelope.to_json_bytes()
        )
        name = f"c-{agency}"
        consumer = EventConsumer(
            name, db.sessions, refuse, filter_subject=f"telework.v1.{agency}.>"
        )
        await consume(consumer, nc, lambda: consumer.dead_lettered >= 1)
        [dead] = await self.dead_letters(nc, name)
        assert "meeting m-1 is unknown here" in dead.headers["Telework-Dead-Letter-Cause"]


class TestTracing:
    async def test_producer_and_consumer_spans_share_one_trace(
        self, db: Database, nc: Client, nats_url: str, agency: str
    ) -> None:
        await db.create(applied_md)
        tracer = telemetry.tracer("test.producer")
        with tracer.start_as_current_span("record meeting") as producer:
            async with db.sessions.begin() as s:
                [rec] = await LOG.append(s, "m-1", [sample_event("m-1", 1, agency)], 0)
        stop = asyncio.Event()
        relay = OutboxRelay(db.sessions, nats_url)
        relay_task = asyncio.create_task(relay.run(stop))
        consumer = EventConsumer(
            f"c-{agency}", db.sessions, record, filter_subject=f"telework.v1.{agency}.>"
        )
        await consume(consumer, nc, lambda: consumer.processed >= 1)
        stop.set()
        await relay_task
        trace_id = producer.get_span_context().trace_id
        consumed = [
            s
            for s in EXPORTER.get_finished_spans()
            if s.name == f"consume {rec.envelope.type}"
            and s.attributes
            and s.attributes.get("messaging.message.id") == rec.envelope.id
        ]
        assert consumed, "the consumer recorded no span"
        assert consumed[0].context.trace_id == trace_id
        assert consumed[0].parent is not None
        assert consumed[0].parent.span_id == producer.get_span_context().span_id


class TestFailuresSorted:
    """Issue #21, items 1 and 8: only what can never be applied is dead-lettered."""

    async def test_infrastructure_errors_are_retried_past_any_delivery_limit(
        self, db: Database, nc: Client, agency: str
    ) -> None:
        from sqlalchemy.exc import OperationalError

        await db.create(applied_md)
        failures = 8  # more than the five deliveries that used to dead-letter an event

        async def flaky(session: AsyncSession, event: CloudEvent) -> None:
            nonlocal failures
            if failures:
                failures -= 1
                raise OperationalError(
                    "INSERT", {}, Exception("attempt to write a readonly database")
                )
            await record(session, event)

        async with db.sessions.begin() as s:
            [rec] = await LOG.append(s, "m-1", [sample_event("m-1", 1, agency)], 0)
        await nc.jetstream().publish(
            f"telework.v1.{agency}.meeting.recording_registered", rec.envelope.to_json_bytes()
        )
        consumer = EventConsumer(
            f"r-{agency}",
            db.sessions,
            flaky,
            filter_subject=f"telework.v1.{agency}.>",
            max_pause_s=0.05,
        )
        await consume(consumer, nc, lambda: consumer.processed >= 1)
        assert (consumer.retried, consumer.dead_lettered) == (8, 0)
        assert await count_applied(db) == 1

    async def test_event_breaking_its_contract_is_dead_lettered_at_once(
        self, db: Database, nc: Client, agency: str
    ) -> None:
        await db.create(applied_md)
        event = sample_event("m-1", 1, agency)
        async with db.sessions.begin() as s:
            [rec] = await LOG.append(s, "m-1", [event], 0)
        good = rec.envelope
        broken = good.model_copy(update={"id": new_id(), "data": {**good.data, "size_bytes": "x"}})
        subject = f"telework.v1.{agency}.meeting.recording_registered"
        js = nc.jetstream()
        await js.publish(subject, broken.to_json_bytes())
        # A genuine event of this agency on another agency's subject: refused too.
        await js.publish(
            f"telework.v1.{agency}X.meeting.recording_registered", good.to_json_bytes()
        )
        name = f"k-{agency}"
        consumer = EventConsumer(
            name, db.sessions, record, filter_subject=f"telework.v1.{agency}.>"
        )
        other = EventConsumer(
            f"{name}x", db.sessions, record, filter_subject=f"telework.v1.{agency}X.>"
        )
        await consume(consumer, nc, lambda: consumer.dead_lettered >= 1)
        await consume(other, nc, lambda: other.dead_lettered >= 1)
        assert consumer.retried == 0 and await count_applied(db) == 0
        [dead] = await TestDeadLetter().dead_letters(nc, name)
        assert "breaks its contract: size_bytes" in dead.headers["Telework-Dead-Letter-Cause"]
        [wrong] = await TestDeadLetter().dead_letters(nc, f"{name}x")
        assert "must come on" in wrong.headers["Telework-Dead-Letter-Cause"]

    async def test_a_replayed_dead_letter_is_applied_once_fixed(
        self, db: Database, nc: Client, agency: str
    ) -> None:
        from services.shared.dead_letters import consumer_lag, dead_letters, replay

        await db.create(applied_md)
        fixed = False

        async def until_fixed(session: AsyncSession, event: CloudEvent) -> None:
            if not fixed:
                raise PermanentFailure("official unknown here")
            await record(session, event)

        async with db.sessions.begin() as s:
            [rec] = await LOG.append(s, "m-1", [sample_event("m-1", 1, agency)], 0)
        await nc.jetstream().publish(
            f"telework.v1.{agency}.meeting.recording_registered", rec.envelope.to_json_bytes()
        )
        name = f"p-{agency}"
        consumer = EventConsumer(
            name, db.sessions, until_fixed, filter_subject=f"telework.v1.{agency}.>"
        )
        await consume(consumer, nc, lambda: consumer.dead_lettered >= 1)
        js = nc.jetstream()
        [letter] = await dead_letters(js, name)
        assert letter.cause == "PermanentFailure: official unknown here"
        [lag] = [c for c in await consumer_lag(js) if c.name == name]
        assert lag.dead_letters == 1 and lag.pending == 0
        fixed = True
        assert await replay(js, [letter]) == 1
        assert await dead_letters(js, name) == []
        await consume(consumer, nc, lambda: consumer.processed >= 1)
        assert await count_applied(db) == 1


class TestMetrics:
    """Consumer outcomes and lag, and what the relay published, as OpenTelemetry metrics
    (issue #21: lag and dead letters visible; exported by OTLP where configured, issue #15)."""

    async def test_outcomes_lag_and_published_are_measured(
        self, db: Database, nc: Client, nats_url: str, agency: str
    ) -> None:
        await db.create(applied_md)
        async with db.sessions.begin() as s:
            for i in range(3):
                await LOG.append(s, f"m-{i}", [sample_event(f"m-{i}", 1, agency)], 0)
        relay = OutboxRelay(db.sessions, nats_url, name=f"relay-{agency}")
        assert await relay.publish_pending() == 3
        await relay.close()
        await nc.jetstream().publish(
            f"telework.v1.{agency}.meeting.recording_registered", b"garbage"
        )
        name = f"m-{agency}"
        consumer = EventConsumer(
            name, db.sessions, record, filter_subject=f"telework.v1.{agency}.>"
        )
        await consume(consumer, nc, lambda: consumer.processed + consumer.dead_lettered >= 4)
        seen = telemetry.snapshot()
        assert seen[("telework.relay.published", (("relay", f"relay-{agency}"),))] == 3
        by_outcome = {
            dict(attrs)["outcome"]: value
            for (metric, attrs), value in seen.items()
            if metric == "telework.consumer.events" and dict(attrs)["consumer"] == name
        }
        assert by_outcome == {"applied": 3, "dead_lettered": 1}
        assert seen[("telework.consumer.lag", (("consumer", name),))] == 0


async def test_lag_is_read_from_jetstream_while_the_handler_is_stuck(
    db: Database, nc: Client, agency: str, tmp_path: Any
) -> None:
    """Issue #21: a handler stuck on one event, four more arriving after it: the lag seen at
    deliveries would stay 0; asked of JetStream it says 5 (4 waiting, 1 unacknowledged)."""
    from services.shared.db import create_schema, make_engine, sessionmaker

    await db.create(applied_md)
    stuck, release = asyncio.Event(), asyncio.Event()

    async def block(session: AsyncSession, event: CloudEvent) -> None:
        stuck.set()
        await release.wait()

    name = f"lag-{agency}"
    consumer = EventConsumer(
        name, db.sessions, block, filter_subject=f"telework.v1.{agency}.>", lag_every_s=0.2
    )
    # The producer's own database: the stuck handler holds the consumer's transaction open.
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'producer.db'}")
    await create_schema(engine, [], None)
    producer = sessionmaker(engine)
    relay = OutboxRelay(producer, str(nc.connected_url.geturl()), name=f"relay-{name}")
    async with producer.begin() as s:
        await LOG.append(s, "m-0", [sample_event("m-0", 1, agency)], 0)
    await relay.publish_pending()
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(nc, stop))
    try:
        async with asyncio.timeout(60):
            await stuck.wait()
            async with producer.begin() as s:
                for i in range(1, 5):
                    await LOG.append(s, f"m-{i}", [sample_event(f"m-{i}", 1, agency)], 0)
            await relay.publish_pending()
            key = ("telework.consumer.lag", (("consumer", name),))
            while telemetry.snapshot().get(key) != 5:
                await asyncio.sleep(0.1)
    finally:
        release.set()
        stop.set()
        await task
        await relay.close()
        await engine.dispose()
