"""PAdES signatures on official documents (R-DOC-1, issue #17), with pyHanko.

Who signs: the agency's signing certificate and key (`TELEWORK_DOCUMENT_KEY`,
`TELEWORK_DOCUMENT_CERT`, `TELEWORK_DOCUMENT_CHAIN`: PEM files), or, in demo mode only, a demo CA
made once in the data directory whose certificates say DEMO in their names. A PKCS#11 token
plugs in through pyHanko's `PKCS11Signer` in place of `SimpleSigner` (docs/documents.md).

What a verifier learns: whether the signature covers the whole file and is intact, whether the
certificate chains to a trusted root (the agency's CA; the demo CA in demo mode), who signed,
when the signer says it signed, and the file's SHA-256, by which the audit chain knows it.
"""

import datetime as dt
import hashlib
import os
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from services.shared.settings import Documents

DEMO_MARK = "DEMO"


@dataclass(frozen=True)
class SigningIdentity:
    key: Path
    certificate: Path
    chain: tuple[Path, ...]
    demo: bool = False

    def certificate_sha256(self) -> str:
        cert = x509.load_pem_x509_certificate(self.certificate.read_bytes())
        return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


class SigningNotConfigured(RuntimeError):
    """Outside demo mode, no certificate was given: documents are not issued unsigned."""


def _name(common: str, organisation: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
        ]
    )


def _write(path: Path, data: bytes, private: bool = False) -> None:
    partial = path.with_suffix(".part")
    partial.write_bytes(data)
    if private:
        partial.chmod(0o600)
    partial.replace(path)


def demo_identity(folder: Path, organisation: str = "Telework demo agency") -> SigningIdentity:
    """The demo CA and the head's demo certificate, made once (demo mode only)."""
    ca_pem, cert_pem, key_pem = folder / "ca.pem", folder / "signer.pem", folder / "signer-key.pem"
    if not (ca_pem.exists() and cert_pem.exists() and key_pem.exists()):
        folder.mkdir(parents=True, exist_ok=True)
        now = dt.datetime.now(dt.UTC)
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_name = _name(f"Telework {DEMO_MARK} CA - not a real authority", organisation)
        ca = (
            x509.CertificateBuilder()
            .subject_name(ca_name)
            .issuer_name(ca_name)
            .public_key(ca_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                critical=True,
            )
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
            )
            .sign(ca_key, hashes.SHA256())
        )
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (
            x509.CertificateBuilder()
            .subject_name(_name(f"Head of agency ({DEMO_MARK})", organisation))
            .issuer_name(ca_name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=730))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                # digital signature and non-repudiation (content commitment)
                x509.KeyUsage(True, True, False, False, False, False, False, False, False),
                critical=True,
            )
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                critical=False,
            )
            .sign(ca_key, hashes.SHA256())
        )
        _write(ca_pem, ca.public_bytes(serialization.Encoding.PEM))
        _write(cert_pem, cert.public_bytes(serialization.Encoding.PEM))
        _write(
            key_pem,
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ),
            private=True,
        )
    return SigningIdentity(key_pem, cert_pem, (ca_pem,), demo=True)


def demo_folder(data_dir: Path) -> Path:
    return data_dir / "document-ca"


def identity_from_env(data_dir: Path, demo: bool) -> SigningIdentity | None:
    given = Documents()
    key, cert = given.key, given.cert
    if key and cert:
        chain = tuple(Path(p) for p in given.chain.split(os.pathsep) if p)
        return SigningIdentity(Path(key), Path(cert), chain)
    if demo:
        return demo_identity(demo_folder(data_dir))
    return None


def trust_roots_from_env(data_dir: Path) -> list[Path]:
    """The roots a verifier trusts: `TELEWORK_DOCUMENT_CA` (the agency's CA), or the demo CA
    where this installation made one."""
    given = Documents().ca
    if given:
        return [Path(p) for p in given.split(os.pathsep) if p]
    demo = demo_folder(data_dir) / "ca.pem"
    return [demo] if demo.exists() else []


async def sign(pdf: bytes, who: SigningIdentity, reason: str, location: str) -> bytes:
    """The PDF with a PAdES baseline signature over the whole file."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    signer = signers.SimpleSigner.load(  # type: ignore[no-untyped-call]
        str(who.key), str(who.certificate), ca_chain_files=tuple(str(p) for p in who.chain)
    )
    if signer is None:
        raise SigningNotConfigured(f"cannot load the signing key {who.key}")
    meta = signers.PdfSignatureMetadata(
        field_name="HeadOfAgencySignature",
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=reason,
        location=location,
    )
    out = await signers.async_sign_pdf(IncrementalPdfFileWriter(BytesIO(pdf)), meta, signer=signer)
    signed: bytes = out.getvalue()
    return signed


@dataclass(frozen=True)
class Verification:
    sha256: str
    signed: bool
    intact: bool = False
    whole_file: bool = False
    trusted: bool = False
    signer: str = ""
    signed_at: dt.datetime | None = None
    certificate_sha256: str = ""
    summary: str = ""

    @property
    def holds(self) -> bool:
        return self.signed and self.intact and self.whole_file and self.trusted


class NotAPdf(ValueError):
    pass


async def verify(data: bytes, roots: list[Path]) -> Verification:
    from pyhanko.keys import load_cert_from_pemder
    from pyhanko.pdf_utils.misc import PdfReadError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import async_validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    digest = hashlib.sha256(data).hexdigest()
    if not data.startswith(b"%PDF-"):
        raise NotAPdf("not a PDF file")
    try:
        reader = PdfFileReader(BytesIO(data))
        signatures = reader.embedded_signatures
    except (PdfReadError, ValueError, KeyError) as exc:
        raise NotAPdf(f"unreadable PDF: {exc}") from None
    if not signatures:
        return Verification(digest, signed=False, summary="no signature")
    # Offline: revocation is not fetched (an agency's own CA publishes its CRL to its verifiers).
    context = ValidationContext(
        trust_roots=[load_cert_from_pemder(str(p)) for p in roots],  # type: ignore[no-untyped-call]
        allow_fetching=False,
    )
    status = await async_validate_pdf_signature(signatures[-1], context)
    cert = status.signing_cert
    return Verification(
        sha256=digest,
        signed=True,
        intact=bool(status.intact and status.valid),
        whole_file=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
        trusted=bool(status.trusted),
        signer=cert.subject.human_friendly if cert is not None else "",
        signed_at=status.signer_reported_dt,
        certificate_sha256=hashlib.sha256(cert.dump()).hexdigest() if cert is not None else "",
        summary=status.summary(),
    )
