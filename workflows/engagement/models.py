"""Inputs, updates and the state of the engagement workflow.

Every workflow, update and activity takes one model, so fields with defaults can be added later
without breaking recorded histories.
"""

from datetime import date, datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from contracts.events.engagement import Goal, GoalAssessment, ScheduleSpec
from contracts.places import Place


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class State(StrEnum):
    AWAITING_SELECTION = "awaiting_selection"
    CHECKING_ELIGIBILITY = "checking_eligibility"
    DRAFTING = "drafting"
    AGREED = "agreed"
    PROPOSED = "proposed"
    ORDERED = "ordered"
    ACTIVE = "active"
    FINAL_REPORT_DUE = "final_report_due"
    ASSESSMENT = "assessment"
    ASSESSED = "assessed"
    CLOSED = "closed"


class AgreementTemplate(_Model):
    """The agreement a bulk assignment drafts for everyone it assigns (issue #19, item 5)."""

    goals: list[Goal] = Field(min_length=1, max_length=20)
    schedule: ScheduleSpec
    work_location: Place = "residence"


class StartEngagement(_Model):
    engagement_id: str
    official_id: str
    started_by: str  # the official (voluntary application) or the supervisor (assignment)
    selection: Literal["voluntary", "necessity"] = "voluntary"
    necessity_reason: str | None = None
    traits: list[str] = Field(default_factory=list)
    readiness: list[str] = Field(default_factory=list)
    # Set when a bulk assignment started it: the agreement is drafted from the template and,
    # once both parties accept, proposed to the head by the assigner (issue #19, item 5).
    assignment_id: str | None = None
    template: AgreementTemplate | None = None


class AssignForNecessity(_Model):
    """One action assigning many officials for necessity (an epidemic, the office out of
    reach): one engagement each, the same agreement template, one batch order later."""

    assignment_id: str = Field(max_length=60)
    started_by: str  # the assigner, proven like any start (workflows/engagement/proof.py)
    agency_path: list[str] = Field(default_factory=list)  # of the unit assigned, top first
    official_ids: list[str] = Field(min_length=1, max_length=100_000)
    necessity_reason: str = Field(min_length=1, max_length=2000)
    template: AgreementTemplate
    done: int = 0  # officials already started by earlier runs (continue-as-new)
    skipped: dict[str, str] = Field(default_factory=dict)  # official -> why not started


class AssignmentSummary(_Model):
    assignment_id: str
    assigned_by: str
    agency_path: list[str] = Field(default_factory=list)
    officials: int
    started: int
    skipped: dict[str, str] = Field(default_factory=dict)
    finished: bool = False


class OfficialsQuery(_Model):
    official_ids: list[str]


class Select(_Model):
    by: str
    traits: list[str] = Field(default_factory=list)
    readiness: list[str] = Field(default_factory=list)


class DraftAgreement(_Model):
    by: str
    goals: list[Goal] = Field(min_length=1)
    schedule: ScheduleSpec
    work_location: Place = "residence"


class RequestChanges(_Model):
    by: str
    comment: str = Field(min_length=1)


class AcceptAgreement(_Model):
    by: str
    agreement_version: int
    ethics_acknowledged: bool = False
    security_acknowledged: bool = False


class Propose(_Model):
    by: str


class DecideOrder(_Model):
    by: str
    issue: bool
    reasons: str = ""
    batch_id: str | None = None  # engagements of one batch share one order number


class SubmitReport(_Model):
    by: str
    summary: str = Field(min_length=1)


class ReviewReport(_Model):
    by: str
    report_no: int
    comment: str = ""


class ProposeTermination(_Model):
    by: str
    reasons: str = Field(min_length=1)
    evidence: list[str] = Field(min_length=1)


class DecideTermination(_Model):
    by: str
    withdraw: bool
    reasons: str = Field(min_length=1)
    effective_date: date | None = None


class Recall(_Model):
    """The head's order to return to the office (PM Office regulation 2565), for reasons of
    life, body, health or safety, or the service; no supervisor's proposal is needed."""

    by: str
    reasons: str = Field(min_length=1, max_length=2000)
    effective_date: date | None = None


class FileAppeal(_Model):
    by: str
    reasons: str = Field(min_length=1, max_length=4000)


class DecideAppeal(_Model):
    by: str
    overturn: bool
    reasons: str = Field(min_length=1, max_length=4000)


class Revise(_Model):
    by: str
    kind: Literal["revision", "renewal"]
    goals: list[Goal] = Field(min_length=1)
    schedule: ScheduleSpec
    work_location: Place = "residence"


class SubmitFinalReport(_Model):
    by: str
    summary: str = Field(min_length=1)


class Assess(_Model):
    by: str
    assessments: list[GoalAssessment] = Field(min_length=1)


class ReportToHead(_Model):
    by: str


class Ack(_Model):
    """What every update returns: where the engagement stands now."""

    state: State
    detail: dict[str, Any] = Field(default_factory=dict)


class Acceptance(_Model):
    """A party's acceptance of a version of the agreement, as the agreement document prints it."""

    by: str
    role: str
    version: int
    on: date
    ethics_acknowledged: bool = False


