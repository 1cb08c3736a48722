"""The fault suite (issue #21): NATS away, a database that refuses writes for a while. Each
test ends with the counts compared: accepted = stored = published = applied, no duplicates,
nothing dead-lettered that was not invalid. `make faults` runs these alone."""

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import nats
import pytest
from pydantic import BaseModel
from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.envelope import CloudEvent
from services.shared import rpc
from services.shared.auth import DevIssuer
from services.shared.authz import Actor, Grant, Role
from services.shared.consumer import EventConsumer
from services.shared.db import create_schema, event_log, make_engine, sessionmaker
from services.shared.eventlog import EventLog
from services.shared.jetstream import connect
from services.shared.relay import OutboxRelay
from tests.support.events import sample_event
from tests.support.servers import NatsServer

pytestmark = [pytest.mark.integration, pytest.mark.fault]
LOG = EventLog("/telework/fault")

md = MetaData()
applied = Table(
    "applied",
    md,
    Column("n", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(200), unique=True),  # a duplicate would fail loudly
)


async def record(session: AsyncSession, event: CloudEvent) -> None:
    await session.execute(insert(applied).values(event_id=event.id))


async def count(sessions: Any, table: Any) -> int:
    async with sessions() as s:
        return int((await s.execute(select(func.count()).select_from(table))).scalar_one())


async def accept(sessions: Any, agency: str, n: int, start: int = 0) -> list[str]:
    ids = []
    for i in range(start, start + n):
        async with sessions.begin() as s:
            [rec] = await LOG.append(s, f"m-{i}", [sample_event(f"m-{i}", i, agency)], 0)
        ids.append(rec.envelope.id)
    return ids


async def published(url: str, agency: str) -> int:
    nc = await nats.connect(url)
    try:
        info = await nc.jetstream().stream_info(
            "TELEWORK", subjects_filter=f"telework.v1.{agency}.>"
        )
        return sum((info.state.subjects or {}).values())
    finally:
        await nc.close()


async def until(condition: Any, timeout: float = 120) -> None:
    async with asyncio.timeout(timeout):
        while not await condition():
            await asyncio.sleep(0.1)


@contextlib.asynccontextmanager
async def running(*coros: Any) -> AsyncIterator[asyncio.Event]:
    stop = asyncio.Event()
    tasks = [asyncio.create_task(c(stop)) for c in coros]
    try:
        yield stop
    finally:
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)


async def test_nats_away_loses_nothing_and_runs_no_stale_request(tmp_path: Path) -> None:
    server = NatsServer().start()
    agency = "F" + uuid.uuid4().hex[:8].upper()
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'svc.db'}")
    await create_schema(engine, [md], None)
    sessions = sessionmaker(engine)
    issuer = DevIssuer.load_or_create(tmp_path / "issuer.pem")
    token = issuer.issue(Actor("D0001", (Grant(Role.OFFICIAL, "ONDE"),)))
    done: list[str] = []

    class Ask(BaseModel):
        text: str

    async def act(actor: Actor, cmd: Any) -> str:
        done.append(cmd.text)
        return str(cmd.text)

    consumer_nc = await connect(server.url, "fault-consumer")
    requests = await connect(server.url, "fault-requests", for_requests=True)
    answering = await connect(server.url, "fault-responder")
    responder = rpc.Responder("fault", issuer.verifier(), [("act", Ask, act)])
    await responder.start(answering)
    consumer = EventConsumer(
        f"fault-{agency}", sessions, record, filter_subject=f"telework.v1.{agency}.>"
    )
    relay = OutboxRelay(sessions, server.url, name="fault")
    try:
        async with running(relay.run, lambda stop: consumer.run(consumer_nc, stop)):
            accepted = await accept(sessions, agency, 20)
            await until(lambda: _eq(count(sessions, applied), 20))
            server.stop()  # NATS away
            accepted += await accept(sessions, agency, 20, start=20)  # stored, not published
            with pytest.raises(rpc.Unavailable):
                await rpc.request(requests, "fault", "act", {"text": "during"}, token, timeout=2)
            await asyncio.sleep(2)
            server.start()  # back, same store
            await until(lambda: _eq(count(sessions, applied), 40))
            assert await rpc.request(requests, "fault", "act", {"text": "after"}, token) == "after"
        stored = await count(sessions, event_log)
        assert len(accepted) == stored == await published(server.url, agency) == 40
        assert await count(sessions, applied) == 40 and consumer.dead_lettered == 0
        assert done == ["after"]  # the request given up on during the outage never ran
    finally:
        await responder.stop()
        for c in (consumer_nc, requests, answering):
            await c.close()
        await engine.dispose()
        server.cleanup()


