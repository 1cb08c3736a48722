"""R-DOC-1, issue #17 item 3 (R-ORD-3): official documents signed (PAdES, pyHanko) and verified: the
signature holds over the whole file and chains to the agency's root; a changed byte, another
root or an unsigned file is refused; `telework document verify` also proves, with an auditor's
token, that this very file was issued (its hash in a document_issued event of the audit
chain). Exit codes: 0 holds, 1 does not, 2 bad input."""

import asyncio
import datetime as dt
import hashlib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from contracts.envelope import to_cloud_event
from contracts.events.document import DocumentIssued
from services.audit.adapters.tables import AUDIT
from services.audit.service_layer.store import Chain
from services.documents.adapters.pdf import render_order
from services.documents.adapters.signing import demo_identity, sign, verify
from services.documents.domain.order import Person, telework_order

pytestmark = pytest.mark.integration


def order_pdf() -> bytes:
    doc = telework_order(
        agency="สำนักงานทดสอบ",
        number="ที่ 7/2569",
        ordered_on=dt.date(2026, 11, 27),
        start=dt.date(2026, 12, 1),
        end=dt.date(2027, 5, 31),
        officials=[Person("นางสาวทดสอบ ลงนาม", "นักวิเคราะห์นโยบายและแผน")],
        signer=Person("นายหัวหน้า ส่วนราชการ", "ผู้อำนวยการ"),
        acting=False,
    )
    pdf, _ = render_order(doc, document_id="order-ENG-7")
    return pdf


async def test_signed_document_verifies_and_any_change_breaks_it(tmp_path: Path) -> None:
    who = demo_identity(tmp_path / "ca")
    signed = await sign(order_pdf(), who, reason="คำสั่ง ที่ 7/2569", location="ทดสอบ")
    good = await verify(signed, list(who.chain))
    assert good.holds and good.whole_file and "DEMO" in good.signer
    assert good.sha256 == hashlib.sha256(signed).hexdigest()
    assert good.certificate_sha256 == who.certificate_sha256()

    changed = bytearray(signed)
    at = signed.index(b"order-ENG-7")
    changed[at + 6] = ord("X")  # the document id in the signed keywords
    assert not (await verify(bytes(changed), list(who.chain))).holds

    other = demo_identity(tmp_path / "another-ca")
    foreign = await verify(signed, list(other.chain))
    assert foreign.intact and not foreign.trusted and not foreign.holds

    unsigned = await verify(order_pdf(), list(who.chain))
    assert not unsigned.signed and not unsigned.holds


def test_document_verify_command_checks_signature_and_issue(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from services.cli import main
    from services.shared.auth import DevIssuer
    from services.shared.authz import Actor, Grant, Role

    monkeypatch.setenv("TELEWORK_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("TELEWORK_DOCUMENT_CA", raising=False)
    who = demo_identity(tmp_path / "document-ca")  # where the demo installation keeps it
    signed = asyncio.run(sign(order_pdf(), who, reason="คำสั่ง", location="ทดสอบ"))
    issued_file, other_file = tmp_path / "order.pdf", tmp_path / "other.pdf"
    issued_file.write_bytes(signed)
    other_file.write_bytes(asyncio.run(sign(order_pdf(), who, reason="x", location="y")))

    async def chain_the_issue() -> None:
        from services.shared.db import create_schema, make_engine, sessionmaker

        engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'audit.db'}")
        await create_schema(engine, [AUDIT], None)
        event = DocumentIssued(
            document_id="order-ENG-7",
            kind="order",
            engagement_id="ENG-7",
            official_id="D0102",
            number="ที่ 7/2569",
            sha256=hashlib.sha256(signed).hexdigest(),
            signer_certificate_sha256=who.certificate_sha256(),
            demo_signature=True,
        )
        cloud = to_cloud_event(
            event, event_id="ev-doc", agency="ONDE", source="/t", time=datetime.now(UTC)
        )
        async with sessionmaker(engine).begin() as s:
            await Chain(Ed25519PrivateKey.generate(), checkpoint_every=100).append(s, cloud)
        await engine.dispose()

    asyncio.run(chain_the_issue())
    issuer = DevIssuer.load_or_create(tmp_path / "dev-issuer.pem")
    auditor = issuer.issue(Actor("D0304", (Grant(Role.AUDITOR, "ONDE"),)))

    assert main(["document", "verify", str(issued_file)]) == 0  # signature only
    assert "--token" in capsys.readouterr().out
    assert main(["document", "verify", str(issued_file), "--token", auditor]) == 0
    assert "ENG-7" in capsys.readouterr().out
    # Signed by the same key, but never issued: its hash is nowhere in the chain.
    assert main(["document", "verify", str(other_file), "--token", auditor]) == 1
    assert "no document with this hash" in capsys.readouterr().out
    assert main(["document", "verify", str(tmp_path / "missing.pdf")]) == 2
    (tmp_path / "note.txt").write_text("not a pdf")
    assert main(["document", "verify", str(tmp_path / "note.txt")]) == 2
    official = issuer.issue(Actor("D0102", (Grant(Role.OFFICIAL, "ONDE"),)))
    assert main(["document", "verify", str(issued_file), "--token", official]) == 2
