"""Audit events: who looked at what (R-INT-2, R-INT-4)."""

from typing import Any

from pydantic import Field

from contracts.events.base import DomainEvent


class AuditQueried(DomainEvent):
    context = "audit"
    resource_field = "auditor_id"
    name = "audit_queried"
    summary_th = "ผู้ตรวจสอบเรียกดูประวัติเหตุการณ์"
    summary_en = "An auditor looked at the history; the look itself is kept in the chain"
    auditor_id: str
    command: str = Field(description="verify | replay | export | rebuild")
    parameters: dict[str, Any]


# Checkpoints belong to no agency: they are published under this pseudo-agency code.
PLATFORM_AGENCY = "TELEWORK"


class CheckpointSigned(DomainEvent):
    """An anchor of the audit chain kept outside its store (R-SEC-5): anyone who keeps these
    can later show a rewrite, a cut or a re-signing of the store at its exact position."""

    context = "audit"
    resource_field = "chain"
    name = "checkpoint_signed"
    summary_th = "ลงนามจุดตรวจสอบของห่วงโซ่ประวัติเหตุการณ์"
    summary_en = "A checkpoint of the audit chain was signed (an anchor to keep outside the store)"
    chain: str = Field(default="audit", description="Which chain: always 'audit' today")
    position: int = Field(ge=1)
    hash: str = Field(pattern=r"^[0-9a-f]{64}$", description="The chain's link at position")
    signed_at: str = Field(description="ISO 8601 instant, as signed")
    signature: str = Field(description="Ed25519 signature (hex) over position, hash, time")
    key_fingerprint: str = Field(description="SHA-256 of the signing key's raw public bytes")


class KeyRotated(DomainEvent):
    """The audit signing key was handed over (R-SEC-5): the old key's last checkpoint, both
    keys, and the hand-over signed by both, so a keeper of anchors can follow the chain from the
    key it began with to the key in use — and tell a rotation from a re-signing."""

    context = "audit"
    resource_field = "chain"
    name = "key_rotated"
    summary_th = "เปลี่ยนกุญแจลงนามของห่วงโซ่ประวัติเหตุการณ์"
    summary_en = "The audit chain's signing key was rotated (signed by the old and the new key)"
    chain: str = Field(default="audit", description="Which chain: always 'audit' today")
    position: int = Field(ge=0, description="The last position signed by the old key")
    hash: str = Field(pattern=r"^[0-9a-f]{64}$", description="The chain's link at position")
    old_fingerprint: str = Field(description="SHA-256 of the old key's raw public bytes")
    new_fingerprint: str = Field(description="SHA-256 of the new key's raw public bytes")
    new_public_key: str = Field(description="The new Ed25519 public key, raw bytes as hex")
    rotated_at: str = Field(description="ISO 8601 instant, as signed")
    old_signature: str = Field(description="The old key's Ed25519 signature (hex)")
    new_signature: str = Field(description="The new key's Ed25519 signature (hex)")
