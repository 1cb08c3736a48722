"""Signed checkpoints: Ed25519 over the chain head (position, link, time)."""

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


class Signer(Protocol):
    """What signs checkpoints. An Ed25519 key in a file (the default) is one; a PKCS#11 HSM or
    a cloud KMS adapter offering these two methods is another, and then the private key never
    enters this process (R-SEC-5)."""

    def sign(self, data: bytes) -> bytes: ...

    def public_key(self) -> Ed25519PublicKey: ...


@dataclass(frozen=True)
class Checkpoint:
    position: int
    hash: str  # hex
    signed_at: datetime
    signature: str  # hex

    def message(self) -> bytes:
        return checkpoint_message(self.position, self.hash, self.signed_at)


def checkpoint_message(position: int, hash_hex: str, signed_at: datetime) -> bytes:
    return json.dumps(
        {"position": position, "hash": hash_hex, "signed_at": signed_at.isoformat()},
        sort_keys=True,
        separators=(",", ":"),
    ).encode()


def public_pem(key: Signer) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def sign(key: Signer, position: int, hash_hex: str, at: datetime) -> Checkpoint:
    # UTC: the time comes back from any database in UTC, and the signed bytes must match.
    at = at.astimezone(UTC)
    signature = key.sign(checkpoint_message(position, hash_hex, at)).hex()
    return Checkpoint(position, hash_hex, at, signature)


def signature_holds(public: Ed25519PublicKey, cp: Checkpoint) -> bool:
    try:
        public.verify(bytes.fromhex(cp.signature), cp.message())
        return True
    except (InvalidSignature, ValueError):
        return False


def fingerprint(public: Ed25519PublicKey) -> str:
    """SHA-256 of the raw public key: what anchors pin the chain's key by."""
    import hashlib

    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()
