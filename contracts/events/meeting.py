"""Electronic-meeting compliance events (R-MTG, seed §7.3–§7.5)."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from contracts.events.base import DomainEvent

MeetingMode = Literal["in_person", "remote"]
Recording = Literal["none", "audio", "audio_video"]


class _MeetingEvent(DomainEvent):
    context = "meeting"
    resource_field = "meeting_id"
    meeting_id: str = Field(description="Meeting id, unique within the platform")


class RuleViolation(BaseModel):
    """One broken rule inside a check result, with its legal basis."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    rule: str
    basis: str
    reason: str


class MeetingPlanned(_MeetingEvent):
    name = "meeting_planned"
    summary_th = "บันทึกการประชุมผ่านสื่ออิเล็กทรอนิกส์ที่วางแผนไว้"
    summary_en = "An electronic meeting was planned"
    title: str
    meeting_kind: str
    classified: bool
    members_total: int = Field(ge=1)
    quorum_fraction: str
    rule_set: str
    starts_at: str = Field(description="ISO 8601 instant with offset")


class MeetingChecked(_MeetingEvent):
    name = "meeting_checked"
    summary_th = "ตรวจสอบความถูกต้องของการประชุมตามกฎหมาย"
    summary_en = "A meeting was checked against its rule set"
    phase: Literal["before", "after"]
    rule_set: str
    allowed: bool
    quorum_required: int
    present: int
    co_located_required: int
    co_located_max: int
    violations: list[RuleViolation]
    allowance_eligible: list[str]


class MeetingAttendanceRecorded(_MeetingEvent):
    name = "attendance_recorded"
    summary_th = "บันทึกการเข้าหรือออกจากการประชุมของกรรมการ"
    summary_en = "A member joined or left a meeting"
    member: str
    action: Literal["joined", "left"]
    mode: MeetingMode
    venue: str | None = None
    in_kingdom: bool
    av_continuous: bool = False
    at: str = Field(description="ISO 8601 instant with offset")


class MeetingIdentityVerified(_MeetingEvent):
    name = "identity_verified"
    summary_th = "ผู้ร่วมประชุมแสดงตนก่อนร่วมประชุมผ่านสื่ออิเล็กทรอนิกส์"
    summary_en = "A participant was identified before joining (Emergency Decree 2563 s.7 (1))"
    member: str
    method: Literal["password", "otp", "vouched", "in_person"]
    at: str = Field(description="ISO 8601 instant with offset")


class MeetingRecordingRegistered(_MeetingEvent):
    name = "recording_registered"
    summary_th = "ลงทะเบียนไฟล์บันทึกเสียงหรือภาพและเสียงของการประชุม"
    summary_en = "The recording of a meeting was registered"
    recording: Recording
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size_bytes: int = Field(ge=0)
    location: str = Field(description="Where the file is stored; the file stays there")
