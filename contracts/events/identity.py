"""Identity and policy events (R-POL, R-ELIG, R-INT-4).

Events carry ids, codes and roles, never names, e-mails or citizen ids: subscribers that need a
person's name already hold it (they are the HR source), and the audit chain keeps events for
ever, so personal data stays in the identity service where it can be corrected or erased.
"""

from datetime import date, datetime
from typing import Any, Literal

from pydantic import Field

from contracts.events.base import DomainEvent

Level = Literal["ministry", "department", "bureau", "unit"]
Allowance = Literal["may", "partly", "may_not"]


class _AgencyEvent(DomainEvent):
    context = "identity"
    resource_field = "agency_code"
    agency_code: str


class _OfficialEvent(DomainEvent):
    context = "identity"
    resource_field = "official_id"
    official_id: str


class AgencyRegistered(_AgencyEvent):
    name = "agency_registered"
    summary_th = "ลงทะเบียนหรือปรับปรุงส่วนราชการ"
    summary_en = "An agency was registered or changed"
    parent_code: str | None
    level: Level


class PositionClassified(_AgencyEvent):
    name = "position_classified"
    summary_th = "จัดลักษณะงานของตำแหน่งตามข้อ 3"
    summary_en = "A position was mapped onto a §3 job category"
    position_code: str
    category: str = Field(description="Seed section, e.g. 3.1.1")
    partly: bool


class OfficialRegistered(_OfficialEvent):
    name = "official_registered"
    summary_th = "ลงทะเบียนข้าราชการ"
    summary_en = "An official was registered"
    agency_code: str
    position_code: str


class OfficialUpdated(_OfficialEvent):
    name = "official_updated"
    summary_th = "ปรับปรุงข้อมูลข้าราชการ"
    summary_en = "An official's record changed"
    changed: list[str] = Field(description="Names of the fields that changed (not their values)")
    position_code: str


class OfficialMoved(_OfficialEvent):
    name = "official_moved"
    summary_th = "ข้าราชการย้ายสังกัด"
    summary_en = "An official moved to another agency"
    from_agency: str
    to_agency: str


class SupervisorAssigned(_OfficialEvent):
    name = "supervisor_assigned"
    summary_th = "กำหนดผู้บังคับบัญชาชั้นต้น"
    summary_en = "A first-level supervisor was assigned"
    supervisor_id: str
    previous_supervisor_id: str | None = None


class RoleGranted(_OfficialEvent):
    name = "role_granted"
    summary_th = "มอบบทบาทในระบบ"
    summary_en = "A role was granted over an agency subtree"
    grant_id: str
    role: str
    agency_code: str
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    acting: bool = False
    by: str | None = Field(
        default=None, description="Official id (or operator) who made this change (issue #14)"
    )


class RoleRevoked(_OfficialEvent):
    name = "role_revoked"
    summary_th = "เพิกถอนบทบาทในระบบ"
    summary_en = "A role was revoked"
    grant_id: str
    role: str
    agency_code: str
    by: str | None = Field(
        default=None, description="Official id (or operator) who made this change (issue #14)"
    )


class ActingHeadAppointed(_OfficialEvent):
    name = "acting_head_appointed"
    summary_th = "แต่งตั้งผู้รักษาราชการแทนหัวหน้าส่วนราชการ"
    summary_en = "An acting head of agency was appointed for a period"
    grant_id: str
    agency_code: str
    valid_from: datetime
    valid_to: datetime
    by: str | None = Field(
        default=None, description="Official id (or operator) who made this change (issue #14)"
    )


class ActingHeadEnded(_OfficialEvent):
    name = "acting_head_ended"
    summary_th = "สิ้นสุดการรักษาราชการแทน"
    summary_en = "An acting head's appointment ended early"
    grant_id: str
    agency_code: str
    ended_at: datetime
    by: str | None = Field(
        default=None, description="Official id (or operator) who made this change (issue #14)"
    )


class ActingSupervisorAppointed(_OfficialEvent):
    """`official_id` is the appointee (ผู้ปฏิบัติหน้าที่แทน), who holds the absent supervisor's
    powers over the supervisor's staff for the period (issue #19)."""

    name = "acting_supervisor_appointed"
    summary_th = "มอบหมายผู้ปฏิบัติหน้าที่แทนผู้บังคับบัญชาระหว่างไม่อยู่"
    summary_en = "An acting supervisor was appointed while the supervisor is away"
    grant_id: str
    supervisor_id: str = Field(description="The supervisor who is away")
    agency_code: str
    valid_from: datetime
    valid_to: datetime
    by: str = Field(description="Official id (or operator) who appointed")


class ActingSupervisorEnded(_OfficialEvent):
    name = "acting_supervisor_ended"
    summary_th = "สิ้นสุดการปฏิบัติหน้าที่แทนผู้บังคับบัญชา"
    summary_en = "An acting supervisor's appointment ended early"
    grant_id: str
    supervisor_id: str
    ended_at: datetime
    by: str = Field(description="Official id (or operator) who ended it")


class OfficialDeactivated(_OfficialEvent):
    name = "official_deactivated"
    summary_th = "ข้าราชการพ้นจากระบบ (ย้ายออก ลาออก หรือพ้นจากราชการ)"
    summary_en = "An official left: their sign-in, sessions and roles ended"
    agency_code: str
    by: str = Field(description="Official id (or operator) who deactivated the record")
    grants_revoked: list[str] = Field(default_factory=list, description="Grant ids ended with it")


class PolicyPublished(_AgencyEvent):
    name = "policy_published"
    summary_th = "หัวหน้าส่วนราชการประกาศนโยบายการปฏิบัติราชการนอกสถานที่"
    summary_en = "The head of agency published a telework policy version"
    version: int = Field(ge=1)
    effective_from: date
    document: dict[str, Any]


class EligibilityDetermined(_OfficialEvent):
    name = "eligibility_determined"
    summary_th = "ผลการพิจารณาลักษณะงานที่ปฏิบัตินอกสถานที่ได้"
    summary_en = "An official's eligibility to telework was (re)determined"
    status: Allowance
    rule: str = Field(description="The rule that decided, e.g. §3.2.2")
    policy_agency: str | None = None
    policy_version: int | None = None
    previous_status: Allowance | None = Field(
        default=None, description="The status before this change; absent the first time"
    )
