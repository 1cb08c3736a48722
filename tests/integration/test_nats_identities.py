"""NATS with authentication and least privilege, as `make run` starts it (R-SEC-1, issue #13).

Against a real nats-server with the configuration the embedded stack renders: anonymous
clients are refused; each service publishes only its own context's events (the forged
`order_issued` of the issue cannot be published by anyone but the engagement service); only
the admin identity manages streams; a service cannot read another's request subjects; a
consumer binds only its own durable; relays, consumers and responders work under their own
identities."""

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import nats
import pytest
from nats.js.api import StreamConfig
from sqlalchemy import select

from contracts.subjects import STREAM_NAME
from infra.nats import identities
from services.shared.consumer import EventConsumer
from services.shared.eventlog import EventLog, NewEvent
from services.shared.jetstream import ensure_streams
from services.shared.relay import OutboxRelay
from tests.conftest import Database
from tests.support.events import sample_event
from tests.support.servers import NatsServer, nats_with_identities

pytestmark = pytest.mark.integration
ORDER = "telework.v1.ONDE.engagement.order_issued"


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    return tmp_path / "seeds"


@pytest.fixture
def server(tmp_path: Path, seeds: Path) -> Iterator[NatsServer]:
    srv = nats_with_identities(tmp_path, seeds)
    yield srv
    srv.cleanup()


@pytest.fixture(autouse=True)
def no_identity() -> Iterator[None]:
    yield
    identities._current.clear()  # the next test connects as it did before


class Client:
    """A connection as one identity, remembering what the server refused."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.nc: Any = None

    async def open(self, server: NatsServer, seeds: Path, name: str) -> "Client":
        async def on_error(exc: Exception) -> None:
            self.errors.append(str(exc))

        self.nc = await nats.connect(
            server.url,
            nkeys_seed=str(seeds / f"{name}.nk"),
            inbox_prefix=identities.inbox_prefix(name),
            error_cb=on_error,
            allow_reconnect=False,
        )
        return self

    def refused(self, what: str) -> bool:
        return any(
            "permissions violation" in e.lower() and what.lower() in e.lower() for e in self.errors
        )


@pytest.fixture
async def admin(server: NatsServer, seeds: Path) -> AsyncIterator[Client]:
    c = await Client().open(server, seeds, "admin")
    identities.use("admin", seeds)
    await ensure_streams(c.nc.jetstream())
    identities._current.clear()
    yield c
    await c.nc.close()


async def as_(server: NatsServer, seeds: Path, name: str) -> Client:
    return await Client().open(server, seeds, name)


async def published_as(
    service: str, stream: str, events: list[Any], db: Database, server: NatsServer, seeds: Path
) -> int:
    """`events` appended to `service`'s log and published by its relay under its identity."""
    async with db.sessions.begin() as s:
        await EventLog(f"/telework/{service}").append(s, stream, events, 0)
    identities.use(service, seeds)
    relay = OutboxRelay(db.sessions, server.url, name=service)
    try:
        return await relay.publish_pending()
    finally:
        await relay.close()


async def stream_messages(admin: Client) -> int:
    return int((await admin.nc.jetstream().stream_info(STREAM_NAME)).state.messages)


async def test_anonymous_clients_are_refused(server: NatsServer) -> None:
    with pytest.raises(Exception, match=r"(?i)authorization"):
        await nats.connect(server.url, allow_reconnect=False, max_reconnect_attempts=0)


async def test_only_the_engagement_service_publishes_an_order(
    server: NatsServer, seeds: Path, admin: Client
) -> None:
    body = b'{"forged": true}'
    for name in ("attendance", "portal", "notification", "identity"):
        forger = await as_(server, seeds, name)
        with pytest.raises(Exception):  # noqa: B017 - no ack comes: the server dropped it
            await forger.nc.jetstream().publish(ORDER, body, timeout=1)
        await asyncio.sleep(0.1)
        assert forger.refused(ORDER), (name, forger.errors)
        await forger.nc.close()
    assert await stream_messages(admin) == 0
    engagement = await as_(server, seeds, "engagement")
    ack = await engagement.nc.jetstream().publish(ORDER, body, timeout=5)
    assert ack.seq == 1
    await engagement.nc.close()


async def test_only_the_admin_manages_streams(
    server: NatsServer, seeds: Path, admin: Client
) -> None:
    audit = await as_(server, seeds, "audit")
    js = audit.nc.jetstream(timeout=1)
    with pytest.raises(Exception):  # noqa: B017
        await js.delete_stream(STREAM_NAME)
    with pytest.raises(Exception):  # noqa: B017
        await js.add_stream(StreamConfig(name="SHADOW", subjects=["telework.v1.>"]))
    await asyncio.sleep(0.1)
    assert audit.refused("$JS.API.STREAM.DELETE")
    assert (await admin.nc.jetstream().stream_info(STREAM_NAME)).config.name == STREAM_NAME
    await audit.nc.close()


