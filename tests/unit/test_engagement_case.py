"""The engagement aggregate without Temporal (issue #20, item 1): every rule of a step, and the
state folded from the events the steps return."""

from datetime import date, timedelta

import pytest

from contracts.events import engagement as ev
from contracts.events.engagement import Goal, GoalAssessment, ScheduleSpec
from workflows.engagement import rules
from workflows.engagement.case import Engagement
from workflows.engagement.models import (
    AcceptAgreement,
    Assess,
    Chain,
    DecideOrder,
    DecideTermination,
    DraftAgreement,
    FileAppeal,
    Heads,
    Planned,
    Policy,
    ProposeTermination,
    Recall,
    RequestChanges,
    ReviewReport,
    Select,
    State,
    SubmitFinalReport,
    SubmitReport,
)
from workflows.engagement.rules import Refusal

TODAY = date(2026, 12, 1)  # a Tuesday
OFFICIAL, SUPERVISOR, HIGHER, HEAD = "D0102", "D0101", "D0100", "H0001"
HEADS = Heads(agency="ONDE", head=HEAD, acting_head=None, deciding=HEAD)
POLICY = Policy(
    agency_code="ONDE",
    version=1,
    allowed_modes=["regular", "occasional"],
    max_days_per_week=3,
    max_days_per_month=12,
    max_period_months=6,
    max_occasional_working_days=10,
    report_cadence_days=14,
    grace_period_days=3,
)
START = TODAY + timedelta(days=6)
GOALS = [
    Goal(goal_id="G1", description="รายงาน", indicator="text", target="1 ฉบับ", due=START),
]
SCHEDULE = ScheduleSpec(kind="regular_weekdays", start=START, months=1, weekdays=[0, 3])
PLANNED = Planned(dates=[START], start=START, end=START + timedelta(days=30))


def refused(rule: object, *, names: str | None = None) -> Refusal:
    with pytest.raises(Refusal) as caught:
        rule()  # type: ignore[operator]
    if names is not None:
        assert caught.value.rule == names
    return caught.value


def apply(case: Engagement, events: list[object], planned: Planned | None = None) -> None:
    for event in events:
        case.apply(event, TODAY, planned)


def drafting(policy: Policy = POLICY) -> Engagement:
    case = Engagement(engagement_id="ENG-1", official_id=OFFICIAL)
    case.chain = Chain(agency_code="ONDE", agency_path=["ONDE"], chain=[SUPERVISOR, HIGHER])
    apply(case, case.event(ev.OfficialSelected, selection="necessity", selected_by=SUPERVISOR))
    case.open_for_drafting(policy)
    return case


def draft(case: Engagement, by: str = SUPERVISOR) -> None:
    u = DraftAgreement(by=by, goals=GOALS, schedule=SCHEDULE)
    rules.check_draft(case, u, TODAY)
    apply(case, case.draft_agreement(u, PLANNED), PLANNED)


def agreed() -> Engagement:
    case = drafting()
    draft(case)
    mine = AcceptAgreement(
        by=OFFICIAL, agreement_version=1, ethics_acknowledged=True, security_acknowledged=True
    )
    theirs = AcceptAgreement(by=SUPERVISOR, agreement_version=1)
    for u in (mine, theirs):
        rules.check_accept(case, u)
        apply(case, case.accept(u))
    return case


def active() -> Engagement:
    case = agreed()
    apply(case, case.propose(SUPERVISOR))
    apply(case, case.decide_order(DecideOrder(by=HEAD, issue=True), HEADS, "ที่ 1/2569", TODAY))
    apply(case, case.event(ev.EngagementStarted, start=START))
    return case


