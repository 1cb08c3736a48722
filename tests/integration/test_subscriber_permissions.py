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


async def test_a_department_subscriber_reads_its_bureaus_and_nothing_else(
    db: Database, tmp_path: Path
) -> None:
    """Issue #13 item 3: a subscriber of an agency receives its whole subtree, signs in with its
    own NKEY, and binds one durable per agency of the subtree, each forced to that agency."""
    from infra.nats.accounts import durable_for
    from infra.nats.identities import new_seed, public_key

    seed = tmp_path / "esaraban-AGA.nk"
    seed.write_bytes(new_seed())
    dept = Subscriber("esaraban-AGA", None, "AGA", ("AGA", "AGA-1"), public_key(seed.read_bytes()))
    srv = NatsServer(store=tmp_path / "js2")
    conf = tmp_path / "dept.conf"
    conf.write_text(
        render_config(
            port=srv.port, store_dir=str(srv.store), services_password="svc", subscribers=[dept]
        )
    )
    srv.config = conf
    srv.start()
    try:
        async with db.sessions.begin() as s:
            for agency in ("AGA", "AGA-1", "AGB"):
                await LOG.append(s, f"x-{agency}", [sample_event(f"x-{agency}", 1, agency)], 0)
        relay = OutboxRelay(db.sessions, as_user(srv, "services", "svc"))
        assert await relay.publish_pending() == 3
        await relay.close()

        errors: list[str] = []

        async def on_error(exc: Exception) -> None:
            errors.append(str(exc).lower())

        nc = await nats.connect(
            srv.url,
            nkeys_seed=str(seed),
            inbox_prefix=subscriber_inbox(dept.user).encode(),
            error_cb=on_error,
        )
        js = nc.jetstream()
        for code in ("AGA", "AGA-1"):
            durable = durable_for(dept, code)
            await js.add_consumer(
                STREAM_NAME,
                ConsumerConfig(
                    name=durable,
                    durable_name=durable,
                    filter_subject=agency_subjects(code),
                    ack_policy=AckPolicy.EXPLICIT,
                ),
            )
            sub = await js.pull_subscribe_bind(durable, STREAM_NAME)
            msgs = await sub.fetch(10, timeout=2)
            assert [CloudEvent.from_json_bytes(m.data).agency for m in msgs] == [code]
        with pytest.raises((NatsTimeout, asyncio.TimeoutError, nats.errors.Error)):
            await js.add_consumer(
                STREAM_NAME,
                ConsumerConfig(
                    name=durable_for(dept, "AGA-1"),
                    durable_name=durable_for(dept, "AGA-1"),
                    filter_subject=agency_subjects("AGB"),
                ),
                timeout=1,
            )
        await nc.subscribe("telework.v1.AGB.>")
        await nc.flush()
        await asyncio.sleep(0.3)
        assert any("permissions violation" in e for e in errors)
        await nc.close()
    finally:
        srv.cleanup()


def test_subscriber_add_writes_a_seed_and_the_subtree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from services.cli import main

    monkeypatch.setenv("TELEWORK_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert main(["identity", "seed-demo"]) == 0
    capsys.readouterr()
    assert main(["nats", "subscriber", "add", "--agency", "ONDE", "--name", "esaraban"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["agencies"] == ["ONDE", "ONDE-DGT", "ONDE-SEC", "ONDE-STRAT"]
    assert out["durables"]["ONDE-DGT"] == "esaraban-ONDE_ONDE-DGT"
    assert (tmp_path / "nats-subscribers" / "esaraban-ONDE.nk").stat().st_mode & 0o777 == 0o600
    conf = (tmp_path / "nats.conf").read_text()
    assert '"telework.v1.ONDE-DGT.>"' in conf and "nkey:" in conf
    assert main(["nats", "subscriber", "add", "--agency", "NOPE", "--name", "x"]) == 2
