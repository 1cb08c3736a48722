"""Engagement events: one official's telework from selection to evaluation (R-SEL, R-AGR,
R-ORD, R-MON, R-TRM, R-EVA). The attendance, notification and audit services read these."""

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from contracts.events.base import DomainEvent
from contracts.places import DayPart, Place, RuleSet

Role = Literal["official", "supervisor", "head_of_agency"]


class Goal(BaseModel):
    """A concrete, measurable output (R-AGR-1)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    goal_id: str = Field(min_length=1, max_length=40)
    description: str = Field(min_length=1, max_length=2000)
    indicator: Literal["text", "number", "percent", "date"]
    target: str = Field(min_length=1, max_length=200)
    due: date


class ScheduleSpec(BaseModel):
    """A mode of telework (R-MODE): what `telework schedule` takes."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    kind: Literal[
        "regular_weekdays", "regular_days_per_week", "regular_days_per_month", "occasional"
    ]
    start: date
    months: int = 0
    weekdays: list[int] = Field(default_factory=list, description="0 = Monday … 4 = Friday")
    days: int = 0
    part: DayPart = Field(
        default="full", description="Half-day telework where the policy allows it (issue #19)"
    )


class GoalAssessment(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    goal_id: str
    result: Literal["achieved", "partly", "not_achieved"]
    comment: str = ""


class _Engagement(DomainEvent):
    context = "engagement"
    resource_field = "engagement_id"
    engagement_id: str
    official_id: str


class OfficialSelected(_Engagement):
    name = "official_selected"
    summary_th = "ผู้บังคับบัญชาชั้นต้นคัดเลือกผู้ปฏิบัติราชการนอกสถานที่"
    summary_en = "The first-level supervisor selected the official (R-SEL-1)"
    selection: Literal["voluntary", "necessity"]
    selected_by: str
    necessity_reason: str | None = None
    traits: list[str] = Field(default_factory=list, description="§4 traits recorded")
    readiness: list[str] = Field(default_factory=list, description="§8.2 readiness recorded")


class ActingSupervisorActed(_Engagement):
    """Recorded once per appointment, the first time the appointee takes a step in this case:
    every later step by `acting_id` is explained by it (issue #19)."""

    name = "acting_supervisor_acted"
    summary_th = "ผู้ปฏิบัติหน้าที่แทนผู้บังคับบัญชาดำเนินการในเรื่องนี้"
    summary_en = "An acting supervisor took a step in place of an absent supervisor"
    acting_id: str
    acting_for: str = Field(description="The absent supervisor")
    level: int = Field(ge=0, description="0: first-level supervisor; 1: the next one up; ...")
    grant_id: str
    valid_from: datetime
    valid_to: datetime


class EligibilityChecked(_Engagement):
    name = "eligibility_checked"
    summary_th = "ตรวจสอบลักษณะงานตามข้อ 3"
    summary_en = "The official's work was checked against §3 (R-ELIG-3)"
    status: Literal["may", "partly", "may_not"]
    rule: str


class EngagementRefused(_Engagement):
    name = "engagement_refused"
    summary_th = "ไม่อนุญาตเนื่องจากลักษณะงานไม่สามารถปฏิบัตินอกสถานที่ได้"
    summary_en = "Refused: the work may not be done away from the office (R-ELIG-3)"
    rule: str
    reason: str


class AgreementDrafted(_Engagement):
    name = "agreement_drafted"
    summary_th = "จัดทำร่างข้อตกลงการปฏิบัติราชการนอกสถานที่"
    summary_en = "A version of the agreement was drafted (R-AGR-1)"
    agreement_version: int = Field(ge=1)
    drafted_by: str
    goals: list[Goal]
    schedule: ScheduleSpec
    telework_days: int
    start: date
    end: date
    work_location: Place | None = Field(
        default=None, description="Where the official works away (contracts/places.py)"
    )
    # The policy the agreement was made under (R-POL-1); absent in versions drafted before
    # they were recorded.
    rule_set: RuleSet | None = None
    policy_agency: str | None = None
    policy_version: int | None = None
    kind: Literal["original", "revision", "renewal"] = Field(
        default="original",
        description="original, or a revision or renewal of an ordered engagement",
    )
    # What was planned from the schedule on the agency's working calendar, so that history
    # alone tells the agreed days (issue #16's read model, the audit's rebuild); empty in
    # versions drafted before they were recorded.
    telework_dates: list[date] = Field(
        default_factory=list, description="The telework days planned from the schedule"
    )
    report_due: list[date] = Field(
        default_factory=list,
        description="When each progress report falls due (working days, R-MON-1, R-LAW-2)",
    )


class AgreementChangesRequested(_Engagement):
    name = "agreement_changes_requested"
    summary_th = "ขอแก้ไขร่างข้อตกลง"
    summary_en = "A party asked for changes to the agreement (R-AGR-2)"
    agreement_version: int
    requested_by: str
    role: Role
    comment: str


class AgreementAccepted(_Engagement):
    name = "agreement_accepted"
    summary_th = "ยอมรับข้อตกลง"
    summary_en = "A party accepted a version of the agreement (R-AGR-2, R-AGR-3)"
    agreement_version: int
    accepted_by: str
    role: Role
    ethics_acknowledged: bool = False
    security_acknowledged: bool = False


class ProposedToHead(_Engagement):
    name = "proposed_to_head"
    summary_th = "เสนอหัวหน้าส่วนราชการพิจารณาสั่งให้ปฏิบัติราชการนอกสถานที่"
    summary_en = "A supervisor proposed the engagement to the head of agency (R-ORD-1)"
    agreement_version: int
    proposed_by: str
    head_agency: str
    kind: Literal["original", "revision", "renewal"] = "original"


class OrderIssued(_Engagement):
    name = "order_issued"
    summary_th = "หัวหน้าส่วนราชการมีคำสั่งให้ปฏิบัติราชการนอกสถานที่"
    summary_en = "The head of agency issued the order (R-ORD-2, R-ORD-3)"
    order_number: str = Field(description="ที่ N/BBBB (B.E. year), numbered per agency and year")
    order_date: date
    decided_by: str
    acting: bool = Field(description="Decided by an acting head (รักษาราชการแทน)")
    head_agency: str
    agreement_version: int
    kind: Literal["original", "revision", "renewal"] = "original"
    batch_id: str | None = None
    start: date
    end: date
    telework_dates: list[date]
    goals: list[Goal]
    part: DayPart = Field(
        default="full", description="morning or afternoon: half-day telework (issue #19)"
    )


class OrderRefused(_Engagement):
    name = "order_refused"
    summary_th = "หัวหน้าส่วนราชการไม่อนุญาต"
    summary_en = "The head of agency refused the order (R-ORD-2)"
    decided_by: str
    reasons: str


class EngagementStarted(_Engagement):
    name = "engagement_started"
    summary_th = "เริ่มปฏิบัติราชการนอกสถานที่"
    summary_en = "Telework started"
    start: date


class ProgressReportSubmitted(_Engagement):
    name = "progress_report_submitted"
    summary_th = "รายงานความก้าวหน้า"
    summary_en = "The official reported progress (R-MON-1)"
    report_no: int
    summary: str
    late: bool


class ProgressReportReviewed(_Engagement):
    name = "progress_report_reviewed"
    summary_th = "ผู้บังคับบัญชาตรวจรายงานความก้าวหน้า"
    summary_en = "The supervisor reviewed a progress report (R-MON-1)"
    report_no: int
    reviewed_by: str
    comment: str


class ReportReminderSent(_Engagement):
    name = "report_reminder_sent"
    summary_th = "แจ้งเตือนรายงานความก้าวหน้าที่ถึงกำหนด"
    summary_en = "A progress report was due and not in: reminder (R-MON-2)"
    report_no: int
    due: date


class ReportEscalated(_Engagement):
    name = "report_escalated"
    summary_th = "รายงานความก้าวหน้าเกินกำหนด แจ้งผู้บังคับบัญชาลำดับสูงขึ้นไป"
    summary_en = "A report stayed missing past the grace period: escalated (R-MON-2)"
    report_no: int
    due: date
    escalated_to: str | None


class TerminationProposed(_Engagement):
    name = "termination_proposed"
    summary_th = "เสนอยุติการปฏิบัติราชการนอกสถานที่"
    summary_en = "A supervisor proposed to withdraw the permission (R-TRM-1)"
    proposed_by: str
    reasons: str
    evidence: list[str]


class PermissionWithdrawn(_Engagement):
    name = "permission_withdrawn"
    summary_th = "หัวหน้าส่วนราชการยุติการอนุญาตให้ปฏิบัติราชการนอกสถานที่"
    summary_en = "The head withdrew the permission; the official returns to the office (R-TRM-2)"
    decided_by: str
    effective_date: date
    reasons: str
    grounds: Literal["termination", "recall"] = Field(
        default="termination",
        description="termination: on the supervisor's proposal (seed §9.2.6); recall: the "
        "head's order to return to the office (PM Office regulation 2565)",
    )
    acting: bool = Field(default=False, description="Decided by an acting head (รักษาราชการแทน)")
    head_agency: str | None = Field(default=None, description="The deciding head's agency")


class TerminationRejected(_Engagement):
    name = "termination_rejected"
    summary_th = "หัวหน้าส่วนราชการไม่ยุติการอนุญาต"
    summary_en = "The head kept the permission (R-TRM-2)"
    decided_by: str
    reasons: str


class AppealFiled(_Engagement):
    name = "appeal_filed"
    summary_th = "ผู้ปฏิบัติงานอุทธรณ์คำสั่งยุติการปฏิบัติราชการนอกสถานที่"
    summary_en = "The official appealed the withdrawal of the permission (issue #19)"
    filed_by: str
    reasons: str
    decider: str | None = Field(description="Who decides: the head, or the next higher authority")
    decide_by: date = Field(description="When the decision is due (policy appeal_decision_days)")


class AppealDecisionOverdue(_Engagement):
    name = "appeal_decision_overdue"
    summary_th = "ยังไม่ได้พิจารณาอุทธรณ์ภายในกำหนด"
    summary_en = "The appeal was not decided by its due date"
    decider: str | None
    decide_by: date


class AppealDecided(_Engagement):
    name = "appeal_decided"
    summary_th = "พิจารณาอุทธรณ์แล้ว"
    summary_en = "The appeal was decided"
    decided_by: str
    outcome: Literal["upheld", "overturned"] = Field(
        description="upheld: the withdrawal stands; overturned: it is annulled on the record"
    )
    reasons: str


class EngagementEnded(_Engagement):
    name = "engagement_ended"
    summary_th = "สิ้นสุดการปฏิบัติราชการนอกสถานที่"
    summary_en = "Telework ended, at its end date or by withdrawal"
    ended_on: date
    cause: Literal["completed", "withdrawn"]


class FinalReportSubmitted(_Engagement):
    name = "final_report_submitted"
    summary_th = "รายงานผลการปฏิบัติราชการนอกสถานที่"
    summary_en = "The official reported results (R-EVA-1)"
    summary: str


class GoalsAssessed(_Engagement):
    name = "goals_assessed"
    summary_th = "ผู้บังคับบัญชาประเมินผลตามข้อตกลง"
    summary_en = "The supervisor assessed each goal (R-EVA-1)"
    assessed_by: str
    assessments: list[GoalAssessment]


class ReportedToHead(_Engagement):
    name = "reported_to_head"
    summary_th = "รายงานผลสำเร็จของงานต่อหัวหน้าส่วนราชการ"
    summary_en = "The result was reported to the head of agency (R-EVA-1)"
    reported_by: str
    achieved: int
    partly: int
    not_achieved: int


class EngagementClosed(_Engagement):
    name = "engagement_closed"
    summary_th = "ปิดเรื่อง"
    summary_en = "The engagement was closed"
    outcome: Literal["completed", "withdrawn", "refused", "ineligible", "cancelled"]
