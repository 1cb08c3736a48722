"""An insider who can write the audit store cannot rewrite, cut or extend history, nor re-sign
it, undetected (R-SEC-5, issue #13 item 5): every checkpoint is also published as an anchor,
and the store checked against the anchors names each tampering at its exact position."""

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import delete, insert, select, update

from contracts.envelope import CloudEvent
from services.audit.adapters.tables import AUDIT, chain, checkpoints
from services.audit.domain.chain import canonical, link
from services.audit.domain.signing import sign
from services.audit.service_layer.anchors import (
    Anchor,
    anchor_lines,
    check_against_anchors,
    read_anchor_file,
)
from services.audit.service_layer.store import ANCHORS, Chain, ChainDoesNotExtend
from services.shared.clock import now
from tests.conftest import Database
from tests.support.events import sample_event

pytestmark = pytest.mark.integration
EVENTS = 23  # checkpoints at 5, 10, 15, 20


def event(n: int) -> CloudEvent:
    from contracts.envelope import to_cloud_event

    new = sample_event(f"m-{n}", n)
    at = datetime(2026, 12, 1, tzinfo=UTC) + timedelta(minutes=n)
    return to_cloud_event(new.event, event_id=f"ev-{n}", agency="ONDE", source="/t", time=at)


@pytest.fixture
async def signed(
    db: Database,
) -> tuple[Database, Ed25519PrivateKey, list[Anchor], dict[str, bytes]]:
    await db.create(AUDIT)
    key = Ed25519PrivateKey.generate()
    store = Chain(key, checkpoint_every=5)
    originals = {}
    for n in range(1, EVENTS + 1):
        e = event(n)
        originals[e.id] = canonical(e.model_dump(mode="json", exclude_none=True))
        async with db.sessions.begin() as s:
            await store.append(s, e)
    async with db.sessions() as s:
        published = await ANCHORS.read_stream(s, "audit-checkpoints")
    anchors = [Anchor.of(p.envelope.data) for p in published]
    assert [a.position for a in anchors] == [5, 10, 15, 20]
    return db, key, anchors, originals


async def recompute_from(db: Database, position: int) -> None:
    """What an insider does after changing a record: every later link made to fit again."""
    async with db.sessions.begin() as s:
        prev_row = (
            await s.execute(select(chain.c.hash).where(chain.c.position == position - 1))
        ).scalar()
        prev = bytes(prev_row) if prev_row is not None else b"\x00" * 32
        rows = (
            await s.execute(
                select(chain.c.position, chain.c.canonical)
                .where(chain.c.position >= position)
                .order_by(chain.c.position)
            )
        ).all()
        for r in rows:
            digest = link(prev, bytes(r.canonical))
            await s.execute(
                update(chain)
                .where(chain.c.position == r.position)
                .values(hash=digest, prev_hash=prev)
            )
            prev = digest


async def problem(signed: Any, originals: bool = True, key: Any = None) -> Any:
    db, original_key, anchors, events = signed
    public = (key or original_key).public_key()
    return await check_against_anchors(db.sessions, anchors, public, events if originals else None)


async def test_an_untouched_store_agrees_with_its_anchors(signed: Any) -> None:
    assert await problem(signed) is None


async def test_a_rewrite_with_recomputed_links_is_named_at_its_record(signed: Any) -> None:
    db = signed[0]
    async with db.sessions.begin() as s:
        await s.execute(
            update(chain).where(chain.c.position == 7).values(canonical=b'{"forged":true}')
        )
        await s.execute(delete(checkpoints).where(checkpoints.c.position >= 10))
    await recompute_from(db, 7)
    found = await problem(signed)
    assert (found.position, found.kind) == (7, "rewritten")
    # With the anchors alone (a file kept elsewhere), the rewrite is bounded by them.
    found = await problem(signed, originals=False)
    assert found.kind == "rewritten" and found.position == 10


async def test_a_deleted_checkpoint(signed: Any) -> None:
    db = signed[0]
    async with db.sessions.begin() as s:
        await s.execute(delete(checkpoints).where(checkpoints.c.position == 15))
    found = await problem(signed)
    assert (found.position, found.kind) == (15, "checkpoint_deleted")


async def test_a_cut_tail(signed: Any) -> None:
    db = signed[0]
    async with db.sessions.begin() as s:
        await s.execute(delete(chain).where(chain.c.position > 12))
        await s.execute(delete(checkpoints).where(checkpoints.c.position > 10))
    found = await problem(signed)
    assert (found.position, found.kind) == (13, "cut")