async def _eq(value: Any, expected: int) -> bool:
    return bool(await value == expected)


async def test_sqlite_locked_past_its_busy_timeout_is_retried_not_dead_lettered(
    tmp_path: Path, nats_url: str
) -> None:
    """Another process holds the write lock longer than the busy timeout: every event still
    lands once the lock is gone (before issue #21, each counted toward five deliveries)."""
    agency = "F" + uuid.uuid4().hex[:8].upper()
    path = tmp_path / "svc.db"
    engine = make_engine(f"sqlite+aiosqlite:///{path}")
    await create_schema(engine, [md], None)
    sessions = sessionmaker(engine)
    nc = await nats.connect(nats_url)
    consumer = EventConsumer(
        f"lock-{agency}",
        sessions,
        record,
        filter_subject=f"telework.v1.{agency}.>",
        max_pause_s=1.0,
    )
    relay = OutboxRelay(sessions, nats_url, name="lock")
    accepted = await accept(sessions, agency, 10)
    assert await relay.publish_pending() == 10
    await relay.close()
    import sqlite3

    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # the database refuses every other writer
    try:
        async with running(lambda stop: consumer.run(nc, stop)):
            await until(lambda: _true(consumer.retried >= 1))
            await asyncio.sleep(11)  # past busy_timeout (10 s): failures, not waits
            holder.execute("ROLLBACK")
            await until(lambda: _eq(count(sessions, applied), 10))
        assert consumer.retried >= 1 and consumer.dead_lettered == 0
        assert len(accepted) == await published(nats_url, agency) == 10
    finally:
        holder.close()
        await nc.close()
        await engine.dispose()


async def _true(value: bool) -> bool:
    return value


async def test_postgresql_read_only_for_a_while_loses_nothing(
    postgres_url: str, nats_url: str
) -> None:
    """The service's database turns read-only (a failover, a full disk) and back: events are
    retried, none dead-lettered, each applied once."""
    agency = "F" + uuid.uuid4().hex[:8].upper()
    role = "fault_" + uuid.uuid4().hex[:8]
    schema = "f_" + uuid.uuid4().hex[:8]
    admin = make_engine(postgres_url)
    async with admin.begin() as c:
        await c.execute(text(f'CREATE ROLE "{role}" LOGIN'))
        await c.execute(text(f'CREATE SCHEMA "{schema}" AUTHORIZATION "{role}"'))
        database = (await c.execute(text("SELECT current_database()"))).scalar_one()
        await c.execute(text(f'GRANT CREATE ON DATABASE "{database}" TO "{role}"'))
    # The same server as the role (trust auth): the machine's, or the embedded one on a fresh
    # machine, whose URL has a password part and a socket directory instead of a host.
    user_url = make_url(postgres_url).set(username=role, password=None).render_as_string(False)
    engine = make_engine(user_url, schema)
    await create_schema(engine, [md], schema)
    sessions = sessionmaker(engine)
    nc = await nats.connect(nats_url)
    consumer = EventConsumer(
        f"ro-{agency}", sessions, record, filter_subject=f"telework.v1.{agency}.>", max_pause_s=1
    )

    async def read_only(on: bool) -> None:
        async with admin.begin() as c:
            value = "on" if on else "off"
            await c.execute(
                text(f'ALTER ROLE "{role}" SET default_transaction_read_only = {value}')
            )
            await c.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = :r"),
                {"r": role},
            )

    # The test reads through its own connection: the role's are cut when it turns read-only.
    seen = sessionmaker(make_engine(postgres_url, schema))
    try:
        accepted = await accept(sessions, agency, 10)
        relay = OutboxRelay(sessions, nats_url, name="ro")
        assert await relay.publish_pending() == 10
        await relay.close()
        await read_only(True)
        async with running(lambda stop: consumer.run(nc, stop)):
            await until(lambda: _true(consumer.retried >= 3))
            assert await count(seen, applied) == 0
            await read_only(False)
            await until(lambda: _eq(count(seen, applied), 10))
        assert consumer.dead_lettered == 0
        assert len(accepted) == await published(nats_url, agency) == 10
    finally:
        await nc.close()
        await engine.dispose()
        await seen.kw["bind"].dispose()
        async with admin.begin() as c:
            await c.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            await c.execute(text(f'DROP OWNED BY "{role}"'))
            await c.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        await admin.dispose()
