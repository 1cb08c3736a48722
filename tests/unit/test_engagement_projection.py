"""History alone gives the summary the workflow gives (issue #16, item 6: the portal's read
model folds events with `workflows.engagement.projection`): after every step of a case, the
projection of what was recorded equals the live aggregate's summary, including the two steps
that are not events (opening for drafting, a report falling due)."""

from datetime import date, timedelta
from typing import Any

from contracts.events import engagement as ev
from contracts.events.base import event_class
from tests.unit.test_engagement_case import (
    GOALS,
    HEAD,
    HEADS,
    HIGHER,
    OFFICIAL,
    POLICY,
    SCHEDULE,
    START,
    SUPERVISOR,
    TODAY,
)
from workflows.engagement.case import Engagement
from workflows.engagement.models import (
    AcceptAgreement,
    Chain,
    DecideOrder,
    DraftAgreement,
    Planned,
    Select,
    State,
    SubmitReport,
    Summary,
)
from workflows.engagement.projection import project

DUE = [START + timedelta(days=14 * k) for k in (1, 2, 3)]
PLANNED = Planned(
    dates=[START, START + timedelta(days=3)],
    start=START,
    end=START + timedelta(days=60),
    report_due=DUE,
)


class Recorded:
    """The live case, and its events as the portal receives them: serialized and parsed."""

    def __init__(self) -> None:
        self.case = Engagement(engagement_id="ENG-1", official_id=OFFICIAL)
        self.case.chain = Chain(
            agency_code="ONDE", agency_path=["ONDE"], chain=[SUPERVISOR, HIGHER]
        )
        self.history: list[tuple[Any, date]] = []

    def record(self, events: list[Any], on: date = TODAY, planned: Planned | None = None) -> None:
        for event in events:
            self.case.apply(event, on, planned)
            wire = event_class(event.type_name()).model_validate_json(event.model_dump_json())
            self.history.append((wire, on))

    def projected(self) -> Summary:
        return project("ENG-1", OFFICIAL, self.history)


def test_every_step_of_a_case_projects_to_the_live_summary() -> None:
    r = Recorded()
    case = r.case
    r.record(case.select(Select(by=SUPERVISOR)))
    assert r.projected() == case.summary()
    r.record(case.event(ev.EligibilityChecked, status="may", rule="R-ELIG-3"))
    case.open_for_drafting(POLICY)  # not an event: the projection takes it from eligibility
    assert r.projected().state is State.DRAFTING
    assert r.projected() == case.summary()
    r.record(
        case.draft_agreement(
            DraftAgreement(by=SUPERVISOR, goals=GOALS, schedule=SCHEDULE), PLANNED
        ),
        planned=PLANNED,
    )
    # The planned days travel in the event: the calendar needs no workflow to be drawn.
    assert r.projected().planned_dates == PLANNED.dates
    for u in (
        AcceptAgreement(
            by=OFFICIAL, agreement_version=1, ethics_acknowledged=True, security_acknowledged=True
        ),
        AcceptAgreement(by=SUPERVISOR, agreement_version=1),
    ):
        r.record(case.accept(u))
        assert r.projected() == case.summary()
    r.record(case.propose(SUPERVISOR))
    r.record(case.decide_order(DecideOrder(by=HEAD, issue=True), HEADS, "ที่ 1/2569", TODAY))
    assert r.projected() == case.summary()
    r.record(case.event(ev.EngagementStarted, start=START), on=START)
    case.report_falls_due(1)  # the workflow's monitor, not an event
    assert r.projected().reports == {1: "due"}
    assert r.projected() == case.summary()

    r.record(case.submit_report(SubmitReport(by=OFFICIAL, summary="เสร็จ"), DUE[0]), on=DUE[0])
    case.report_falls_due(2)  # report 1 settled: the next one opens at once
    assert r.projected() == case.summary()
    r.record(case.event(ev.ProgressReportReviewed, report_no=1, reviewed_by=SUPERVISOR, comment=""))
    assert r.projected() == case.summary()
    # Report 2 never comes: escalated, and report 3 opens.
    r.record(case.event(ev.ReportEscalated, report_no=2, due=DUE[1], escalated_to=HIGHER))
    case.report_falls_due(3)
    assert r.projected().reports == {1: "submitted", 2: "missing", 3: "due"}
    assert r.projected() == case.summary()


def test_an_ineligible_case_does_not_open_for_drafting() -> None:
    r = Recorded()
    r.record(r.case.select(Select(by=SUPERVISOR)))
    r.record(r.case.event(ev.EligibilityChecked, status="may_not", rule="R-ELIG-3"))
    assert r.projected().state is State.CHECKING_ELIGIBILITY


def test_no_report_is_due_past_the_last_planned_one() -> None:
    r = Recorded()
    case = r.case
    r.record(case.select(Select(by=SUPERVISOR)))
    r.record(case.event(ev.EligibilityChecked, status="may", rule="R-ELIG-3"))
    case.open_for_drafting(POLICY)
    one = Planned(dates=[START], start=START, end=START + timedelta(days=20), report_due=DUE[:1])
    r.record(
        case.draft_agreement(DraftAgreement(by=SUPERVISOR, goals=GOALS, schedule=SCHEDULE), one),
        planned=one,
    )
    for u in (
        AcceptAgreement(
            by=OFFICIAL, agreement_version=1, ethics_acknowledged=True, security_acknowledged=True
        ),
        AcceptAgreement(by=SUPERVISOR, agreement_version=1),
    ):
        r.record(case.accept(u))
    r.record(case.propose(SUPERVISOR))
    r.record(case.decide_order(DecideOrder(by=HEAD, issue=True), HEADS, "ที่ 2/2569", TODAY))
    r.record(case.event(ev.EngagementStarted, start=START), on=START)
    assert r.projected().reports == {1: "due"}
    case.report_falls_due(1)
    r.record(case.submit_report(SubmitReport(by=OFFICIAL, summary="ครบ"), DUE[0]), on=DUE[0])
    assert r.projected().reports == {1: "submitted"}