async def test_records_after_the_last_anchor_that_do_not_extend_it(signed: Any) -> None:
    db = signed[0]
    async with db.sessions.begin() as s:
        row = (await s.execute(select(chain).where(chain.c.position == 21))).first()
        await s.execute(delete(chain).where(chain.c.position > 20))
        forged = dict(row._mapping)
        forged.update(prev_hash=b"\x01" * 32, hash=link(b"\x01" * 32, bytes(row.canonical)))
        await s.execute(insert(chain).values(**forged))
    found = await problem(signed)
    assert (found.position, found.kind) == (21, "not_extending")


async def test_a_chain_re_signed_with_a_replaced_key(signed: Any) -> None:
    db = signed[0]
    other = Ed25519PrivateKey.generate()
    async with db.sessions.begin() as s:
        for r in (await s.execute(select(checkpoints))).all():
            cp = sign(other, r.position, r.hash, now())
            await s.execute(
                update(checkpoints)
                .where(checkpoints.c.position == r.position)
                .values(signature=cp.signature, signed_at=cp.signed_at)
            )
    found = await problem(signed, key=other)
    assert (found.position, found.kind) == (5, "resigned")


async def test_anchors_round_trip_through_a_file(signed: Any, tmp_path: Path) -> None:
    path = tmp_path / "anchors.jsonl"
    path.write_text(anchor_lines(signed[2]))
    assert read_anchor_file(path) == signed[2]


async def test_the_service_refuses_to_sign_a_head_that_does_not_extend_its_checkpoint(
    signed: Any,
) -> None:
    """Record 12 rewritten and every later link recomputed: the head no longer follows from
    the checkpoint at 20, so no fresh signature blesses it."""
    db, key, _, _ = signed
    async with db.sessions.begin() as s:
        await s.execute(
            update(chain).where(chain.c.position == 12).values(canonical=b'{"forged":true}')
        )
    await recompute_from(db, 12)
    with pytest.raises(ChainDoesNotExtend, match="does not extend the checkpoint at 20"):
        async with db.sessions.begin() as s:
            await Chain(key, checkpoint_every=5).checkpoint(s)


def test_verify_never_makes_a_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from services.cli import main
    from services.shared.auth import DevIssuer
    from services.shared.authz import Actor, Grant, Role

    monkeypatch.setenv("TELEWORK_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("TELEWORK_AUDIT_KEY", raising=False)
    issuer = DevIssuer.load_or_create(tmp_path / "dev-issuer.pem")
    auditor = issuer.issue(Actor("D0304", (Grant(Role.AUDITOR, "ONDE"),)))
    assert main(["audit", "verify", "--token", auditor, "--chain-only"]) == 0  # nothing signed

    async def sign_some() -> None:  # a signed chain whose key then goes missing
        from services.shared.db import create_schema, make_engine, sessionmaker

        engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'audit.db'}")
        await create_schema(engine, [AUDIT], None)
        store = Chain(Ed25519PrivateKey.generate(), checkpoint_every=5)
        for n in range(1, 6):
            async with sessionmaker(engine).begin() as s:
                await store.append(s, event(n))
        await engine.dispose()

    import asyncio

    asyncio.run(sign_some())
    assert main(["audit", "verify", "--token", auditor, "--chain-only"]) == 2
    assert "never makes a new key" in capsys.readouterr().err
    assert not (tmp_path / "audit-signing.pem").exists()


async def test_anchors_and_originals_read_back_from_the_stream(signed: Any) -> None:
    """`telework audit verify --anchors stream`: the anchors the audit service's relay
    published, and the original events, name a rewrite at its record."""
    import nats

    from services.audit.service_layer.anchors import from_stream
    from services.shared.jetstream import ensure_streams
    from services.shared.relay import OutboxRelay
    from tests.support.servers import NatsServer

    db = signed[0]
    server = NatsServer().start()
    try:
        nc = await nats.connect(server.url)
        js = nc.jetstream()
        await ensure_streams(js)
        for n in range(1, EVENTS + 1):
            e = event(n)
            subject = "telework.v1.ONDE.meeting.recording_registered"
            await js.publish(subject, e.to_json_bytes(), headers={"Nats-Msg-Id": e.id})
        relay = OutboxRelay(db.sessions, server.url, name="audit")
        assert await relay.publish_pending() == 4  # the four anchors
        await relay.close()
        anchors, originals = await from_stream(js)
        assert [a.position for a in anchors] == [5, 10, 15, 20]
        async with db.sessions.begin() as s:
            await s.execute(
                update(chain).where(chain.c.position == 13).values(canonical=b'{"x":1}')
            )
            await s.execute(delete(checkpoints).where(checkpoints.c.position >= 15))
        await recompute_from(db, 13)
        found = await check_against_anchors(db.sessions, anchors, signed[1].public_key(), originals)
        assert (found.position, found.kind) == (13, "rewritten")
        await nc.close()
    finally:
        server.cleanup()
