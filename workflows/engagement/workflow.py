"""The engagement workflow: one per engagement, id = engagement id (SPEC's whole story).

The workflow does no I/O: identity questions, the calendar, order numbers and every event go
through activities. Updates are validated before anything is recorded, so a wrong actor, a
wrong state, ineligible work or a schedule outside policy is refused with a reason the caller
sees, and the history stays clean.
"""

import asyncio
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from typing import Any, Literal

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from contracts.events import engagement as ev
    from contracts.selection import READINESS, TRAITS, unknown
    from workflows.engagement.models import (
        AcceptAgreement,
        Acceptance,
        Ack,
        ActingQuery,
        ActingTerm,
        Assess,
        Chain,
        DecideAppeal,
        DecideOrder,
        DecideTermination,
        DraftAgreement,
        EligibilityResult,
        FileAppeal,
        HeadQuery,
        Heads,
        OfficialRef,
        OrderNumberRequest,
        Planned,
        PlanSchedule,
        Policy,
        PolicyQuery,
        Propose,
        ProposeTermination,
        Recall,
        RecordEvent,
        ReportToHead,
        RequestChanges,
        ReviewReport,
        Revise,
        Select,
        StartEngagement,
        State,
        SubmitFinalReport,
        SubmitReport,
        Summary,
        Withdrawal,
    )
    from workflows.engagement.rules import place_refusal, schedule_refusal

# Thailand keeps no daylight saving: a fixed +07:00 is exact and needs no tz database.
BANGKOK = timezone(timedelta(hours=7))
IO = timedelta(seconds=30)


def refuse(reason: str) -> ApplicationError:
    # non_retryable: an update refused for cause must not be retried by the SDK.
    return ApplicationError(reason, type="Refused", non_retryable=True)


