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