class Withdrawal(_Model):
    """The head's decision to end telework early (seed §9.2.6) or to recall (PMO 2565), as the
    termination document prints it."""

    by: str
    on: date
    effective: date
    reasons: str
    grounds: Literal["termination", "recall"]
    acting: bool = False
    agency: str | None = None
    proposed_by: str | None = None
    proposal_reasons: str | None = None


class Step(_Model):
    """One event of the engagement's history: what happened, who did it (none for what the
    platform did on its own: a reminder, the start), on which day (Bangkok)."""

    event: str
    by: str | None = None
    on: date | None = None


class Summary(_Model):
    engagement_id: str
    official_id: str
    state: State
    agreement_version: int = 0
    order_number: str | None = None
    start: date | None = None
    end: date | None = None
    reports: dict[int, str] = Field(default_factory=dict)  # report_no -> submitted|late|missing
    report_texts: dict[int, str] = Field(default_factory=dict)  # report_no -> what it said
    reviews: dict[int, str] = Field(default_factory=dict)  # report_no -> the review's comment
    pending: str | None = None
    history: list[str] = Field(default_factory=list)  # event names in order
    steps: list[Step] = Field(default_factory=list)  # the history with who and when (issue #16)
    # The current draft, for people to read before they accept, propose or order (issue #16).
    goals: list[Goal] = Field(default_factory=list)
    schedule: ScheduleSpec | None = None
    work_location: str | None = None
    telework_days: int = 0
    planned_start: date | None = None
    planned_end: date | None = None
    planned_dates: list[date] = Field(default_factory=list)  # the agreement's telework days
    # Who ordered, when and for which agency: what the order document prints (issue #17).
    order_date: date | None = None
    order_decided_by: str | None = None
    order_acting: bool = False
    order_agency: str | None = None
    # The documents of issue #17: each party's acceptance of the current version, the head's
    # decision to end early, and the final assessment.
    acceptances: list[Acceptance] = Field(default_factory=list)
    withdrawal: Withdrawal | None = None
    assessments: list[GoalAssessment] = Field(default_factory=list)
    assessed_by: str | None = None
    assessed_on: date | None = None


# Activity inputs and results --------------------------------------------------------------


class OfficialRef(_Model):
    official_id: str


class Chain(_Model):
    agency_code: str
    agency_path: list[str]
    chain: list[str]  # first-level supervisor first
    # Who acts today for an absent supervisor of the chain (issue #19); informative only: the
    # workflow asks identity at each step rather than trust a copy taken at its start.
    acting: dict[str, str] = Field(default_factory=dict)


class ActingQuery(_Model):
    official_id: str
    acting_id: str
    at: datetime


class ActingTerm(_Model):
    """Whom `acting_id` stands in for in the official's chain at the time asked (issue #19):
    `level` 0 is the first-level supervisor; `acting_for` None when nobody."""

    acting_for: str | None = None
    level: int = -1
    grant_id: str | None = None
    valid_from: datetime | None = None
    valid_to: datetime | None = None


class EligibilityResult(_Model):
    status: Literal["may", "partly", "may_not"]
    rule: str


class HeadQuery(_Model):
    agency_code: str
    on: date


class Heads(_Model):
    agency: str
    head: str | None
    acting_head: str | None
    deciding: str | None


class PolicyQuery(_Model):
    agency_code: str
    on: date


class Policy(_Model):
    agency_code: str
    version: int
    allowed_modes: list[str]
    max_days_per_week: int
    max_days_per_month: int
    max_period_months: int
    max_occasional_working_days: int
    report_cadence_days: int
    grace_period_days: int
    extra_holidays: list[date] = Field(default_factory=list)
    # Defaults: what policies published before these existed meant (issue #19).
    rule_set: str = "onde-manual"
    work_locations: list[str] = Field(default_factory=list)
    min_office_days_per_week: int = 0
    request_notice_working_days: int = 0
    half_days: bool = False
    appeal_period_days: int = 15
    appeal_decided_by: str = "higher_authority"
    appeal_decision_days: int = 30


class PlanSchedule(_Model):
    schedule: ScheduleSpec
    extra_holidays: list[date] = Field(default_factory=list)
    report_cadence_days: int | None = None  # given: the report due dates are planned too


class Planned(_Model):
    dates: list[date]
    start: date
    end: date
    # Progress reports fall due on working days (R-LAW-2). Empty in histories recorded before
    # they were planned here; those keep their calendar-day due dates when replayed.
    report_due: list[date] = Field(default_factory=list)


class OrderNumberRequest(_Model):
    head_agency: str
    order_date: date
    key: str  # the batch id, or the engagement id for a single order: retries reuse the number


class RecordEvent(_Model):
    engagement_id: str
    official_id: str
    agency: str
    seq: int
    event_type: str
    data: dict[str, Any]
    state: State


class RecordEvents(_Model):
    """Events one step decided, recorded in one transaction (one activity, not one each)."""

    events: list[RecordEvent] = Field(min_length=1)


class PrepareAssigned(_Model):
    """What an engagement started by a bulk assignment asks before drafting from the template,
    in one activity: its chain, eligibility, the policy in force and the template's plan."""

    official_id: str
    on: date
    schedule: ScheduleSpec


class Prepared(_Model):
    chain: Chain
    eligibility: EligibilityResult
    policy: Policy
    planned: Planned | None  # None: the calendar refused the template's schedule (`unplanned`)
    unplanned: str | None = None
