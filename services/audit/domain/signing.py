"""Signed checkpoints: Ed25519 over the chain head (position, link, time)."""

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey


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


def public_pem(key: Ed25519PrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def sign(key: Ed25519PrivateKey, position: int, hash_hex: str, at: datetime) -> Checkpoint:
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
