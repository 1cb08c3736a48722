"""The engagement as a pure aggregate (issue #20, item 1): its state folded from its events,
and the rules a step must pass, each refusal naming its requirement.

No Temporal here: the workflow asks `check_*` in its update validators (before anything is
recorded), brings the facts only I/O can give (the supervisor chain, the policy in force, the
planned calendar, the deciding head, an order number), takes the events a command returns,
applies each one here and records it. Every rule is therefore testable in milliseconds.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from contracts.events import engagement as ev
from workflows.engagement import rules
from workflows.engagement.models import (
    AcceptAgreement,
    Acceptance,
    Chain,
    DecideOrder,
    DecideTermination,
    DraftAgreement,
    Heads,
    Planned,
    Policy,
    ProposeTermination,
    Recall,
    RequestChanges,
    Revise,
    Select,
    State,
    Step,
    SubmitReport,
    Summary,
    Withdrawal,
)
from workflows.engagement.rules import (
    Refusal,
    check_select,
    place_refusal,
    require_goals,
    schedule_refusal,
)

__all__ = ["Engagement", "Refusal", "require_goals", "rules"]


# Who takes each step: the event field that names them.
ACTORS: dict[type[Any], str] = {
    ev.OfficialSelected: "selected_by",
    ev.ActingSupervisorActed: "acting_id",
    ev.AgreementDrafted: "drafted_by",
    ev.AgreementChangesRequested: "requested_by",
    ev.AgreementAccepted: "accepted_by",
    ev.ProposedToHead: "proposed_by",
    ev.OrderIssued: "decided_by",
    ev.OrderRefused: "decided_by",
    ev.ProgressReportReviewed: "reviewed_by",
    ev.TerminationProposed: "proposed_by",
    ev.PermissionWithdrawn: "decided_by",
    ev.TerminationRejected: "decided_by",
    ev.AppealFiled: "filed_by",
    ev.AppealDecided: "decided_by",
    ev.GoalsAssessed: "assessed_by",
    ev.ReportedToHead: "reported_by",
}
BY_THE_OFFICIAL: frozenset[type[Any]] = frozenset(
    {ev.ProgressReportSubmitted, ev.FinalReportSubmitted}
)


@dataclass
class Engagement:
    engagement_id: str
    official_id: str
    assignment_id: str | None = None
    assigned_by: str | None = None
    state: State = State.AWAITING_SELECTION
    chain: Chain | None = None
    policy: Policy | None = None
    selected: bool = False
    version: int = 0
    draft: DraftAgreement | None = None
    planned: Planned | None = None
    accepted: dict[str, int] = field(default_factory=dict)  # role -> version
    acceptances: dict[str, Acceptance] = field(default_factory=dict)
    amendment: str | None = None  # revision | renewal of an ordered engagement
    order_pending: bool = False
    order_decided: bool = False
    order_refused: bool = False
    order_number: str | None = None
    order_meta: tuple[date, str, bool, str] | None = None  # date, by, acting, agency
    start_date: date | None = None
    end_date: date | None = None
    reports: dict[int, str] = field(default_factory=dict)  # due|submitted|late|missing
    report_texts: dict[int, str] = field(default_factory=dict)
    report_reviewed: set[int] = field(default_factory=set)
    review_comments: dict[int, str] = field(default_factory=dict)
    termination_pending: ProposeTermination | None = None
    withdrawal: date | None = None  # the day the permission ends
    withdrawn_on: date | None = None  # the day it was decided (an appeal runs from it)
    withdrawal_meta: Withdrawal | None = None
    appeal: tuple[str | None, date] | None = None  # (who decides, by when)
    appeal_decided: bool = False
    final_report: bool = False
    assessed: bool = False
    assessments: list[Any] = field(default_factory=list)
    assessed_meta: tuple[str, date] | None = None
    reported: bool = False
    acting_recorded: set[str] = field(default_factory=set)  # appointments already named
    history: list[str] = field(default_factory=list)  # event names in order
    steps: list[Step] = field(default_factory=list)  # and who did each, on which day

    # Facts the workflow brings -------------------------------------------------------------

    @property
    def agency(self) -> str:
        assert self.chain is not None
        return self.chain.agency_code

    def open_for_drafting(self, policy: Policy) -> None:
        """Eligible, with the policy in force known: the parties may draft."""
        self.policy = policy
        self.state = State.DRAFTING

    def report_falls_due(self, n: int) -> None:
        self.reports.setdefault(n, "due")

    def agreed(self) -> bool:
        return (
            self.version > 0
            and self.accepted.get("official") == self.version
            and self.accepted.get("supervisor") == self.version
        )

    # The fold ------------------------------------------------------------------------------

    def apply(self, event: Any, on: date, planned: Planned | None = None) -> None:
        """The state after `event`, recorded on `on` (Bangkok). A drafted agreement's planned
        calendar is the calendar's answer, not part of the event: given with it."""
        self.history.append(event.name)
        actor = ACTORS.get(type(event))
        by = getattr(event, actor) if actor else None
        if by is None and type(event) in BY_THE_OFFICIAL:
            by = self.official_id
        self.steps.append(Step(event=event.name, by=by, on=on))
        match event:
            case ev.OfficialSelected():
                self.selected = True
                self.state = State.CHECKING_ELIGIBILITY
            case ev.ActingSupervisorActed():
                self.acting_recorded.add(event.grant_id)
            case ev.AgreementDrafted():
                self.version = event.agreement_version
                self.draft = DraftAgreement(
                    by=event.drafted_by,
                    goals=event.goals,
                    schedule=event.schedule,
                    work_location=event.work_location or "residence",
                )
                self.planned, self.accepted = planned or _planned_in(event), {}
                if event.kind != "original":
                    self.amendment = event.kind
            case ev.AgreementChangesRequested():
                self.accepted = {}
            case ev.AgreementAccepted():
                self.accepted[event.role] = event.agreement_version
                self.acceptances[event.role] = Acceptance(
                    by=event.accepted_by,
                    role=event.role,
                    version=event.agreement_version,
                    on=on,
                    ethics_acknowledged=event.ethics_acknowledged,
                )
                if self.agreed() and self.amendment is None:
                    self.state = State.AGREED
            case ev.ProposedToHead():
                self.order_pending = True
                if self.amendment is None:
                    self.state = State.PROPOSED
            case ev.OrderRefused():
                self.order_pending = False
                if self.amendment is None:
                    self.order_refused = self.order_decided = True
                self.amendment = None
            case ev.OrderIssued():
                self.order_pending = False
                self.order_number = event.order_number
                if event.kind == "renewal" or self.start_date is None:
                    self.start_date = self.start_date or event.start
                self.end_date = event.end
                self.order_meta = (
                    event.order_date,
                    event.decided_by,
                    event.acting,
                    event.head_agency,
                )
                if self.amendment is None:
                    self.state = State.ORDERED
                self.amendment = None
                self.order_decided = True
            case ev.EngagementStarted():
                self.state = State.ACTIVE
            case ev.ProgressReportSubmitted():
                self.reports[event.report_no] = "late" if event.late else "submitted"
                self.report_texts[event.report_no] = event.summary
            case ev.ProgressReportReviewed():
                self.report_reviewed.add(event.report_no)
                self.review_comments[event.report_no] = event.comment
            case ev.ReportEscalated():
                self.reports[event.report_no] = "missing"
            case ev.TerminationProposed():
                self.termination_pending = ProposeTermination(
                    by=event.proposed_by, reasons=event.reasons, evidence=event.evidence
                )
            case ev.TerminationRejected():
                self.termination_pending = None
            case ev.PermissionWithdrawn():
                proposal, self.termination_pending = self.termination_pending, None
                self.withdrawal, self.withdrawn_on = event.effective_date, on
                self.withdrawal_meta = Withdrawal(
                    by=event.decided_by,
                    on=on,
                    effective=event.effective_date,
                    reasons=event.reasons,
                    grounds=event.grounds,
                    acting=event.acting,
                    agency=event.head_agency,
                    proposed_by=proposal.by if proposal else None,
                    proposal_reasons=proposal.reasons if proposal else None,
                )
            case ev.AppealFiled():
                self.appeal = (event.decider, event.decide_by)
            case ev.AppealDecided():
                self.appeal_decided = True
            case ev.EngagementEnded():
                self.state = State.FINAL_REPORT_DUE
            case ev.FinalReportSubmitted():
                self.final_report = True
                self.state = State.ASSESSMENT
            case ev.GoalsAssessed():
                self.assessed = True
                self.assessments = list(event.assessments)
                self.assessed_meta = (event.assessed_by, on)
                self.state = State.ASSESSED
            case ev.ReportedToHead():
                self.reported = True
            case ev.EngagementClosed():
                self.state = State.CLOSED

    # Commands: each returns the events to record --------------------------------------------

    def _event(self, event_type: type[Any], **data: Any) -> Any:
        return event_type(engagement_id=self.engagement_id, official_id=self.official_id, **data)

    def select(self, u: Select) -> list[Any]:
        check_select(self, u)
        return [
            self._event(
                ev.OfficialSelected,
                selection="voluntary",
                selected_by=u.by,
                traits=u.traits,
                readiness=u.readiness,
            )
        ]

    def draft_agreement(self, u: DraftAgreement | Revise, planned: Planned) -> list[Any]:
        assert self.policy is not None
        kind = u.kind if isinstance(u, Revise) else "original"
        return [
            self._event(
                ev.AgreementDrafted,
                agreement_version=self.version + 1,
                drafted_by=u.by,
                goals=u.goals,
                schedule=u.schedule,
                telework_days=len(planned.dates),
                start=planned.start,
                end=planned.end,
                telework_dates=planned.dates,
                report_due=planned.report_due,
                work_location=u.work_location,
                kind=kind,
                rule_set=self.policy.rule_set,
                policy_agency=self.policy.agency_code,
                policy_version=self.policy.version,
            )
        ]

    def request_changes(self, u: RequestChanges) -> list[Any]:
        return [
            self._event(
                ev.AgreementChangesRequested,
                agreement_version=self.version,
                requested_by=u.by,
                role=self.party(u.by),
                comment=u.comment,
            )
        ]

    def accept(self, u: AcceptAgreement) -> list[Any]:
        return [
            self._event(
                ev.AgreementAccepted,
                agreement_version=u.agreement_version,
                accepted_by=u.by,
                role=self.party(u.by),
                ethics_acknowledged=u.ethics_acknowledged,
                security_acknowledged=u.security_acknowledged,
            )
        ]

    def propose(self, by: str) -> list[Any]:
        return [
            self._event(
                ev.ProposedToHead,
                agreement_version=self.version,
                proposed_by=by,
                head_agency=self.agency,
                kind=self.amendment or "original",
            )
        ]

    def decide_order(self, u: DecideOrder, heads: Heads, number: str | None, on: date) -> list[Any]:
        """The head's decision (R-ORD-2); `number` is the order's, allocated when it issues."""
        if not u.issue:
            return [self._event(ev.OrderRefused, decided_by=u.by, reasons=u.reasons)]
        assert self.planned is not None and self.draft is not None and number is not None
        return [
            self._event(
                ev.OrderIssued,
                order_number=number,
                order_date=on,
                decided_by=u.by,
                acting=u.by == heads.acting_head,
                head_agency=heads.agency,
                agreement_version=self.version,
                kind=self.amendment or "original",
                batch_id=u.batch_id,
                start=self.planned.start,
                end=self.planned.end,
                telework_dates=self.planned.dates,
                goals=self.draft.goals,
                part=self.draft.schedule.part,
            )
        ]

    def submit_report(self, u: SubmitReport, on: date) -> list[Any]:
        n = next(k for k in sorted(self.reports) if self.reports[k] in ("due", "missing"))
        late = self.reports[n] == "missing" or self._report_overdue(n, on)
        return [self._event(ev.ProgressReportSubmitted, report_no=n, summary=u.summary, late=late)]

    def _report_overdue(self, n: int, on: date) -> bool:
        assert self.start_date is not None and self.policy is not None
        return on > self.start_date + timedelta(days=self.policy.report_cadence_days * n)

    def withdraw(
        self, u: DecideTermination | Recall, heads: Heads, on: date, grounds: str
    ) -> list[Any]:
        return [
            self._event(
                ev.PermissionWithdrawn,
                decided_by=u.by,
                effective_date=u.effective_date or on,
                reasons=u.reasons,
                grounds=grounds,
                acting=u.by == heads.acting_head,
                head_agency=heads.agency,
            )
        ]

    def report_to_head(self, by: str) -> list[Any]:
        results = [a.result for a in self.assessments]
        return [
            self._event(
                ev.ReportedToHead,
                reported_by=by,
                achieved=results.count("achieved"),
                partly=results.count("partly"),
                not_achieved=results.count("not_achieved"),
            )
        ]

    def event(self, event_type: type[Any], **data: Any) -> list[Any]:
        """A step whose event carries just what it was given."""
        return [self._event(event_type, **data)]

    # Who and when ---------------------------------------------------------------------------

    def require_state(self, *states: State) -> None:
        if self.state not in states:
            raise Refusal(f"not possible while the engagement is {self.state.value}")

    def require_drafting(self) -> None:
        if self.amendment is None:
            self.require_state(State.DRAFTING)
        elif self.order_pending:
            raise Refusal(f"the {self.amendment} is with the head of agency")

    def require_official(self, by: str) -> None:
        if by != self.official_id:
            raise Refusal(f"only the official {self.official_id} may do this")

    # Someone outside the chain captured at the start may be acting for an absent supervisor in
    # it (issue #19). A rule cannot ask identity, so it lets such an actor through and the
    # workflow confirms with identity before anything is recorded.
    def require_supervisor(self, by: str) -> None:
        if self.chain is None or not self.chain.chain or by == self.official_id:
            raise Refusal(f"{by} is not a supervisor of {self.official_id}")

    def party(self, by: str) -> str:
        if by == self.official_id:
            return "official"
        if self.chain is not None and self.chain.chain and by not in self.chain.chain[1:]:
            return "supervisor"  # the first-level supervisor, or someone acting for them
        raise Refusal(
            "only the official and the first-level supervisor are parties to the "
            "agreement (R-AGR-1)",
            "R-AGR-1",
        )

    def require_schedule(self, schedule: Any, place: str, today: date) -> None:
        if self.policy is None:
            raise Refusal("the policy in force is not known yet")
        reason = schedule_refusal(schedule, self.policy, today) or place_refusal(place, self.policy)
        if reason:
            raise Refusal(reason, "R-POL-1")

    # What people see ------------------------------------------------------------------------

    def summary(self) -> Summary:
        draft, planned = self.draft, self.planned
        order = (
            dict(
                zip(
                    ("order_date", "order_decided_by", "order_acting", "order_agency"),
                    self.order_meta,
                    strict=True,
                )
            )
            if self.order_meta
            else {}
        )
        return Summary(
            engagement_id=self.engagement_id,
            official_id=self.official_id,
            state=self.state,
            agreement_version=self.version,
            order_number=self.order_number,
            start=self.start_date,
            end=self.end_date,
            reports=dict(self.reports),
            report_texts=dict(self.report_texts),
            reviews=dict(self.review_comments),
            pending=("termination" if self.termination_pending else self.amendment),
            history=list(self.history),
            steps=list(self.steps),
            goals=list(draft.goals) if draft else [],
            schedule=draft.schedule if draft else None,
            work_location=draft.work_location if draft else None,
            telework_days=len(planned.dates) if planned else 0,
            planned_start=planned.start if planned else None,
            planned_end=planned.end if planned else None,
            planned_dates=list(planned.dates) if planned else [],
            **order,
            acceptances=[a for a in self.acceptances.values() if a.version == self.version],
            withdrawal=self.withdrawal_meta,
            assessments=list(self.assessments),
            assessed_by=self.assessed_meta[0] if self.assessed_meta else None,
            assessed_on=self.assessed_meta[1] if self.assessed_meta else None,
        )


def _planned_in(event: ev.AgreementDrafted) -> Planned | None:
    """The plan a drafted version records (history alone, where the workflow's calendar is
    not at hand); None in versions recorded before plans were."""
    if not (event.telework_dates or event.report_due):
        return None
    return Planned(
        dates=event.telework_dates, start=event.start, end=event.end, report_due=event.report_due
    )


def fold(engagement: Engagement, recorded: list[tuple[Any, date]]) -> Engagement:
    """The state after a sequence of (event, day recorded)."""
    for event, on in recorded:
        engagement.apply(event, on)
    return engagement
