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