@workflow.defn
class EngagementWorkflow:
    @workflow.init
    def __init__(self, start: StartEngagement) -> None:
        self.start_input = start
        self.state = State.AWAITING_SELECTION
        self.seq = 0
        self.history: list[str] = []
        self.record_lock = asyncio.Lock()
        self.chain: Chain | None = None
        self.policy: Policy | None = None
        self.selected = False
        self.version = 0
        self.draft: DraftAgreement | None = None
        self.planned: Planned | None = None
        self.accepted: dict[str, int] = {}  # role -> version
        # Who accepted and when (role -> acceptance), for the agreement document (issue #17).
        # State only, no commands: histories recorded before it replay unchanged.
        self.acceptances: dict[str, Acceptance] = {}
        self.withdrawal_meta: Withdrawal | None = None
        self.assessed_meta: tuple[str, date] | None = None
        self.amendment: str | None = None  # revision | renewal while active
        self.order_number: str | None = None
        self.order_pending = False
        self.order_decided = False
        self.order_refused = False
        self.start_date: date | None = None
        self.end_date: date | None = None
        self.reports: dict[int, str] = {}
        self.report_reviewed: set[int] = set()
        # What each report said and what its review said, for the pages (state only, issue #16).
        self.report_texts: dict[int, str] = {}
        self.review_comments: dict[int, str] = {}
        self.termination_pending: ProposeTermination | None = None
        self.withdrawal: date | None = None
        self.order_meta: tuple[date, str, bool, str] | None = None  # date, by, acting, agency
        self.withdrawn_on: date | None = None  # the day the head decided (an appeal runs from it)
        self.appeal: tuple[str | None, date] | None = None  # (who decides, by when)
        self.appeal_decided = False
        self.returned_to_office = False
        self.final_report = False
        self.assessed = False
        self.reported = False
        self.assessments: list[Any] = []
        self.acting_recorded: set[str] = set()  # appointments already named in the history

    # The story ---------------------------------------------------------------------------------

    @workflow.run
    async def run(self, start: StartEngagement) -> Summary:
        self.chain = await self._io(
            "supervisor_chain", OfficialRef(official_id=start.official_id), result_type=Chain
        )
        if start.started_by == start.official_id and start.selection == "voluntary":
            await workflow.wait_condition(lambda: self.selected)  # R-SEL-1: supervisor selects
        else:
            self._require_supervisor(start.started_by)
            await self._confirm_supervisor(start.started_by)
            self.selected = True
            await self._record(
                ev.OfficialSelected,
                selection=start.selection,
                selected_by=start.started_by,
                necessity_reason=start.necessity_reason,
                traits=start.traits,
                readiness=start.readiness,
            )
        self.state = State.CHECKING_ELIGIBILITY
        eligibility = await self._io(
            "eligibility", OfficialRef(official_id=start.official_id), result_type=EligibilityResult
        )
        await self._record(ev.EligibilityChecked, status=eligibility.status, rule=eligibility.rule)
        if eligibility.status == "may_not":  # R-ELIG-3: refused with the rule that refused it
            await self._record(
                ev.EngagementRefused,
                rule=eligibility.rule,
                reason=f"work under {eligibility.rule} may not be done away from the office",
            )
            return await self._close("ineligible")
        self.policy = await self._io(
            "policy_in_force",
            PolicyQuery(agency_code=self._agency, on=self._today()),
            result_type=Policy,
        )

        if start.template is not None:
            await self._draft_from_template(start)  # before anyone may act on it (`settled`)
        self.state = State.DRAFTING
        await workflow.wait_condition(lambda: self.order_decided)
        if self.order_refused:
            return await self._close("refused")

        self.state = State.ORDERED
        await self._sleep_until(self.start_date, self._ending)
        if not self._ending():
            self.state = State.ACTIVE
            await self._record(ev.EngagementStarted, start=self._today())
            await self._monitor()
        ended_on = self.withdrawal or self.end_date or self._today()
        await self._record(
            ev.EngagementEnded,
            ended_on=ended_on,
            cause="withdrawn" if self.withdrawal else "completed",
        )

        self.state = State.FINAL_REPORT_DUE
        await workflow.wait_condition(lambda: self.final_report)
        self.state = State.ASSESSMENT
        await workflow.wait_condition(lambda: self.assessed)
        self.state = State.ASSESSED
        await workflow.wait_condition(lambda: self.reported)
        # An appeal under way keeps the case open until it is decided (issue #19).
        await workflow.wait_condition(lambda: self.appeal is None or self.appeal_decided)
        return await self._close("withdrawn" if self.withdrawal else "completed")

    async def _monitor(self) -> None:
        """R-MON-1/2: a report per cadence; missing at its due time → reminder; still missing
        after the grace period → escalation to the higher supervisor."""
        assert self.policy is not None
        # Planned due dates (working days) when the schedule planned them from this start;
        # otherwise, as recorded histories did, every cadence of calendar days.
        planned_due = (
            self.planned.report_due
            if self.planned is not None and self.start_date == self.planned.start
            else []
        )
        report_no = 0
        while not self._ending():
            report_no += 1
            assert self.start_date is not None and self.end_date is not None
            if planned_due:
                if report_no > len(planned_due):
                    break
                due = planned_due[report_no - 1]
            else:
                due = self.start_date + timedelta(days=self.policy.report_cadence_days * report_no)
            if due > self.end_date:
                break
            self.reports.setdefault(report_no, "due")
            n = report_no
            await self._sleep_until(due, lambda n=n: self._settled(n))
            if self._ending():
                break
            if self.reports[n] != "due":
                continue  # in on time
            await self._record(ev.ReportReminderSent, report_no=n, due=due)
            escalate_at = due + timedelta(days=self.policy.grace_period_days)
            await self._sleep_until(escalate_at, lambda n=n: self._settled(n))
            if self._ending():
                break
            if self.reports[n] == "due":
                assert self.chain is not None
                higher = self.chain.chain[1] if len(self.chain.chain) > 1 else None
                # Nobody above the first-level supervisor: the head of agency hears of it
                # (issue #19). Patched: histories escalated to nobody replay as they were.
                if higher is None and workflow.patched("escalate-to-head-when-no-higher"):
                    higher = (await self._heads()).deciding
                self.reports[n] = "missing"
                await self._record(ev.ReportEscalated, report_no=n, due=due, escalated_to=higher)
        await self._sleep_until(self.end_date, self._ending)

    def _settled(self, n: int) -> bool:
        return self._ending() or self.reports[n] != "due"

    def _ending(self) -> bool:
        # A flag set by a timer, not a date comparison: wait conditions are re-evaluated only
        # when something happens, and the passing of time alone is not such a thing.
        return self.returned_to_office

    async def _return_to_office_on(self, day: date) -> None:
        await self._sleep_until(day, lambda: False)
        self.returned_to_office = True

    # Updates -----------------------------------------------------------------------------------

    @workflow.update
    async def settled(self) -> Ack:
        """Returns once the engagement waits for a person again (its set-up steps — supervisor
        chain, eligibility, policy — are activities that run on their own)."""
        await workflow.wait_condition(self._idle)
        return self._ack()

    def _idle(self) -> bool:
        if self.chain is None or self.state is State.CHECKING_ELIGIBILITY:
            return False
        return not (self.state is State.AWAITING_SELECTION and self.selected)

    @workflow.update
    async def select(self, u: Select) -> Ack:
        await self._confirm_supervisor(u.by, recheck=lambda: self._v_select(u))
        await self._record(
            ev.OfficialSelected,
            selection="voluntary",
            selected_by=u.by,
            traits=u.traits,
            readiness=u.readiness,
        )
        self.selected = True
        await workflow.wait_condition(lambda: self.state is not State.AWAITING_SELECTION)
        await workflow.wait_condition(self._idle)
        return self._ack()

    @select.validator
    def _v_select(self, u: Select) -> None:
        self._require_state(State.AWAITING_SELECTION)
        if self.selected:
            raise refuse("already selected")
        self._require_supervisor(u.by)
        self._require_checklists(u.traits, u.readiness)

    @workflow.update
    async def draft_agreement(self, u: DraftAgreement) -> Ack:
        await self._confirm_supervisor(u.by, recheck=lambda: self._v_draft(u))
        return await self._draft(u)

    async def _draft(self, u: DraftAgreement) -> Ack:
        planned = await self._plan(u)
        self.version += 1
        self.draft, self.planned, self.accepted = u, planned, {}
        await self._record(
            ev.AgreementDrafted,
            agreement_version=self.version,
            drafted_by=u.by,
            goals=u.goals,
            schedule=u.schedule,
            telework_days=len(planned.dates),
            start=planned.start,
            end=planned.end,
            work_location=u.work_location,
            **self._policy_record(),
        )
        return self._ack(agreement_version=self.version, telework_days=len(planned.dates))

    async def _draft_from_template(self, start: StartEngagement) -> None:
        """A bulk assignment (issue #19, item 5) drafts the agreement from its template in the
        assigner's name, who accepts for the supervisor's side when they are the first-level
        supervisor. A template this official's policy does not allow is sent back to the
        supervisor as a request for changes; they draft by hand."""
        template = start.template
        assert template is not None and self.chain is not None
        try:
            self._require_schedule(template.schedule, template.work_location)
            self._require_goals(template.goals, template.schedule.start)
        except ApplicationError as exc:
            await self._record(
                ev.AgreementChangesRequested,
                agreement_version=0,
                requested_by=start.started_by,
                role="supervisor",
                comment=f"the assignment's template does not fit: {exc.message}",
            )
            return
        await self._draft(
            DraftAgreement(
                by=start.started_by,
                goals=template.goals,
                schedule=template.schedule,
                work_location=template.work_location,
            )
        )
        if self.chain.chain and start.started_by == self.chain.chain[0]:
            self.accepted["supervisor"] = self.version
            await self._record(
                ev.AgreementAccepted,
                agreement_version=self.version,
                accepted_by=start.started_by,
                role="supervisor",
            )

    def _policy_record(self) -> dict[str, Any]:
        """The policy an agreement version is made under (R-POL-1)."""
        assert self.policy is not None
        return {
            "rule_set": self.policy.rule_set,
            "policy_agency": self.policy.agency_code,
            "policy_version": self.policy.version,
        }

    @draft_agreement.validator
    def _v_draft(self, u: DraftAgreement) -> None:
        self._require_drafting()
        self._require_supervisor(u.by)
        self._require_schedule(u.schedule, u.work_location)
        self._require_goals(u.goals, u.schedule.start)

    @workflow.update
    async def revise(self, u: Revise) -> Ack:
        """An active engagement gets a new agreement version (revision) or another period
        (renewal); it runs on under the old order until the head approves the new one."""
        await self._confirm_supervisor(u.by, recheck=lambda: self._v_revise(u))
        self.amendment = u.kind
        return await self._draft(
            DraftAgreement(
                by=u.by, goals=u.goals, schedule=u.schedule, work_location=u.work_location
            )
        )

    @revise.validator
    def _v_revise(self, u: Revise) -> None:
        self._require_state(State.ACTIVE, State.ORDERED)
        if self.amendment is not None:
            raise refuse(f"a {self.amendment} is already under way")
        self._require_supervisor(u.by)
        self._require_schedule(u.schedule, u.work_location)
        self._require_goals(u.goals, u.schedule.start)

    @workflow.update
    async def request_changes(self, u: RequestChanges) -> Ack:
        role = self._party(u.by)
        if role == "supervisor":
            await self._confirm_supervisor(
                u.by, first_level=True, recheck=lambda: self._v_changes(u)
            )
        self.accepted = {}
        await self._record(
            ev.AgreementChangesRequested,
            agreement_version=self.version,
            requested_by=u.by,
            role=role,
            comment=u.comment,
        )
        return self._ack()

    @request_changes.validator
    def _v_changes(self, u: RequestChanges) -> None:
        self._require_drafting()
        if self.draft is None:
            raise refuse("there is no draft to change yet")
        self._party(u.by)

    @workflow.update
    async def accept_agreement(self, u: AcceptAgreement) -> Ack:
        role = self._party(u.by)
        if role == "supervisor":
            await self._confirm_supervisor(
                u.by, first_level=True, recheck=lambda: self._v_accept(u)
            )
        self.accepted[role] = u.agreement_version
        self.acceptances[role] = Acceptance(
            by=u.by,
            role=role,
            version=u.agreement_version,
            on=self._today(),
            ethics_acknowledged=u.ethics_acknowledged,
        )
        await self._record(
            ev.AgreementAccepted,
            agreement_version=u.agreement_version,
            accepted_by=u.by,
            role=role,
            ethics_acknowledged=u.ethics_acknowledged,
            security_acknowledged=u.security_acknowledged,
        )
        if self._agreed():
            self.state = State.AGREED if self.amendment is None else self.state
            if self.start_input.assignment_id and self.amendment is None and not self.order_pending:
                # A bulk assignment proposes each agreed engagement for its batch order.
                await self._propose(self.start_input.started_by)
        return self._ack(agreed=self._agreed())

    @accept_agreement.validator
    def _v_accept(self, u: AcceptAgreement) -> None:
        self._require_drafting()
        role = self._party(u.by)
        if self.draft is None:
            raise refuse("there is no draft to accept yet")
        if u.agreement_version != self.version:
            raise refuse(
                f"version {u.agreement_version} is not the current draft "
                f"(version {self.version}); any change needs a new acceptance"
            )
        if role == "official" and not (u.ethics_acknowledged and u.security_acknowledged):
            raise refuse(
                "the official must acknowledge the ethics guideline (§10) and the "
                "security rules as part of the agreement (R-AGR-3)"
            )
        if self.accepted.get(role) == self.version:
            raise refuse(f"the {role} already accepted version {self.version}")

    @workflow.update
    async def propose(self, u: Propose) -> Ack:
        await self._confirm_supervisor(u.by, recheck=lambda: self._v_propose(u))
        await self._propose(u.by)
        return self._ack()

    async def _propose(self, by: str) -> None:
        self.state = State.PROPOSED if self.amendment is None else self.state
        self.order_pending = True
        await self._record(
            ev.ProposedToHead,
            agreement_version=self.version,
            proposed_by=by,
            head_agency=self._agency,
            kind=self.amendment or "original",
        )

    @propose.validator
    def _v_propose(self, u: Propose) -> None:
        self._require_supervisor(u.by)  # first-level or higher (R-ORD-1)
        if not self._agreed():
            raise refuse("both parties must accept the same agreement version first (R-AGR-2)")
        if self.order_pending:
            raise refuse("already proposed to the head of agency")
        if self.amendment is None:
            self._require_state(State.AGREED)

    @workflow.update
    async def decide_order(self, u: DecideOrder) -> Ack:
        heads = await self._heads()
        if u.by != heads.deciding:  # R-ORD-2: only the head, or the acting head, of the agency
            raise refuse(
                f"{u.by} is not the head of agency {heads.agency} today"
                + (f" (acting head: {heads.acting_head})" if heads.acting_head else "")
            )
        assert self.planned is not None and self.draft is not None
        self.order_pending = False
        kind = self.amendment or "original"
        if not u.issue:
            await self._record(ev.OrderRefused, decided_by=u.by, reasons=u.reasons)
            if self.amendment is None:
                self.order_refused = self.order_decided = True
            self.amendment = None
            return self._ack()
        number = await self._io(
            "allocate_order_number",
            OrderNumberRequest(
                head_agency=heads.agency,
                order_date=self._today(),
                key=u.batch_id or f"{workflow.info().workflow_id}:{self.version}",
            ),
            result_type=str,
        )
        self.order_number = number
        if kind == "renewal" or self.start_date is None:
            self.start_date = self.start_date or self.planned.start
        self.end_date = self.planned.end
        await self._record(
            ev.OrderIssued,
            order_number=number,
            order_date=self._today(),
            decided_by=u.by,
            acting=u.by == heads.acting_head,
            head_agency=heads.agency,
            agreement_version=self.version,
            kind=kind,
            batch_id=u.batch_id,
            start=self.planned.start,
            end=self.planned.end,
            telework_dates=self.planned.dates,
            goals=self.draft.goals,
            part=self.draft.schedule.part,
        )
        self.order_meta = (self._today(), u.by, u.by == heads.acting_head, heads.agency)
        if self.amendment is None:
            self.state = State.ORDERED
        self.amendment = None
        self.order_decided = True
        return self._ack(order_number=number)

    @decide_order.validator
    def _v_decide_order(self, u: DecideOrder) -> None:
        if not self.order_pending:
            raise refuse("nothing has been proposed to the head of agency")
        if not u.issue and not u.reasons.strip():
            raise refuse("a refusal must give its reasons")

    @workflow.update
    async def submit_report(self, u: SubmitReport) -> Ack:
        n = next(k for k in sorted(self.reports) if self.reports[k] in ("due", "missing"))
        late = self.reports[n] == "missing" or self._report_overdue(n)
        self.reports[n] = "late" if late else "submitted"
        self.report_texts[n] = u.summary
        await self._record(ev.ProgressReportSubmitted, report_no=n, summary=u.summary, late=late)
        return self._ack(report_no=n, late=late)

    @submit_report.validator
    def _v_report(self, u: SubmitReport) -> None:
        self._require_state(State.ACTIVE)
        self._require_official(u.by)
        self._require_text(u.summary, "progress report")
        if not any(v in ("due", "missing") for v in self.reports.values()):
            raise refuse("no progress report is due yet")

    def _report_overdue(self, n: int) -> bool:
        assert self.start_date is not None and self.policy is not None
        return self._today() > self.start_date + timedelta(days=self.policy.report_cadence_days * n)

    @workflow.update
    async def review_report(self, u: ReviewReport) -> Ack:
        await self._confirm_supervisor(u.by, recheck=lambda: self._v_review(u))
        self.report_reviewed.add(u.report_no)
        self.review_comments[u.report_no] = u.comment
        await self._record(
            ev.ProgressReportReviewed, report_no=u.report_no, reviewed_by=u.by, comment=u.comment
        )
        return self._ack()

    @review_report.validator
    def _v_review(self, u: ReviewReport) -> None:
        self._require_supervisor(u.by)
        if self.reports.get(u.report_no) not in ("submitted", "late"):
            raise refuse(f"report {u.report_no} has not been submitted")
        if u.report_no in self.report_reviewed:
            raise refuse(f"report {u.report_no} was already reviewed")

    @workflow.update
    async def propose_termination(self, u: ProposeTermination) -> Ack:
        await self._confirm_supervisor(u.by, recheck=lambda: self._v_propose_termination(u))
        self.termination_pending = u
        await self._record(
            ev.TerminationProposed, proposed_by=u.by, reasons=u.reasons, evidence=u.evidence
        )
        return self._ack()

    @propose_termination.validator
    def _v_propose_termination(self, u: ProposeTermination) -> None:
        self._require_state(State.ACTIVE, State.ORDERED)
        self._require_supervisor(u.by)
        if self.termination_pending is not None or self.withdrawal is not None:
            raise refuse("a termination is already pending or decided")

    @workflow.update
    async def decide_termination(self, u: DecideTermination) -> Ack:
        heads = await self._heads()
        if u.by != heads.deciding:
            raise refuse(f"{u.by} is not the head of agency {heads.agency} today")
        proposal = self.termination_pending
        self.termination_pending = None
        if not u.withdraw:
            await self._record(ev.TerminationRejected, decided_by=u.by, reasons=u.reasons)
            return self._ack()
        effective = u.effective_date or self._today()
        await self._record(
            ev.PermissionWithdrawn, decided_by=u.by, effective_date=effective, reasons=u.reasons
        )
        self._withdrawn(u.by, u.reasons, effective, "termination", heads, proposal)
        # Keep a reference: the task must live as long as the workflow.
        self.return_timer = asyncio.create_task(self._return_to_office_on(effective))
        return self._ack(effective_date=effective.isoformat())

    @decide_termination.validator
    def _v_decide_termination(self, u: DecideTermination) -> None:
        if self.termination_pending is None:
            raise refuse("no termination has been proposed")
        if u.effective_date is not None and u.effective_date < self._today():
            raise refuse("the return to the office cannot be dated in the past")

    @workflow.update
    async def recall(self, u: Recall) -> Ack:
        heads = await self._heads()
        if u.by != heads.deciding:
            raise refuse(f"{u.by} is not the head of agency {heads.agency} today")
        effective = u.effective_date or self._today()
        await self._record(
            ev.PermissionWithdrawn,
            decided_by=u.by,
            effective_date=effective,
            reasons=u.reasons,
            grounds="recall",
        )
        self.termination_pending = None
        self._withdrawn(u.by, u.reasons, effective, "recall", heads, None)
        self.return_timer = asyncio.create_task(self._return_to_office_on(effective))
        return self._ack(effective_date=effective.isoformat())

    @recall.validator
    def _v_recall(self, u: Recall) -> None:
        if self.withdrawal is not None:  # the more telling reason, even once it has ended
            raise refuse("the permission is already withdrawn")
        self._require_state(State.ORDERED, State.ACTIVE)
        if self.policy is None or self.policy.rule_set != "pmo-2565":
            raise refuse(
                "a recall by the head is a rule of the PM Office regulation 2565; under the "
                "manual the supervisor proposes a termination (seed §9.2.6)"
            )
        self._require_text(u.reasons, "reason")
        if u.effective_date is not None and u.effective_date < self._today():
            raise refuse("the return to the office cannot be dated in the past")

    @workflow.update
    async def file_appeal(self, u: FileAppeal) -> Ack:
        """The official appeals a withdrawal within the policy's period; the head, or the head
        of the agency above (the next higher authority), decides by a due date (issue #19)."""
        assert self.policy is not None
        heads = await self._heads()
        decider = heads.deciding
        if self.policy.appeal_decided_by == "higher_authority":
            assert self.chain is not None
            path = self.chain.agency_path
            parent = path[path.index(heads.agency) - 1] if heads.agency in path[1:] else None
            if parent is not None:
                decider = (await self._heads(parent)).deciding or decider
        decide_by = self._today() + timedelta(days=self.policy.appeal_decision_days)
        self.appeal = (decider, decide_by)
        await self._record(
            ev.AppealFiled, filed_by=u.by, reasons=u.reasons, decider=decider, decide_by=decide_by
        )
        self.appeal_timer = asyncio.create_task(self._appeal_due(decider, decide_by))
        return self._ack(decider=decider, decide_by=decide_by.isoformat())

    @file_appeal.validator
    def _v_file_appeal(self, u: FileAppeal) -> None:
        self._require_official(u.by)
        if self.withdrawal is None or self.withdrawn_on is None:
            raise refuse("there is no withdrawal to appeal")
        if self.appeal is not None:
            raise refuse("an appeal has already been filed")
        assert self.policy is not None
        last = self.withdrawn_on + timedelta(days=self.policy.appeal_period_days)
        if self.policy.appeal_period_days == 0 or self._today() > last:
            raise refuse(f"the appeal period ended on {last}")
        self._require_text(u.reasons, "appeal")

    async def _appeal_due(self, decider: str | None, decide_by: date) -> None:
        woken = await self._sleep_until(decide_by + timedelta(days=1), lambda: self.appeal_decided)
        if not woken and not self.appeal_decided:
            await self._record(ev.AppealDecisionOverdue, decider=decider, decide_by=decide_by)

    @workflow.update
    async def decide_appeal(self, u: DecideAppeal) -> Ack:
        assert self.appeal is not None
        self.appeal_decided = True
        outcome = "overturned" if u.overturn else "upheld"
        await self._record(ev.AppealDecided, decided_by=u.by, outcome=outcome, reasons=u.reasons)
        return self._ack(outcome=outcome)

    @decide_appeal.validator
    def _v_decide_appeal(self, u: DecideAppeal) -> None:
        if self.appeal is None:
            raise refuse("no appeal has been filed")
        if self.appeal_decided:
            raise refuse("the appeal has been decided")
        if u.by != self.appeal[0]:
            raise refuse(f"the appeal is decided by {self.appeal[0]}, not {u.by}")
        self._require_text(u.reasons, "decision")

    @workflow.update
    async def submit_final_report(self, u: SubmitFinalReport) -> Ack:
        self.final_report = True
        await self._record(ev.FinalReportSubmitted, summary=u.summary)
        return self._ack()

    @submit_final_report.validator
    def _v_final(self, u: SubmitFinalReport) -> None:
        self._require_state(State.FINAL_REPORT_DUE)
        self._require_official(u.by)
        self._require_text(u.summary, "final report")

    @workflow.update
    async def assess(self, u: Assess) -> Ack:
        await self._confirm_supervisor(u.by, first_level=True, recheck=lambda: self._v_assess(u))
        self.assessed = True
        self.assessments = u.assessments
        self.assessed_meta = (u.by, self._today())
        await self._record(ev.GoalsAssessed, assessed_by=u.by, assessments=u.assessments)
        return self._ack()

    @assess.validator
    def _v_assess(self, u: Assess) -> None:
        self._require_state(State.ASSESSMENT)
        assert self.chain is not None and self.draft is not None
        if not self.chain.chain or u.by == self._official or u.by in self.chain.chain[1:]:
            raise refuse("the first-level supervisor assesses the goals (R-EVA-1)")
        goals = {g.goal_id for g in self.draft.goals}
        given = [a.goal_id for a in u.assessments]
        if sorted(given) != sorted(goals):
            raise refuse(f"assess each goal exactly once: {', '.join(sorted(goals))}")

    @workflow.update
    async def report_to_head(self, u: ReportToHead) -> Ack:
        await self._confirm_supervisor(u.by, recheck=lambda: self._v_report_to_head(u))
        results = [a.result for a in self.assessments]
        self.reported = True
        await self._record(
            ev.ReportedToHead,
            reported_by=u.by,
            achieved=results.count("achieved"),
            partly=results.count("partly"),
            not_achieved=results.count("not_achieved"),
        )
        return self._ack()

    @report_to_head.validator
    def _v_report_to_head(self, u: ReportToHead) -> None:
        self._require_state(State.ASSESSED)
        self._require_supervisor(u.by)

    @workflow.query
    def summary(self) -> Summary:
        return Summary(
            engagement_id=self.start_input.engagement_id,
            official_id=self._official,
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
            goals=list(self.draft.goals) if self.draft else [],
            schedule=self.draft.schedule if self.draft else None,
            work_location=self.draft.work_location if self.draft else None,
            telework_days=len(self.planned.dates) if self.planned else 0,
            planned_start=self.planned.start if self.planned else None,
            planned_end=self.planned.end if self.planned else None,
            planned_dates=list(self.planned.dates) if self.planned else [],
            **(
                dict(
                    zip(
                        ("order_date", "order_decided_by", "order_acting", "order_agency"),
                        self.order_meta,
                        strict=True,
                    )
                )
                if self.order_meta
                else {}
            ),
            acceptances=[a for a in self.acceptances.values() if a.version == self.version],
            withdrawal=self.withdrawal_meta,
            assessments=list(self.assessments),
            assessed_by=self.assessed_meta[0] if self.assessed_meta else None,
            assessed_on=self.assessed_meta[1] if self.assessed_meta else None,
        )

    # Helpers -----------------------------------------------------------------------------------

    def _withdrawn(
        self,
        by: str,
        reasons: str,
        effective: date,
        grounds: Literal["termination", "recall"],
        heads: Heads,
        proposal: ProposeTermination | None,
    ) -> None:
        """The permission ends on `effective`; what the termination document prints (state
        only: no command, so recorded histories replay unchanged)."""
        self.withdrawal, self.withdrawn_on = effective, self._today()
        self.withdrawal_meta = Withdrawal(
            by=by,
            on=self._today(),
            effective=effective,
            reasons=reasons,
            grounds=grounds,
            acting=by == heads.acting_head,
            agency=heads.agency,
            proposed_by=proposal.by if proposal else None,
            proposal_reasons=proposal.reasons if proposal else None,
        )

    @property
    def _official(self) -> str:
        return self.start_input.official_id

    @property
    def _agency(self) -> str:
        assert self.chain is not None
        return self.chain.agency_code

    def _today(self) -> date:
        return workflow.now().astimezone(BANGKOK).date()

    def _ack(self, **detail: Any) -> Ack:
        return Ack(state=self.state, detail=detail)

    def _agreed(self) -> bool:
        return (
            self.version > 0
            and self.accepted.get("official") == self.version
            and self.accepted.get("supervisor") == self.version
        )

    def _require_state(self, *states: State) -> None:
        if self.state not in states:
            raise refuse(f"not possible while the engagement is {self.state.value}")

    def _require_drafting(self) -> None:
        if self.amendment is None:
            self._require_state(State.DRAFTING)
        elif self.order_pending:
            raise refuse(f"the {self.amendment} is with the head of agency")

    def _require_official(self, by: str) -> None:
        if by != self._official:
            raise refuse(f"only the official {self._official} may do this")

    # Someone outside the chain captured at the start may be acting for an absent supervisor in
    # it (issue #19). A validator cannot ask identity, so it lets such an actor through and the
    # handler confirms with identity before anything is recorded (`_confirm_supervisor`).
    def _require_supervisor(self, by: str) -> None:
        if self.chain is None or not self.chain.chain or by == self._official:
            raise refuse(f"{by} is not a supervisor of {self._official}")

    def _party(self, by: str) -> str:
        if by == self._official:
            return "official"
        if self.chain is not None and self.chain.chain and by not in self.chain.chain[1:]:
            return "supervisor"  # the first-level supervisor, or someone acting for them
        raise refuse(
            "only the official and the first-level supervisor are parties to the "
            "agreement (R-AGR-1)"
        )

    async def _confirm_supervisor(
        self, by: str, first_level: bool = False, recheck: Callable[[], None] | None = None
    ) -> None:
        """`by` is in the chain (the first-level supervisor when `first_level`), or identity says
        they act today for such a supervisor who is away; otherwise the step is refused. The
        first step of each appointment in this case is recorded, naming whom it stands for."""
        assert self.chain is not None
        chain = self.chain.chain
        if by in (chain[:1] if first_level else chain):
            return
        term: ActingTerm = await self._io(
            "acting_supervisor",
            ActingQuery(official_id=self._official, acting_id=by, at=workflow.now()),
            result_type=ActingTerm,
        )
        if term.acting_for is None or (first_level and term.level != 0):
            whom = "the first-level supervisor" if first_level else "a supervisor"
            raise refuse(f"{by} is not {whom} of {self._official}, nor acting for one today")
        if recheck is not None:
            recheck()  # the case may have moved on while identity answered
        assert term.grant_id and term.valid_from and term.valid_to
        if term.grant_id not in self.acting_recorded:
            self.acting_recorded.add(term.grant_id)
            await self._record(
                ev.ActingSupervisorActed,
                acting_id=by,
                acting_for=term.acting_for,
                level=term.level,
                grant_id=term.grant_id,
                valid_from=term.valid_from,
                valid_to=term.valid_to,
            )

    # Checks made only in validators: they never run on replay, so adding one keeps every
    # recorded history replaying.
    @staticmethod
    def _require_goals(goals: list[Any], start: Any) -> None:
        for g in goals:
            if not g.description.strip():
                raise refuse(f"goal {g.goal_id} has no description")
            if g.due < start:
                raise refuse(f"goal {g.goal_id} is due on {g.due}, before the telework starts")

    @staticmethod
    def _require_checklists(traits: list[str], readiness: list[str]) -> None:
        """R-SEL-2: the §4 traits and §8.2 readiness, from their published checklists."""
        for name, given, catalogue in (
            ("trait", traits, TRAITS),
            ("readiness item", readiness, READINESS),
        ):
            if bad := unknown(given, catalogue):
                raise refuse(f"unknown {name} {bad[0]!r}; known: {', '.join(catalogue)}")

    @staticmethod
    def _require_text(text: str, what: str) -> None:
        if not text.strip():
            raise refuse(f"the {what} is empty")

    def _require_schedule(self, schedule: Any, place: str) -> None:
        if self.policy is None:
            raise refuse("the policy in force is not known yet")
        reason = schedule_refusal(schedule, self.policy, self._today()) or place_refusal(
            place, self.policy
        )
        if reason:
            raise refuse(reason)

    async def _plan(self, u: DraftAgreement) -> Planned:
        assert self.policy is not None
        planned: Planned = await self._io(
            "plan_schedule",
            PlanSchedule(
                schedule=u.schedule,
                extra_holidays=self.policy.extra_holidays,
                report_cadence_days=self.policy.report_cadence_days,
            ),
            result_type=Planned,
        )
        return planned

    async def _io(self, activity: str, arg: Any, result_type: type[Any]) -> Any:
        """Every I/O step of an engagement (identity questions, planning, order numbers,
        events), as an ordinary activity. Local activities were measured (issue #19's bulk
        bench) and left: no clear gain here, and a worker killed mid-task then stalls the
        engagement's queries and updates until the workflow task times out."""
        return await workflow.execute_activity(
            activity, arg, result_type=result_type, start_to_close_timeout=IO
        )

    async def _heads(self, agency: str | None = None) -> Heads:
        heads: Heads = await self._io(
            "deciding_head",
            HeadQuery(agency_code=agency or self._agency, on=self._today()),
            result_type=Heads,
        )
        return heads

    async def _sleep_until(self, day: date | None, wake: Any) -> bool:
        """Sleep until the start of `day` in Bangkok, or until `wake()`; True if woken."""
        if day is None:
            return bool(wake())
        at = datetime(day.year, day.month, day.day, tzinfo=BANGKOK)
        seconds = (at - workflow.now()).total_seconds()
        if seconds <= 0:
            return bool(wake())
        try:
            await workflow.wait_condition(wake, timeout=seconds)
            return True
        except TimeoutError:
            return False

    async def _record(self, event: type[Any], **data: Any) -> None:
        # One at a time, so the stream's order is the order the workflow meant.
        async with self.record_lock:
            self.seq += 1
            payload = event(
                engagement_id=self.start_input.engagement_id, official_id=self._official, **data
            ).model_dump(mode="json")
            self.history.append(event.name)
            await self._io(
                "record_event",
                RecordEvent(
                    engagement_id=self.start_input.engagement_id,
                    official_id=self._official,
                    agency=self._agency,
                    seq=self.seq,
                    event_type=event.type_name(),
                    data=payload,
                    state=self.state,
                ),
                result_type=int,
            )

    async def _close(self, outcome: str) -> Summary:
        self.state = State.CLOSED
        await self._record(ev.EngagementClosed, outcome=outcome)
        return self.summary()
