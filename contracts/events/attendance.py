"""Attendance evidence events (R-ATT-1..3; Leave Regulation 2555 clause 11)."""

from datetime import date, datetime
from typing import Literal

from pydantic import Field

from contracts.events.base import DomainEvent

Channel = Literal["web", "mobile", "api"]
FlagKind = Literal["no_check_in", "unscheduled_check_in", "late_check_in", "auto_checked_out"]


class _Attendance(DomainEvent):
    context = "attendance"
    resource_field = "official_id"
    official_id: str
    day: date


class CheckedIn(_Attendance):
    name = "checked_in"
    summary_th = "ลงเวลาเริ่มปฏิบัติราชการนอกสถานที่"
    summary_en = "The official checked in (server time is the record)"
    at: datetime
    channel: Channel
    scheduled: bool = Field(description="The day is a telework day of an order")
    engagement_id: str | None = None


class CheckedOut(_Attendance):
    name = "checked_out"
    summary_th = "ลงเวลาเลิกปฏิบัติราชการ"
    summary_en = "The official checked out"
    at: datetime
    channel: Channel
    automatic: bool = Field(default=False, description="Closed by the system at end of day")


class AttendanceFlagged(_Attendance):
    name = "attendance_flagged"
    summary_th = "พบข้อสังเกตการลงเวลา"
    summary_en = "Something about a day's attendance needs a look (R-ATT-2)"
    flag: FlagKind
    reason: str


class DayClosed(DomainEvent):
    context = "attendance"
    resource_field = "agency_code"
    name = "day_closed"
    summary_th = "ปิดบัญชีลงเวลาประจำวัน"
    summary_en = "A day's attendance was closed: missing check-ins flagged, open ones closed"
    agency_code: str
    day: date
    scheduled: int
    checked_in: int
    flagged: int
