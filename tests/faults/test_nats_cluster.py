"""R-INT-3, R-DEP-2: a three-node NATS cluster (issue #15, item 1): PyPI's nats-server, identities
on, streams with three replicas and `sync_interval: always`. Under a steady flow of events
through the outbox relay, the stream's leader is killed with SIGKILL and started again: every
event the relay had acknowledged is in the stream exactly once, the relay catches up, and a
durable consumer goes on to the last event."""

import asyncio
import os
import signal
from pathlib import Path

import nats
import pytest

from contracts.subjects import STREAM_NAME
from infra import stack
from infra.nats import identities
from infra.stack import free_port
from services.shared.consumer import EventConsumer
from services.shared.db import create_schema, make_engine, sessionmaker
from services.shared.eventlog import EventLog
from services.shared.relay import OutboxRelay
from tests.support.events import sample_event
from tests.support.servers import start_cluster

pytestmark = [pytest.mark.integration, pytest.mark.fault]

EVENTS = 1500
AGENCY = "CLUSTER"


async def test_stream_leader_killed_under_a_steady_event_flow(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    clients = [free_port() for _ in range(3)]
    routes = [free_port() for _ in range(3)]
    start_cluster(data, clients, routes)
    seeds = identities.seed_dir_of(data)
    url = ",".join(f"nats://127.0.0.1:{p}" for p in clients)
    admin = await nats.connect(
        url.split(","), nkeys_seed=str(seeds / "admin.nk"), max_reconnect_attempts=-1
    )
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'meetings.db'}")
    try:
        await create_schema(engine, [], None)
        sessions = sessionmaker(engine)
        js = admin.jetstream()
        info = await js.stream_info(STREAM_NAME)
        assert info.config.num_replicas == 3
        assert info.cluster is not None and len(info.cluster.replicas or []) == 2

        identities.use("meetings", seeds)  # the relay publishes as the meetings service
        relay = OutboxRelay(sessions, url)
        stop = asyncio.Event()
        relaying = asyncio.create_task(relay.run(stop))
        applied: list[str] = []

        async def apply(_s: object, event: object) -> None:
            applied.append(event.id)  # type: ignore[attr-defined]

        consumer = EventConsumer(
            "cluster-test", sessions, apply, filter_subject=f"telework.v1.{AGENCY}.>"
        )
        consuming = asyncio.create_task(consumer.run(admin, stop))
        log = EventLog("/telework/cluster-test")

        async def produce() -> None:
            for n in range(EVENTS):
                async with sessions.begin() as s:
                    await log.append(
                        s, f"m-{n % 50}", [sample_event(f"m-{n % 50}", n, AGENCY)], None
                    )
                relay.notify()
                await asyncio.sleep(0.004)

        producing = asyncio.create_task(produce())
        async with asyncio.timeout(60):
            while relay.published_total < EVENTS // 3:
                if producing.done():
                    producing.result()  # a failed producer says why
                await asyncio.sleep(0.05)
        leader = (await js.stream_info(STREAM_NAME)).cluster.leader  # type: ignore[union-attr]
        n = int(str(leader).split("-")[1])
        pid = int((data / "pids" / f"nats-{n}.pid").read_text())
        os.killpg(pid, signal.SIGKILL)
        killed_at = relay.published_total
        await asyncio.sleep(3)
        stack.start_nats_node(data, n, clients, routes)
        await producing

        async with asyncio.timeout(120):
            while relay.published_total < EVENTS or len(set(applied)) < EVENTS:
                await asyncio.sleep(0.1)
        stop.set()
        await asyncio.gather(relaying, consuming)

        async with asyncio.timeout(30):  # the restarted server catches up with the others
            while True:
                state = (
                    await js.stream_info(STREAM_NAME, subjects_filter=f"telework.v1.{AGENCY}.>")
                ).state
                if sum((state.subjects or {}).values()) == EVENTS:
                    break
                await asyncio.sleep(0.2)
        new_leader = (await js.stream_info(STREAM_NAME)).cluster.leader  # type: ignore[union-attr]
        print(
            f"leader {leader} killed after {killed_at} of {EVENTS} events; new leader "
            f"{new_leader}; relay published {relay.published_total}, consumer applied "
            f"{len(applied)} ({len(set(applied))} distinct)"
        )
        assert relay.published_total == EVENTS
        assert len(set(applied)) == EVENTS
        assert consumer.dead_lettered == 0
    finally:
        identities._current.clear()
        await admin.close()
        await engine.dispose()
        stack.down(data)
