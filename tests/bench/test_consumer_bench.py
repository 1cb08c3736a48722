"""Issue #20, item 7: our JetStream consumer (nats-py, services/shared/consumer.py) against a
FastStream pull subscriber doing the same work per event — contract check, inbox mark and
handler in one PostgreSQL transaction, then the ack — over the same events, in the same run.
The figures are docs/decisions/0012's."""

import asyncio
import contextlib
import os
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import nats
import pytest
from faststream import AckPolicy
from faststream.nats import JStream, NatsBroker, NatsMessage, PullSub
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.envelope import CloudEvent, to_cloud_event
from contracts.subjects import DEAD_LETTER_STREAM, STREAM_NAME, nats_subject
from services.shared.consumer import EventConsumer, checked
from services.shared.db import PLUMBING, create_schema, inbox, make_engine, sessionmaker
from services.shared.inbox import first_time
from services.shared.jetstream import ensure_streams
from tests.bench.conftest import report
from tests.support.events import new_id, sample_event
from tests.support.servers import NatsServer

N = int(os.environ.get("BENCH_CONSUMER_EVENTS", "5000"))
BATCH = 100


async def publish(url: str) -> None:
    nc = await nats.connect(url)
    js = nc.jetstream()
    await ensure_streams(js)
    now = datetime.now(UTC)
    acks = []
    for n in range(N):
        new = sample_event(f"m-{n % 500}", n)
        envelope = to_cloud_event(
            new.event, event_id=new_id(), agency="ONDE", source="/bench", time=now
        )
        acks.append(
            js.publish(
                nats_subject("ONDE", "meeting", "recording_registered"),
                envelope.to_json_bytes(),
                headers={"Nats-Msg-Id": envelope.id},
            )
        )
        if len(acks) >= 500:
            await asyncio.gather(*acks)
            acks.clear()
    await asyncio.gather(*acks)
    await nc.close()


async def applied(session: AsyncSession, event: CloudEvent) -> None:
    """What a projection does at the least: one write in the event's transaction."""
    await session.execute(text("SELECT 1"))


async def ours(url: str, sessions: Any) -> float:
    consumer = EventConsumer("bench-ours", sessions, applied, batch=BATCH)
    nc = await nats.connect(url)
    stop = asyncio.Event()
    started = time.perf_counter()
    task = asyncio.create_task(consumer.run(nc, stop))
    while consumer.processed < N:
        await asyncio.sleep(0.01)
    elapsed = time.perf_counter() - started
    stop.set()
    await task
    await nc.close()
    return N / elapsed


async def faststream(url: str, sessions: Any) -> float:
    broker = NatsBroker(url, logger=None)
    done = 0

    async def undecoded(msg: NatsMessage, original: Any = None) -> bytes:
        # The bytes as they came: the handler parses the CloudEvent once, as ours does.
        return bytes(msg.body)

    @broker.subscriber(
        "telework.v1.>",
        stream=JStream(STREAM_NAME, declare=False),
        durable="bench-faststream",
        pull_sub=PullSub(batch_size=BATCH, timeout=0.5),
        ack_policy=AckPolicy.MANUAL,
        decoder=undecoded,
    )
    async def handle(body: bytes, msg: NatsMessage) -> None:
        nonlocal done
        event = checked(msg.raw_message.subject, msg.raw_message.data)
        async with sessions.begin() as session:
            if await first_time(session, "bench-faststream", event.id):
                await applied(session, event)
        await msg.ack()
        done += 1

    started = time.perf_counter()
    await broker.start()
    while done < N:
        await asyncio.sleep(0.01)
    elapsed = time.perf_counter() - started
    await broker.stop()
    return N / elapsed


@pytest.mark.bench
async def test_our_consumer_against_faststream(postgres_url: str, tmp_path: Path) -> None:
    server = NatsServer(store=tmp_path / "js").start()
    engine = make_engine(postgres_url, "bench_consumer")
    try:
        await create_schema(engine, [PLUMBING], "bench_consumer")
        sessions = sessionmaker(engine)
        await publish(server.url)
        # Alternating, twice each: the first pass of either warms the same caches.
        rates: dict[str, list[float]] = {"ours": [], "faststream": []}
        for _ in range(2):
            rates["faststream"].append(await faststream(server.url, sessions))
            async with engine.begin() as c:
                await c.execute(inbox.delete())
            rates["ours"].append(await ours(server.url, sessions))
            async with engine.begin() as c:
                await c.execute(inbox.delete())
            await reset_consumers(server.url)
        report(
            "consumer_throughput_postgres",
            max(rates["ours"]),
            "events/s",
            max(rates["faststream"]),
            baseline_is="FastStream pull subscriber, same work per event",
            events=N,
        )
    finally:
        await engine.dispose()
        server.cleanup()


async def reset_consumers(url: str) -> None:
    nc = await nats.connect(url)
    js = nc.jetstream()
    for stream, name in (
        (STREAM_NAME, "bench-ours"),
        (DEAD_LETTER_STREAM, "bench-ours-replay"),
        (STREAM_NAME, "bench-faststream"),
    ):
        with contextlib.suppress(Exception):
            await js.delete_consumer(stream, name)
    await nc.close()