class TestSelectionAndAgreement:
    def test_a_supervisor_selects_from_the_published_checklists(self) -> None:
        case = Engagement(engagement_id="ENG-1", official_id=OFFICIAL)
        case.chain = Chain(agency_code="ONDE", agency_path=["ONDE"], chain=[SUPERVISOR])
        refused(lambda: rules.check_select(case, Select(by=OFFICIAL)))
        refused(
            lambda: rules.check_select(case, Select(by=SUPERVISOR, traits=["x"])), names="R-SEL-2"
        )
        apply(case, case.select(Select(by=SUPERVISOR)))
        assert case.selected and case.state is State.CHECKING_ELIGIBILITY
        refused(lambda: rules.check_select(case, Select(by=SUPERVISOR)))

    def test_only_the_parties_draft_and_accept(self) -> None:
        case = drafting()
        refused(
            lambda: rules.check_draft(
                case, DraftAgreement(by=OFFICIAL, goals=GOALS, schedule=SCHEDULE), TODAY
            )
        )
        draft(case)
        refused(
            lambda: rules.check_accept(case, AcceptAgreement(by=HIGHER, agreement_version=1)),
            names="R-AGR-1",
        )

    def test_the_official_acknowledges_ethics_and_security(self) -> None:
        case = drafting()
        draft(case)
        refused(
            lambda: rules.check_accept(case, AcceptAgreement(by=OFFICIAL, agreement_version=1)),
            names="R-AGR-3",
        )

    def test_both_accept_the_same_version_and_a_change_asks_again(self) -> None:
        case = agreed()
        assert case.state is State.AGREED
        assert [a.on for a in case.summary().acceptances] == [TODAY, TODAY]
        case = drafting()
        draft(case)
        apply(case, case.accept(AcceptAgreement(by=SUPERVISOR, agreement_version=1)))
        draft(case)  # version 2: the supervisor's acceptance of 1 no longer counts
        assert case.version == 2 and case.accepted == {}
        refused(
            lambda: rules.check_accept(case, AcceptAgreement(by=SUPERVISOR, agreement_version=1)),
            names="R-AGR-2",
        )
        refused(lambda: rules.check_propose(case, SUPERVISOR), names="R-AGR-2")

    def test_changes_requested_clear_acceptances(self) -> None:
        case = drafting()
        draft(case)
        apply(case, case.accept(AcceptAgreement(by=SUPERVISOR, agreement_version=1)))
        u = RequestChanges(by=OFFICIAL, comment="ขอเปลี่ยนวัน")
        rules.check_request_changes(case, u)
        apply(case, case.request_changes(u))
        assert case.accepted == {}

    def test_a_schedule_outside_policy_and_a_goal_due_before_the_start_are_refused(self) -> None:
        case = drafting()
        too_many = ScheduleSpec(
            kind="regular_weekdays", start=START, months=1, weekdays=[0, 1, 2, 3]
        )
        refused(
            lambda: rules.check_draft(
                case, DraftAgreement(by=SUPERVISOR, goals=GOALS, schedule=too_many), TODAY
            ),
            names="R-POL-1",
        )
        early = [GOALS[0].model_copy(update={"due": START - timedelta(days=1)})]
        refused(
            lambda: rules.check_draft(
                case, DraftAgreement(by=SUPERVISOR, goals=early, schedule=SCHEDULE), TODAY
            ),
            names="R-AGR-1",
        )
        blank = [GOALS[0].model_copy(update={"description": "   "})]
        refused(
            lambda: rules.check_draft(
                case, DraftAgreement(by=SUPERVISOR, goals=blank, schedule=SCHEDULE), TODAY
            )
        )


