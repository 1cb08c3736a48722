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


def raw_public(public: Ed25519PublicKey) -> str:
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()


def public_from_raw(hex_key: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(bytes.fromhex(hex_key))


@dataclass(frozen=True)
class Rotation:
    """The hand-over of the signing key after the checkpoint at `position` (R-SEC-5)."""

    position: int
    hash: str  # hex link at position
    old_public: str  # raw hex
    new_public: str  # raw hex
    rotated_at: datetime
    old_signature: str = ""
    new_signature: str = ""

    def message(self) -> bytes:
        return json.dumps(
            {
                "rotation": {
                    "position": self.position,
                    "hash": self.hash,
                    "old_public": self.old_public,
                    "new_public": self.new_public,
                    "rotated_at": self.rotated_at.astimezone(UTC).isoformat(),
                }
            },
            sort_keys=True,
            separators=(",", ":"),
        ).encode()

    def signed_by(self, old: Signer, new: Signer) -> "Rotation":
        msg = self.message()
        return Rotation(
            self.position,
            self.hash,
            self.old_public,
            self.new_public,
            self.rotated_at.astimezone(UTC),
            old.sign(msg).hex(),
            new.sign(msg).hex(),
        )

    def holds(self) -> bool:
        """Both keys signed this very hand-over."""
        msg = self.message()
        try:
            public_from_raw(self.old_public).verify(bytes.fromhex(self.old_signature), msg)
            public_from_raw(self.new_public).verify(bytes.fromhex(self.new_signature), msg)
        except (InvalidSignature, ValueError):
            return False
        return True


class BrokenRotation(ValueError):
    def __init__(self, position: int, reason: str) -> None:
        super().__init__(reason)
        self.position = position


@dataclass(frozen=True)
class KeySchedule:
    """Which key signs which checkpoints: `first` up to the first rotation's position, then
    each rotation's new key, the last one being the key in use."""

    first: Ed25519PublicKey
    rotations: tuple[Rotation, ...] = ()

    @classmethod
    def ending_with(cls, current: Ed25519PublicKey, rotations: list[Rotation]) -> "KeySchedule":
        """Follow the hand-overs back from the key in use; each must be signed by both keys
        and hand over from the key the previous one handed to. Raises BrokenRotation."""
        expected = raw_public(current)
        for r in reversed(rotations):
            if r.new_public != expected:
                raise BrokenRotation(
                    r.position,
                    f"the rotation after {r.position} hands over to another key than the next "
                    "one in use",
                )
            if not r.holds():
                raise BrokenRotation(
                    r.position, f"the rotation after {r.position} is not signed by both keys"
                )
            expected = r.old_public
        return cls(public_from_raw(expected), tuple(rotations))

    def key_at(self, position: int) -> Ed25519PublicKey:
        key = self.first
        for r in self.rotations:
            if position <= r.position:
                return key
            key = public_from_raw(r.new_public)
        return key

    def fingerprints(self) -> list[str]:
        return [fingerprint(self.first)] + [
            fingerprint(public_from_raw(r.new_public)) for r in self.rotations
        ]
