"""External subscribers read their own agency's events and nothing else (R-INT-1)."""

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import nats
import pytest
from nats.errors import TimeoutError as NatsTimeout
from nats.js.api import AckPolicy, ConsumerConfig

from contracts.envelope import CloudEvent
from contracts.subjects import STREAM_NAME, agency_subjects
from infra.nats.accounts import Subscriber, render_config, subscriber_inbox
from services.shared.eventlog import EventLog
from services.shared.relay import OutboxRelay
from tests.conftest import Database
from tests.support.events import sample_event
from tests.support.servers import NatsServer

pytestmark = pytest.mark.integration
LOG = EventLog("/telework/test")
HR_A = Subscriber("hr-AGA", "secret-a", "AGA")
HR_B = Subscriber("hr-AGB", "secret-b", "AGB")


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[NatsServer]:
    srv = NatsServer(store=tmp_path / "js")
    conf = tmp_path / "nats.conf"
    conf.write_text(
        render_config(
            port=srv.port,
            store_dir=str(srv.store),
            services_password="svc",
            subscribers=[HR_A, HR_B],
        )
    )
    srv.config = conf
    srv.start()
    yield srv
    srv.cleanup()


def as_user(server: NatsServer, user: str, password: str) -> str:
    return f"nats://{user}:{password}@127.0.0.1:{server.port}"


async def publish_for_both_agencies(db: Database, server: NatsServer) -> None:
    async with db.sessions.begin() as s:
        await LOG.append(s, "a-1", [sample_event("a-1", 1, "AGA")], 0)
        await LOG.append(s, "b-1", [sample_event("b-1", 1, "AGB")], 0)
    relay = OutboxRelay(db.sessions, as_user(server, "services", "svc"))
    assert await relay.publish_pending() == 2
    await relay.close()


class TestAgencySubscriber:
    async def test_durable_consumer_reads_own_agency_only(
        self, db: Database, server: NatsServer
    ) -> None:
        await publish_for_both_agencies(db, server)
        nc = await nats.connect(
            as_user(server, HR_A.user, HR_A.password),
            inbox_prefix=subscriber_inbox(HR_A.user).encode(),
        )
        js = nc.jetstream()
        await js.add_consumer(
            STREAM_NAME,
            ConsumerConfig(
                name=HR_A.user,
                durable_name=HR_A.user,
                filter_subject=agency_subjects("AGA"),
                ack_policy=AckPolicy.EXPLICIT,
            ),
        )
        sub = await js.pull_subscribe_bind(HR_A.user, STREAM_NAME)
        msgs = await sub.fetch(10, timeout=2)
        assert [CloudEvent.from_json_bytes(m.data).agency for m in msgs] == ["AGA"]
        for m in msgs:
            await m.ack()

        with pytest.raises((NatsTimeout, asyncio.TimeoutError, nats.errors.Error)):
            await js.add_consumer(
                STREAM_NAME,
                ConsumerConfig(
                    name=HR_A.user, durable_name=HR_A.user, filter_subject=agency_subjects("AGB")
                ),
                timeout=1,
            )
        await nc.close()

    async def test_live_subscription_to_another_agency_is_refused(self, server: NatsServer) -> None:
        errors: list[Exception] = []

        async def on_error(exc: Exception) -> None:
            errors.append(exc)

        nc = await nats.connect(
            as_user(server, HR_A.user, HR_A.password),
            error_cb=on_error,
            inbox_prefix=subscriber_inbox(HR_A.user).encode(),
        )
        await nc.subscribe("telework.v1.AGB.>")
        await nc.flush()
        await asyncio.sleep(0.3)
        assert any("permissions violation" in str(e).lower() for e in errors)
        await nc.close()

    async def test_wrong_password_is_refused(self, server: NatsServer) -> None:
        with pytest.raises((nats.errors.Error, OSError)):
            await nats.connect(
                as_user(server, HR_A.user, "wrong"),
                max_reconnect_attempts=0,
                allow_reconnect=False,
                connect_timeout=2,
            )


def test_checked_in_example_config_is_fresh() -> None:
    """`python -m infra.nats.accounts > infra/nats/telework.conf` when this fails."""
    from infra.nats.accounts import example_config

    path = Path(__file__).parents[2] / "infra" / "nats" / "telework.conf"
    assert path.read_text() == example_config()
