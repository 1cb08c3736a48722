"""Issue #13 item 5, R-SEC-5: the audit signing key in a PKCS#11 token (an HSM, or a cloud KMS
through its PKCS#11 library). Tested against SoftHSM2, the token OpenDNSSEC ships, through the
same PKCS#11 calls a hardware module answers: the key is made inside the token and cannot be
read out, the chain's checkpoints are signed by the token and verify with its public half, a
missing key or a wrong PIN is a clear refusal (never a new key), and a chain signed by a file key
hands over to the token's key."""

import asyncio
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from services.audit.adapters.keys import (
    KeyLocation,
    KeyMissing,
    KeyUnavailable,
    Pkcs11Signer,
    Pkcs11Uri,
    generate_in_token,
)
from services.audit.adapters.tables import AUDIT
from services.audit.domain.signing import fingerprint
from services.audit.service_layer.store import Chain
from services.audit.service_layer.verification import verify
from tests.conftest import Database
from tests.integration.test_audit_anchors import event
from tests.support.servers import unavailable

pytestmark = pytest.mark.integration
MODULE = "/usr/lib/softhsm/libsofthsm2.so"
PIN = "20251127"


@pytest.fixture(scope="session")
def token(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One SoftHSM token for the session: a PKCS#11 module reads its configuration once per
    process, so every test uses this token, each with keys of its own labels."""
    if not Path(MODULE).exists() or not shutil.which("softhsm2-util"):
        unavailable("SoftHSM2 (apt-get install softhsm2)")
    folder = tmp_path_factory.mktemp("softhsm")
    (folder / "tokens").mkdir()
    conf = folder / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {folder / 'tokens'}\nobjectstore.backend = file\n")
    before = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    label = "telework-" + uuid4().hex[:6]
    subprocess.run(
        [
            "softhsm2-util",
            "--init-token",
            "--free",
            "--label",
            label,
            "--pin",
            PIN,
            "--so-pin",
            "87654321",
        ],
        check=True,
        capture_output=True,
    )
    (folder / "pin").write_text(PIN + "\n")
    yield f"pkcs11:token={label};object=%s?module-path={MODULE}&pin-source=file:{folder / 'pin'}"
    if before is None:
        os.environ.pop("SOFTHSM2_CONF", None)
    else:
        os.environ["SOFTHSM2_CONF"] = before


def key_uri(token: str) -> str:
    return token % ("audit-" + uuid4().hex[:8])


def test_the_key_is_made_in_the_token_and_cannot_be_read_out(token: str) -> None:
    from pkcs11 import Attribute, KeyType, ObjectClass

    uri = Pkcs11Uri.parse(key_uri(token))
    public = generate_in_token(uri)
    signer = Pkcs11Signer(uri)
    assert fingerprint(signer.public_key()) == fingerprint(public)
    signature = signer.sign(b"checkpoint")
    public.verify(signature, b"checkpoint")  # raises if the token signed anything else
    private = signer._session.get_key(ObjectClass.PRIVATE_KEY, KeyType.EC_EDWARDS, label=uri.object)
    assert private[Attribute.SENSITIVE] is True and private[Attribute.EXTRACTABLE] is False
    with pytest.raises(KeyUnavailable, match="exists already"):
        generate_in_token(uri)


def test_refusals_say_what_is_wrong(token: str, tmp_path: Path) -> None:
    missing = KeyLocation(key_uri(token))
    assert not missing.exists()
    with pytest.raises(KeyMissing, match="does not exist"):
        missing.open(create=True)  # a token's key is never made on the fly
    # PKCS#11 logs in once per process and token: a wrong PIN is tried in a process of its own.
    wrong_pin = tmp_path / "pin"
    wrong_pin.write_text("00000000")
    uri = key_uri(token).replace(token.split("pin-source=file:")[1], str(wrong_pin))
    told = subprocess.run(
        [sys.executable, "-m", "services.cli", "audit", "public-key"],
        env={**os.environ, "TELEWORK_AUDIT_KEY": uri, "TELEWORK_DATA_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert told.returncode == 2 and "PIN" in told.stderr, told.stderr
    with pytest.raises(KeyUnavailable, match="PIN in the key's URI"):
        Pkcs11Uri.parse("pkcs11:token=t;object=o?module-path=/x.so&pin-value=1234")
    with pytest.raises(KeyUnavailable, match="lacks module-path"):
        Pkcs11Uri.parse("pkcs11:token=t;object=o")
    with pytest.raises(KeyUnavailable, match="no single token"):
        KeyLocation(key_uri(token).replace("token=", "token=nosuch")).open()


async def test_the_chain_is_signed_by_the_token(db: Database, token: str) -> None:
    uri = Pkcs11Uri.parse(key_uri(token))
    generate_in_token(uri)
    signer = KeyLocation(uri.text).open()
    await db.create(AUDIT)
    store = Chain(signer, checkpoint_every=4)
    for n in range(1, 11):
        async with db.sessions.begin() as s:
            await store.append(s, event(n))
    problem, checked = await verify(db.sessions, signer.public_key())
    assert problem is None and checked == 10
    # Another key — one an insider made to re-sign the store — does not verify it.
    problem, _ = await verify(db.sessions, Ed25519PrivateKey.generate().public_key())
    assert problem is not None


def test_a_file_key_hands_over_to_the_tokens_key(
    token: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`telework audit rotate-key --new-key pkcs11:…`, then the service runs on the token's key;
    `verify` with the setting pointing at a token key that is gone is exit 2, never a new key."""
    from services.cli import main
    from services.shared.auth import DevIssuer
    from services.shared.authz import Actor, Grant, Role
    from services.shared.db import create_schema, make_engine, sessionmaker

    monkeypatch.setenv("TELEWORK_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("TELEWORK_AUDIT_KEY", raising=False)
    first = Ed25519PrivateKey.generate()
    (tmp_path / "audit-signing.pem").write_bytes(
        first.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    new = key_uri(token)
    assert main(["audit", "generate-key", "--uri", new]) == 0
    made = capsys.readouterr().out
    hsm = KeyLocation(new).open()
    assert fingerprint(hsm.public_key()) in made

    async def history(signer: object, first_n: int, last_n: int) -> None:
        engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'audit.db'}")
        await create_schema(engine, [AUDIT], None)
        store = Chain(signer, checkpoint_every=3)  # type: ignore[arg-type]
        for n in range(first_n, last_n + 1):
            async with sessionmaker(engine).begin() as s:
                await store.append(s, event(n))
        await engine.dispose()

    asyncio.run(history(first, 1, 7))
    issuer = DevIssuer.load_or_create(tmp_path / "dev-issuer.pem")
    admin = issuer.issue(Actor("D0901", (Grant(Role.SYSTEM_ADMIN, "ONDE"),)))
    auditor = issuer.issue(Actor("D0304", (Grant(Role.AUDITOR, "ONDE"),)))
    assert main(["audit", "rotate-key", "--new-key", new, "--token", admin]) == 0
    said = capsys.readouterr().out
    assert "TELEWORK_AUDIT_KEY" in said and fingerprint(first.public_key())[:16] in said
    monkeypatch.setenv("TELEWORK_AUDIT_KEY", new)
    asyncio.run(history(hsm, 8, 12))  # the token signs from here on
    assert main(["audit", "verify", "--token", auditor, "--chain-only"]) == 0
    capsys.readouterr()
    monkeypatch.setenv("TELEWORK_AUDIT_KEY", key_uri(token))  # a label nobody made
    assert main(["audit", "verify", "--token", auditor, "--chain-only"]) == 2
    assert "does not exist" in capsys.readouterr().err