async def test_requests_are_read_by_the_service_that_answers_them(
    server: NatsServer, seeds: Path, admin: Client
) -> None:
    """A request carries a user's token: only its own service may subscribe to it."""
    portal = await as_(server, seeds, "portal")
    await portal.nc.subscribe("telework.rpc.identity.>")
    await portal.nc.subscribe("_INBOX_engagement.>")  # another service's replies
    await portal.nc.flush()
    await asyncio.sleep(0.1)
    assert portal.refused("telework.rpc.identity.>")
    assert portal.refused("_INBOX_engagement.>")

    identity = await as_(server, seeds, "identity")

    async def answer(msg: Any) -> None:
        await msg.respond(b"pong")

    await identity.nc.subscribe("telework.rpc.identity.ping", queue="identity", cb=answer)
    await identity.nc.flush()
    for _ in range(50):  # another connection may see the subscription a moment later (#2876)
        try:
            reply = await portal.nc.request("telework.rpc.identity.ping", b"ping", timeout=5)
            break
        except nats.errors.NoRespondersError:
            await asyncio.sleep(0.05)
    assert reply.data == b"pong"
    await portal.nc.close()
    await identity.nc.close()


async def test_relay_and_consumer_work_under_their_own_identities(
    server: NatsServer, seeds: Path, admin: Client, db: Database
) -> None:
    events = [sample_event("m-1", 1), sample_event("m-1", 2)]
    assert await published_as("meetings", "m-1", events, db, server, seeds) == 2

    identities.use("audit", seeds)
    nc = await nats.connect(server.url, **identities.connection_options())
    seen: list[str] = []

    async def keep(s: Any, event: Any) -> None:
        seen.append(event.id)

    stop = asyncio.Event()
    task = asyncio.create_task(EventConsumer("audit", db.sessions, keep).run(nc, stop))
    for _ in range(100):
        if len(seen) == 2:
            break
        await asyncio.sleep(0.05)
    stop.set()
    await task
    assert len(seen) == 2
    # Another service's durable cannot be bound by this identity.
    errors: list[str] = []

    async def on_error(exc: Exception) -> None:
        errors.append(str(exc))

    nc2 = await nats.connect(server.url, error_cb=on_error, **identities.connection_options())
    with pytest.raises(Exception):  # noqa: B017
        await nc2.jetstream(timeout=1).pull_subscribe(
            "telework.v1.>", durable="attendance", stream=STREAM_NAME
        )
    await nc.close()
    await nc2.close()


async def test_the_portals_read_model_is_fed_under_its_own_identity(
    server: NatsServer, seeds: Path, admin: Client, db: Database
) -> None:
    """The portal binds its one durable (`portal`, engagement events only: decision 0013)."""
    from contracts.events.engagement import OfficialSelected
    from services.portal.read_model import CONSUMER, ENGAGEMENT_EVENTS, ReadModel
    from services.portal.tables import PORTAL, cases

    await db.create(PORTAL)
    selected = OfficialSelected(
        engagement_id="ENG-1", official_id="D0102", selection="necessity", selected_by="D0101"
    )
    event = NewEvent(selected, "ONDE", "ENG-1:1")
    assert await published_as("engagement", "engagement-ENG-1", [event], db, server, seeds) == 1

    identities.use("portal", seeds)
    nc = await nats.connect(server.url, **identities.connection_options())
    stop = asyncio.Event()
    model = ReadModel(db.sessions)
    consumer = EventConsumer(CONSUMER, db.sessions, model.apply, filter_subject=ENGAGEMENT_EVENTS)
    task = asyncio.create_task(consumer.run(nc, stop))
    try:
        async with asyncio.timeout(10):
            while True:
                async with db.sessions() as s:
                    row = (await s.execute(select(cases))).first()
                if row is not None:
                    break
                await asyncio.sleep(0.05)
    finally:
        stop.set()
        await task
        await nc.close()
    assert (row.engagement_id, row.state, row.agency) == ("ENG-1", "checking_eligibility", "ONDE")


async def test_status_reads_an_empty_dead_letter_stream(admin: Client) -> None:
    """`telework status` on a fresh stack: an empty stream's first sequence is 0."""
    from services.shared.dead_letters import consumer_lag, dead_letters

    js = admin.nc.jetstream()
    assert await dead_letters(js) == []
    assert isinstance(await consumer_lag(js), list)
