"""R-SEC-5, issue #13 item 5: the audit signing key is rotated by a hand-over signed by both
keys, kept in the store and published as key_rotated with both fingerprints. Verification
follows the hand-overs from the key the chain began with (the pinned one) to the key in use; a
forged hand-over, or a store re-signed without one, is named at its position; a process still
holding the retired key signs nothing."""

from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import insert

from services.audit.adapters.tables import AUDIT, key_rotations
from services.audit.domain.signing import Rotation, fingerprint, raw_public
from services.audit.service_layer.anchors import Anchor, check_against_anchors
from services.audit.service_layer.store import ANCHORS, Chain, KeyRetired
from services.audit.service_layer.verification import verify
from services.shared.clock import now
from tests.conftest import Database
from tests.integration.test_audit_anchors import event

pytestmark = pytest.mark.integration


async def grow(db: Database, store: Chain, first: int, last: int) -> None:
    for n in range(first, last + 1):
        async with db.sessions.begin() as s:
            await store.append(s, event(n))


async def anchors_of(db: Database) -> list[Anchor]:
    async with db.sessions() as s:
        published = await ANCHORS.read_stream(s, "audit-checkpoints")
    return [Anchor.of(p.envelope.data) for p in published]


@pytest.fixture
async def rotated(db: Database) -> tuple[Database, Ed25519PrivateKey, Ed25519PrivateKey]:
    """Events 1–12 under the first key (checkpoints 5, 10, and 12 at the hand-over), 13–20
    under the second (checkpoints 15, 20)."""
    await db.create(AUDIT)
    first, second = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    store = Chain(first, checkpoint_every=5)
    await grow(db, store, 1, 12)
    async with db.sessions.begin() as s:
        rotation = await store.rotate(s, second)
    assert rotation.position == 12 and rotation.holds()
    await grow(db, store, 13, 20)
    return db, first, second


async def test_a_rotated_chain_verifies_and_its_anchors_follow_the_hand_over(
    rotated: Any,
) -> None:
    db, first, second = rotated
    problem, checked = await verify(db.sessions, second.public_key())
    assert problem is None and checked == 20
    anchors = await anchors_of(db)
    assert [a.position for a in anchors] == [5, 10, 12, 15, 20]
    assert {a.key_fingerprint for a in anchors if a.position <= 12} == {
        fingerprint(first.public_key())
    }
    assert await check_against_anchors(db.sessions, anchors, second.public_key()) is None
    async with db.sessions() as s:
        (published,) = await ANCHORS.read_stream(s, "audit-keys")
    data = published.envelope.data
    assert published.envelope.type.endswith("audit.key_rotated.v1")
    assert data["old_fingerprint"] == fingerprint(first.public_key())
    assert data["new_fingerprint"] == fingerprint(second.public_key())
    assert data["position"] == 12


async def test_verifying_with_the_retired_key_alone_fails(rotated: Any) -> None:
    db, first, _ = rotated
    problem, _ = await verify(db.sessions, first.public_key())
    assert problem is not None and problem.kind == "bad_rotation" and problem.position == 12


async def test_a_forged_hand_over_is_named_at_its_position(rotated: Any) -> None:
    """An insider with their own key adds a hand-over to it, signing the old side themselves:
    the old key never signed it."""
    db, _, second = rotated
    mallory = Ed25519PrivateKey.generate()
    forged = Rotation(
        20, "00" * 32, raw_public(second.public_key()), raw_public(mallory.public_key()), now()
    )
    forged = forged.signed_by(mallory, mallory)
    async with db.sessions.begin() as s:
        await s.execute(
            insert(key_rotations).values(
                position=forged.position,
                hash=forged.hash,
                old_public=forged.old_public,
                new_public=forged.new_public,
                rotated_at=forged.rotated_at,
                old_signature=forged.old_signature,
                new_signature=forged.new_signature,
            )
        )
    problem, _ = await verify(db.sessions, mallory.public_key())
    assert problem is not None and problem.kind == "bad_rotation" and problem.position == 20
    anchors = await anchors_of(db)
    found = await check_against_anchors(db.sessions, anchors, mallory.public_key())
    assert found is not None and found.kind == "bad_rotation"


async def test_a_process_holding_the_retired_key_signs_nothing(rotated: Any) -> None:
    db, first, second = rotated
    stale = Chain(first, checkpoint_every=5)
    with pytest.raises(KeyRetired):
        await grow(db, stale, 21, 25)  # the checkpoint at 25 would be the old key's
    # 21–24 went in; 25 and its checkpoint did not (one transaction).
    reloading = Chain(first, checkpoint_every=5, reload=lambda: second)
    await grow(db, reloading, 25, 25)  # reads the key file again: the new key signs
    problem, _ = await verify(db.sessions, second.public_key())
    assert problem is None


def pem(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def test_rotate_key_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import asyncio

    from services.cli import main
    from services.shared.auth import DevIssuer
    from services.shared.authz import Actor, Grant, Role
    from services.shared.db import create_schema, make_engine, sessionmaker

    monkeypatch.setenv("TELEWORK_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("TELEWORK_AUDIT_KEY", raising=False)
    first, second = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    (tmp_path / "audit-signing.pem").write_bytes(pem(first))
    (tmp_path / "new.pem").write_bytes(pem(second))

    async def some_history() -> None:
        engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'audit.db'}")
        await create_schema(engine, [AUDIT], None)
        store = Chain(first, checkpoint_every=5)
        for n in range(1, 8):
            async with sessionmaker(engine).begin() as s:
                await store.append(s, event(n))
        await engine.dispose()

    asyncio.run(some_history())
    issuer = DevIssuer.load_or_create(tmp_path / "dev-issuer.pem")
    admin = issuer.issue(Actor("D0901", (Grant(Role.SYSTEM_ADMIN, "ONDE"),)))
    auditor = issuer.issue(Actor("D0304", (Grant(Role.AUDITOR, "ONDE"),)))
    new = str(tmp_path / "new.pem")
    assert main(["audit", "rotate-key", "--new-key", new, "--token", auditor]) == 2
    assert "administrator" in capsys.readouterr().err
    assert (
        main(["audit", "rotate-key", "--new-key", str(tmp_path / "none.pem"), "--token", admin])
        == 2
    )
    assert main(["audit", "rotate-key", "--new-key", new, "--token", admin]) == 0
    said = capsys.readouterr().out
    assert (
        fingerprint(first.public_key())[:16] in said
        and fingerprint(second.public_key())[:16] in said
    )
    installed = (tmp_path / "audit-signing.pem").read_bytes()
    assert installed == pem(second)
    assert list(tmp_path.glob("audit-signing.pem.retired-*"))
    assert main(["audit", "verify", "--token", auditor, "--chain-only"]) == 0
