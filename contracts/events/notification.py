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


class HelpTaken(DomainEvent):
    """R-MON-3: someone of IT support took a help request (the queue, issue #16)."""

    context = "support"
    resource_field = "request_id"
    name = "help_taken"
    summary_th = "เจ้าหน้าที่ไอทีรับเรื่องขอความช่วยเหลือ"
    summary_en = "IT support took a help request"
    request_id: str
    official_id: str
    taken_by: str


class HelpReplied(DomainEvent):
    """R-MON-3: IT support answered a help request; the official is told."""

    context = "support"
    resource_field = "request_id"
    name = "help_replied"
    summary_th = "เจ้าหน้าที่ไอทีตอบคำขอความช่วยเหลือ"
    summary_en = "IT support answered a help request"
    request_id: str
    official_id: str
    replied_by: str
    text: str = Field(min_length=1, max_length=4000)


class HelpClosed(DomainEvent):
    """R-MON-3: a help request was closed, with what resolved it; the official is told."""

    context = "support"
    resource_field = "request_id"
    name = "help_closed"
    summary_th = "ปิดเรื่องขอความช่วยเหลือด้านไอที"
    summary_en = "A help request was closed"
    request_id: str
    official_id: str
    closed_by: str
    resolution: str = Field(max_length=4000)
