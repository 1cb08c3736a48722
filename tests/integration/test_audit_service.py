"""The audit service's consumer takes every event of the stream into the chain once, even when
JetStream delivers twice; the CLI answers auditors only (R-INT-2, R-INT-4)."""

import asyncio
import json
from pathlib import Path

import nats
import pytest
from sqlalchemy import func, select

from services.audit.adapters.tables import AUDIT, chain
from services.audit.service_layer.store import Chain
from services.audit.service_layer.verification import verify
from services.cli import main
from services.shared.auth import DevIssuer, load_or_create_key
from services.shared.authz import Actor, Grant, Role
from services.shared.consumer import EventConsumer
from services.shared.eventlog import EventLog
from services.shared.relay import OutboxRelay
from tests.conftest import Database
from tests.support.events import new_id, sample_event

pytestmark = pytest.mark.integration
LOG = EventLog("/telework/test")


async def test_every_event_once_even_when_delivered_twice(
    db: Database, nats_url: str, agency: str, tmp_path: Path
) -> None:
    await db.create(AUDIT)
    async with db.sessions.begin() as s:
        recs = [
            r
            for i in range(10)
            for r in await LOG.append(s, f"m-{i}", [sample_event(f"m-{i}", i, agency)], 0)
        ]
    relay = OutboxRelay(db.sessions, nats_url)
    assert await relay.publish_pending() == 10
    await relay.close()
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    # The same event again under another Msg-Id: JetStream keeps both, the chain one.
    await js.publish(
        f"telework.v1.{agency}.meeting.recording_registered",
        recs[3].envelope.to_json_bytes(),
        headers={"Nats-Msg-Id": new_id()},
    )
    store = Chain(load_or_create_key(tmp_path / "k.pem"), checkpoint_every=5)

    async def append(s, event):  # type: ignore[no-untyped-def]
        await store.append(s, event)

    consumer = EventConsumer(
        f"audit-{agency}", db.sessions, append, filter_subject=f"telework.v1.{agency}.>"
    )
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(nc, stop))
    async with asyncio.timeout(120):
        while consumer.processed < 11:
            await asyncio.sleep(0.05)
    stop.set()
    await task
    await nc.close()
    async with db.sessions() as s:
        assert (await s.execute(select(func.count()).select_from(chain))).scalar() == 10
    problem, checked = await verify(
        db.sessions, load_or_create_key(tmp_path / "k.pem").public_key()
    )
    assert problem is None and checked == 10


def test_cli_answers_auditors_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from infra.stack import free_port

    monkeypatch.setenv("TELEWORK_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    # No NATS here: completeness is "not checked", so whatever a shared server's stream holds
    # (a developer's `make run`, say) cannot make this empty chain look incomplete.
    monkeypatch.setenv("NATS_URL", f"nats://127.0.0.1:{free_port()}")
    issuer = DevIssuer.load_or_create(tmp_path / "dev-issuer.pem")
    auditor = issuer.issue(Actor("D0304", (Grant(Role.AUDITOR, "ONDE"),)))
    hr = issuer.issue(Actor("D0301", (Grant(Role.HR_OFFICER, "ONDE"),)))
    assert main(["audit", "verify", "--token", hr]) == 2
    assert "for auditors only" in capsys.readouterr().err
    assert main(["audit", "verify", "--token", "garbage"]) == 2
    assert main(["audit", "verify", "--token", auditor, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["ok"] is True
    assert main(["audit", "replay", "--token", auditor]) == 2
    assert main(["audit", "public-key"]) == 0
    assert capsys.readouterr().out.startswith("-----BEGIN PUBLIC KEY-----")


async def test_verify_names_the_first_stream_event_missing_from_the_chain(
    db: Database, nats_url: str, agency: str, tmp_path: Path
) -> None:
    """Issue #21: completeness. An event dead-lettered as invalid is counted, not hidden; one
    that was acknowledged but is not in the chain (a cut tail) is named by stream sequence."""
    from services.audit.service_layer.completeness import check_completeness

    await db.create(AUDIT)
    async with db.sessions.begin() as s:
        recs = [
            r
            for i in range(6)
            for r in await LOG.append(s, f"m-{i}", [sample_event(f"m-{i}", i, agency)], 0)
        ]
    relay = OutboxRelay(db.sessions, nats_url)
    assert await relay.publish_pending() == 6
    await relay.close()
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    await js.publish(f"telework.v1.{agency}.meeting.recording_registered", b"forged garbage")
    store = Chain(load_or_create_key(tmp_path / "k.pem"), checkpoint_every=100)

    async def append(s, event):  # type: ignore[no-untyped-def]
        await store.append(s, event)

    name = f"audit-{agency}"
    consumer = EventConsumer(name, db.sessions, append, filter_subject=f"telework.v1.{agency}.>")
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(nc, stop))
    async with asyncio.timeout(120):
        while consumer.processed < 6 or consumer.dead_lettered < 1:
            await asyncio.sleep(0.05)
    stop.set()
    await task
    subjects = f"telework.v1.{agency}.>"
    whole = await check_completeness(db.sessions, js, name, subjects)
    assert (whole.in_stream, whole.chained, whole.dead_lettered, whole.missing) == (7, 6, 1, 0)
    async with db.sessions.begin() as s:  # an insider cuts the tail
        await s.execute(chain.delete().where(chain.c.event_id == recs[-1].envelope.id))
    cut = await check_completeness(db.sessions, js, name, subjects)
    assert cut.missing == 1 and cut.first_missing is not None
    assert cut.first_missing.event_id == recs[-1].envelope.id
    await nc.close()


async def test_verify_beside_a_busy_audit_service_reports_no_missing_event(
    db: Database, nats_url: str, agency: str, tmp_path: Path
) -> None:
    """The audit consumer chains and acknowledges while completeness is being checked: an event
    it takes at that moment is chained or behind, never missing (seen once as `verify` exiting 1
    after "chain holds" with every service on PostgreSQL)."""
    from services.audit.service_layer.completeness import check_completeness

    await db.create(AUDIT)
    async with db.sessions.begin() as s:
        for i in range(4):
            await LOG.append(s, f"b-{i}", [sample_event(f"b-{i}", i, agency)], 0)
    relay = OutboxRelay(db.sessions, nats_url)
    assert await relay.publish_pending() == 4
    await relay.close()
    store = Chain(load_or_create_key(tmp_path / "k.pem"), checkpoint_every=100)

    async def append(s, event):  # type: ignore[no-untyped-def]
        await store.append(s, event)

    name = f"audit-{agency}"
    nc = await nats.connect(nats_url)
    consumer = EventConsumer(name, db.sessions, append, filter_subject=f"telework.v1.{agency}.>")

    class Busy:
        """JetStream as the check sees it, with the audit service taking every pending event
        the moment the check asks for its acknowledgements."""

        def __init__(self, js):  # type: ignore[no-untyped-def]
            self.js = js

        def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
            return getattr(self.js, name)

        async def consumer_info(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            stop = asyncio.Event()
            task = asyncio.create_task(consumer.run(nc, stop))
            async with asyncio.timeout(120):
                while consumer.processed < 4:
                    await asyncio.sleep(0.05)
            stop.set()
            await task
            return await self.js.consumer_info(*args, **kwargs)

    js = nc.jetstream()
    whole = await check_completeness(db.sessions, Busy(js), name, f"telework.v1.{agency}.>")
    await nc.close()
    assert (whole.in_stream, whole.missing) == (4, 0), whole
    assert whole.chained + whole.behind == 4
