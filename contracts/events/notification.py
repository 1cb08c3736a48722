"""Notification events: what was told to whom, and what could not be (R-MON-2, R-TRM-2)."""

from typing import Literal

from pydantic import Field

from contracts.events.base import DomainEvent

Channel = Literal["email", "webhook", "inbox"]


class _Notification(DomainEvent):
    context = "notification"
    resource_field = "recipient_id"
    recipient_id: str
    source_event_id: str = Field(description="The event that was notified")
    channel: Channel
    rule: str = Field(description="The routing rule, named by the SPEC requirement it serves")


class NotificationSent(_Notification):
    name = "notification_sent"
    summary_th = "ส่งการแจ้งเตือนแล้ว"
    summary_en = "A notification was delivered"
    attempts: int


class NotificationFailed(_Notification):
    name = "notification_failed"
    summary_th = "ส่งการแจ้งเตือนไม่สำเร็จ"
    summary_en = "A notification failed after its last try; an operator can retry it"
    attempts: int
    error: str


class HelpRequested(DomainEvent):
    """R-MON-3: a teleworker asks IT support for help."""

    context = "support"
    resource_field = "request_id"
    name = "help_requested"
    summary_th = "ผู้ปฏิบัติราชการนอกสถานที่ขอความช่วยเหลือด้านไอที"
    summary_en = "A teleworker asked IT support for help (R-MON-3)"
    request_id: str
    official_id: str
    topic: str
    detail: str