class TestOrder:
    def test_only_the_head_of_agency_decides_and_a_refusal_gives_reasons(self) -> None:
        case = agreed()
        rules.check_propose(case, SUPERVISOR)
        apply(case, case.propose(SUPERVISOR))
        assert case.state is State.PROPOSED
        refused(lambda: rules.check_propose(case, SUPERVISOR))
        refused(lambda: rules.check_head(SUPERVISOR, HEADS), names="R-ORD-2")
        refused(
            lambda: rules.check_decide_order(case, DecideOrder(by=HEAD, issue=False)),
            names="R-ORD-2",
        )

    def test_an_order_sets_the_period_and_a_refusal_ends_the_case(self) -> None:
        case = active()
        assert case.state is State.ACTIVE and case.order_number == "ที่ 1/2569"
        assert (case.start_date, case.end_date) == (PLANNED.start, PLANNED.end)
        refused_case = agreed()
        apply(refused_case, refused_case.propose(SUPERVISOR))
        apply(
            refused_case,
            refused_case.decide_order(
                DecideOrder(by=HEAD, issue=False, reasons="ไม่จำเป็น"), HEADS, None, TODAY
            ),
        )
        assert refused_case.order_refused and refused_case.order_decided

    def test_an_acting_head_is_recorded_as_acting(self) -> None:
        case = agreed()
        apply(case, case.propose(SUPERVISOR))
        acting = Heads(agency="ONDE", head=HEAD, acting_head="H0002", deciding="H0002")
        events = case.decide_order(DecideOrder(by="H0002", issue=True), acting, "ที่ 2/2569", TODAY)
        assert events[0].acting is True


class TestMonitoring:
    def test_a_report_is_taken_only_when_due_and_never_blank(self) -> None:
        case = active()
        refused(
            lambda: rules.check_report(case, SubmitReport(by=OFFICIAL, summary="งาน")),
            names="R-MON-1",
        )
        case.report_falls_due(1)
        refused(lambda: rules.check_report(case, SubmitReport(by=OFFICIAL, summary="   ")))
        refused(lambda: rules.check_report(case, SubmitReport(by=SUPERVISOR, summary="งาน")))
        u = SubmitReport(by=OFFICIAL, summary="งาน")
        rules.check_report(case, u)
        apply(case, case.submit_report(u, START + timedelta(days=3)))
        assert case.reports == {1: "submitted"}

    def test_a_report_after_its_cadence_or_escalation_is_late(self) -> None:
        case = active()
        case.report_falls_due(1)
        apply(case, case.event(ev.ReportEscalated, report_no=1, due=START, escalated_to=HIGHER))
        events = case.submit_report(SubmitReport(by=OFFICIAL, summary="งาน"), START)
        assert events[0].late is True

    def test_a_report_is_reviewed_once(self) -> None:
        case = active()
        case.report_falls_due(1)
        refused(lambda: rules.check_review(case, ReviewReport(by=SUPERVISOR, report_no=1)))
        apply(case, case.submit_report(SubmitReport(by=OFFICIAL, summary="งาน"), START))
        apply(
            case,
            case.event(ev.ProgressReportReviewed, report_no=1, reviewed_by=SUPERVISOR, comment="ดี"),
        )
        refused(lambda: rules.check_review(case, ReviewReport(by=SUPERVISOR, report_no=1)))
        assert case.summary().reviews == {1: "ดี"}


