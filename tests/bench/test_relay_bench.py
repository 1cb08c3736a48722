"""Relay throughput on PostgreSQL against raw nats-py JetStream publishing of the same payloads,
in the same run. Goal: ratio ≥ 0.7 and ≥ 5,000 events/s."""

import asyncio
import os
import time
import uuid
from pathlib import Path

import nats
import pytest
from sqlalchemy import select, text

from services.shared.db import create_schema, make_engine, outbox, sessionmaker
from services.shared.eventlog import EventLog
from services.shared.jetstream import ensure_streams
from services.shared.relay import OutboxRelay
from tests.bench.conftest import report
from tests.support.events import sample_event
from tests.support.servers import NatsServer

N = int(os.environ.get("BENCH_RELAY_EVENTS", "20000"))
STREAMS = 1000
IN_FLIGHT = int(os.environ.get("BENCH_IN_FLIGHT", "512"))


@pytest.mark.bench
async def test_relay_against_raw_jetstream(postgres_url: str, tmp_path: Path) -> None:
    # A private server: tens of thousands of bench events must not land in the stream that a
    # developer's `make run` on this machine reads.
    server = NatsServer(store=tmp_path / "js").start()
    try:
        await run_bench(postgres_url, server.url)
    finally:
        server.cleanup()


@pytest.mark.bench
async def test_relay_with_nats_identities(postgres_url: str, tmp_path: Path) -> None:
    """The same, with authentication on as `make run` starts NATS (issue #13): the relay and
    the baseline both publish as the meetings service's NKEY identity, under its permissions."""
    from infra.nats import identities
    from tests.support.servers import nats_with_identities, streams_as_admin

    seeds = tmp_path / "seeds"
    server = nats_with_identities(tmp_path, seeds)
    try:
        await streams_as_admin(server, seeds)
        identities.use("meetings", seeds)  # sample events are the meetings context's
        await run_bench(postgres_url, server.url, "relay_throughput_postgres_nats_auth")
    finally:
        identities._current.clear()
        server.cleanup()


@pytest.mark.bench
async def test_relay_on_a_three_node_cluster(postgres_url: str, tmp_path: Path) -> None:
    """Issue #15: the relay against raw JetStream publishing to the same stream on a three-node
    cluster (PyPI's nats-server, R3, `sync_interval: always`, identities on). Goal ≥ 0.7."""
    from infra import stack
    from infra.nats import identities
    from infra.stack import free_port
    from tests.support.servers import start_cluster

    data = tmp_path / "cluster"
    data.mkdir()
    clients, routes = [free_port() for _ in range(3)], [free_port() for _ in range(3)]
    start_cluster(data, clients, routes)
    try:
        identities.use("meetings", identities.seed_dir_of(data))
        url = ",".join(f"nats://127.0.0.1:{p}" for p in clients)
        await run_bench(postgres_url, url, "relay_throughput_postgres_cluster_r3")
    finally:
        identities._current.clear()
        stack.down(data)


async def run_bench(
    postgres_url: str, nats_url: str, name: str = "relay_throughput_postgres"
) -> None:
    from infra.nats import identities

    schema = "bench_" + uuid.uuid4().hex[:8]
    engine = make_engine(postgres_url, schema)
    await create_schema(engine, [], schema)
    sessions = sessionmaker(engine)
    log = EventLog("/telework/bench")
    agency_ours, agency_raw = "BENCHRELAY", "BENCHRAW"
    per_stream = N // STREAMS
    for k in range(STREAMS):
        async with sessions.begin() as s:
            await log.append(
                s, f"s-{k}", [sample_event(f"s-{k}", n, agency_ours) for n in range(per_stream)], 0
            )
    async with sessions() as s:
        rows = (await s.execute(select(outbox.c.subject, outbox.c.envelope))).all()

    # Baseline: the same envelopes, published straight to JetStream with the same headers.
    nc = await nats.connect(nats_url.split(","), **identities.connection_options())
    js = nc.jetstream()
    await ensure_streams(js)
    payloads = [
        (r.subject.replace(agency_ours, agency_raw), r.envelope.encode(), str(uuid.uuid4()))
        for r in rows
    ]
    t0 = time.perf_counter()
    for k in range(0, N, IN_FLIGHT):
        await asyncio.gather(
            *(
                js.publish(subj, body, headers={"Nats-Msg-Id": mid})
                for subj, body, mid in payloads[k : k + IN_FLIGHT]
            )
        )
    raw_rate = N / (time.perf_counter() - t0)
    await nc.close()

    relay = OutboxRelay(sessions, nats_url, batch_size=IN_FLIGHT)
    await relay.connect()  # connect and declare streams outside the timing
    t0 = time.perf_counter()
    await relay.publish_pending()
    ours_rate = relay.published_total / (time.perf_counter() - t0)
    await relay.close()
    async with engine.begin() as conn:
        await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    await engine.dispose()
    report(name, ours_rate, "events/s", raw_rate, events=N)
    assert relay.published_total == N