class TestTerminationAndAppeal:
    def test_a_termination_is_proposed_once_and_decided_by_the_head(self) -> None:
        case = active()
        u = ProposeTermination(by=SUPERVISOR, reasons="ขาดการติดต่อ", evidence=["บันทึก"])
        rules.check_propose_termination(case, u)
        apply(
            case,
            case.event(
                ev.TerminationProposed,
                proposed_by=SUPERVISOR,
                reasons=u.reasons,
                evidence=u.evidence,
            ),
        )
        refused(lambda: rules.check_propose_termination(case, u))
        past = DecideTermination(
            by=HEAD, withdraw=True, reasons="ตามเสนอ", effective_date=TODAY - timedelta(days=1)
        )
        refused(lambda: rules.check_decide_termination(case, past, TODAY))
        decision = DecideTermination(by=HEAD, withdraw=True, reasons="ตามเสนอ")
        apply(case, case.withdraw(decision, HEADS, TODAY, "termination"))
        meta = case.summary().withdrawal
        assert meta is not None and meta.proposed_by == SUPERVISOR and meta.effective == TODAY
        assert case.termination_pending is None

    def test_a_recall_is_the_pmo_2565_rule_only(self) -> None:
        case = active()
        refused(
            lambda: rules.check_recall(case, Recall(by=HEAD, reasons="เหตุจำเป็น"), TODAY),
            names="R-LAW-1",
        )
        pmo = drafting(POLICY.model_copy(update={"rule_set": "pmo-2565"}))
        pmo.state = State.ACTIVE
        rules.check_recall(pmo, Recall(by=HEAD, reasons="เหตุจำเป็น"), TODAY)

    def test_an_appeal_is_filed_within_the_period_and_decided_once(self) -> None:
        case = active()
        refused(
            lambda: rules.check_file_appeal(case, FileAppeal(by=OFFICIAL, reasons="ขอทบทวน"), TODAY)
        )
        apply(
            case,
            case.withdraw(
                DecideTermination(by=HEAD, withdraw=True, reasons="x"), HEADS, TODAY, "termination"
            ),
        )
        late = TODAY + timedelta(days=POLICY.appeal_period_days + 1)
        refused(
            lambda: rules.check_file_appeal(case, FileAppeal(by=OFFICIAL, reasons="ขอทบทวน"), late)
        )
        rules.check_file_appeal(case, FileAppeal(by=OFFICIAL, reasons="ขอทบทวน"), TODAY)
        apply(
            case,
            case.event(
                ev.AppealFiled, filed_by=OFFICIAL, reasons="ขอทบทวน", decider=HEAD, decide_by=TODAY
            ),
        )
        refused(
            lambda: rules.check_file_appeal(case, FileAppeal(by=OFFICIAL, reasons="อีกครั้ง"), TODAY)
        )


class TestEnd:
    def test_final_report_assessment_and_report_to_head(self) -> None:
        case = active()
        refused(
            lambda: rules.check_final_report(case, SubmitFinalReport(by=OFFICIAL, summary="สรุป"))
        )
        apply(case, case.event(ev.EngagementEnded, ended_on=PLANNED.end, cause="completed"))
        assert case.state is State.FINAL_REPORT_DUE
        rules.check_final_report(case, SubmitFinalReport(by=OFFICIAL, summary="สรุป"))
        apply(case, case.event(ev.FinalReportSubmitted, summary="สรุป"))
        assert case.summary().state is State.ASSESSMENT
        result = [GoalAssessment(goal_id="G1", result="achieved")]
        refused(
            lambda: rules.check_assess(case, Assess(by=HIGHER, assessments=result)), names="R-EVA-1"
        )
        refused(
            lambda: rules.check_assess(case, Assess(by=SUPERVISOR, assessments=result * 2)),
            names="R-EVA-1",
        )
        rules.check_assess(case, Assess(by=SUPERVISOR, assessments=result))
        apply(case, case.event(ev.GoalsAssessed, assessed_by=SUPERVISOR, assessments=result))
        events = case.report_to_head(SUPERVISOR)
        assert (events[0].achieved, events[0].partly, events[0].not_achieved) == (1, 0, 0)
        apply(case, events)
        assert case.reported and case.summary().assessed_on == TODAY

    def test_the_history_names_every_event_in_order(self) -> None:
        case = active()
        assert case.summary().history == [
            "official_selected",
            "agreement_drafted",
            "agreement_accepted",
            "agreement_accepted",
            "proposed_to_head",
            "order_issued",
            "engagement_started",
        ]


def test_the_history_says_who_took_each_step_and_when() -> None:
    """Issue #16: the engagement page names the person behind each step, with its day."""
    steps = active().summary().steps
    assert [(s.event, s.by) for s in steps] == [
        ("official_selected", SUPERVISOR),
        ("agreement_drafted", SUPERVISOR),
        ("agreement_accepted", OFFICIAL),
        ("agreement_accepted", SUPERVISOR),
        ("proposed_to_head", SUPERVISOR),
        ("order_issued", HEAD),
        ("engagement_started", None),  # the platform, on the day
    ]
    assert {s.on for s in steps} == {TODAY}
