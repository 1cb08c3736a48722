"""The engagement workflow: one per engagement, id = engagement id (SPEC's whole story).

The rules and the state are the pure `Engagement` aggregate's (case.py); this module is the
orchestration around it: it asks identity, the calendar and the order register through
activities, waits for people and for dates, and records the events the aggregate decides.
Updates are validated before anything is recorded — the same rule is asked again after any
I/O, since the case may have moved on meanwhile — so a wrong actor, a wrong state, ineligible
work or a schedule outside policy is refused with a reason the caller sees, and the history
stays clean. The end of the story (termination, recall, appeal, final report, assessment) is
in ending.py, the helpers every step shares in orchestration.py. The histories in tests/replay
were re-recorded once when the aggregate came in (issue #20); every change from here on keeps
them replaying.
"""

import asyncio
from datetime import timedelta
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from contracts.events import engagement as ev

    # Everything of the aggregate through one module: its Refusal must be the class the rules
    # raise (a module imported apart inside the sandbox is a fresh copy with its own classes).
    from workflows.engagement.case import Engagement, Refusal, require_goals, rules
    from workflows.engagement.models import (
        AcceptAgreement,
        Ack,
        AgreementTemplate,
        Chain,
        DecideOrder,
        DraftAgreement,
        EligibilityResult,
        OfficialRef,
        OrderNumberRequest,
        Policy,
        PolicyQuery,
        PrepareAssigned,
        Prepared,
        Propose,
        RequestChanges,
        ReviewReport,
        Revise,
        Select,
        StartEngagement,
        State,
        SubmitReport,
        Summary,
    )


# Workflow code like this module: loaded in the sandbox, not passed through.
from workflows.engagement.ending import Ending
from workflows.engagement.orchestration import SET_UP_ASSIGNED_AT_ONCE, checked


@workflow.defn
class EngagementWorkflow(Ending):
    @workflow.init
    def __init__(self, start: StartEngagement) -> None:
        self.start_input = start
        self.case = Engagement(
            engagement_id=start.engagement_id,
            official_id=start.official_id,
            assignment_id=start.assignment_id,
            assigned_by=start.started_by if start.assignment_id else None,
        )
        self.seq = 0
        self.record_lock = asyncio.Lock()
        self.returned_to_office = False  # set by the return-to-office timer
        self.timers: list[asyncio.Task[None]] = []  # kept: a task must live as long as we do

    # The story ---------------------------------------------------------------------------------

    @workflow.run
    async def run(self, start: StartEngagement) -> Summary:
        case = self.case
        if start.template is not None and workflow.patched(SET_UP_ASSIGNED_AT_ONCE):
            if not await self._set_up_assigned(start, start.template):
                return await self._close("ineligible")
        elif not await self._set_up(start):
            return await self._close("ineligible")
        assert case.policy is not None
        case.open_for_drafting(case.policy)
        await workflow.wait_condition(lambda: case.order_decided)
        if case.order_refused:
            return await self._close("refused")

        await self._sleep_until(case.start_date, self._ending)
        if not self._ending():
            await self._record(case.event(ev.EngagementStarted, start=self._today()))
            await self._monitor()
        await self._record(
            case.event(
                ev.EngagementEnded,
                ended_on=case.withdrawal or case.end_date or self._today(),
                cause="withdrawn" if case.withdrawal else "completed",
            )
        )
        await workflow.wait_condition(lambda: case.final_report)
        await workflow.wait_condition(lambda: case.assessed)
        await workflow.wait_condition(lambda: case.reported)
        # An appeal under way keeps the case open until it is decided (issue #19).
        await workflow.wait_condition(lambda: case.appeal is None or case.appeal_decided)
        return await self._close("withdrawn" if case.withdrawal else "completed")

    async def _set_up(self, start: StartEngagement) -> bool:
        """Chain, selection, eligibility, the policy in force and (for an assignment recorded
        before SET_UP_ASSIGNED_AT_ONCE) the template's draft, one activity each. False when the
        official may not telework (the refusal recorded)."""
        case = self.case
        case.chain = await self._io(
            "supervisor_chain", OfficialRef(official_id=start.official_id), result_type=Chain
        )
        if start.started_by == start.official_id and start.selection == "voluntary":
            await workflow.wait_condition(lambda: case.selected)  # R-SEL-1: supervisor selects
        else:
            checked(lambda: case.require_supervisor(start.started_by))
            await self._confirm_supervisor(start.started_by)
            await self._record(self._selected(start))
        eligibility = await self._io(
            "eligibility", OfficialRef(official_id=start.official_id), result_type=EligibilityResult
        )
        await self._record(
            case.event(ev.EligibilityChecked, status=eligibility.status, rule=eligibility.rule)
        )
        if eligibility.status == "may_not":  # R-ELIG-3: refused with the rule that refused it
            await self._record(self._refused(eligibility))
            return False
        case.policy = await self._io(
            "policy_in_force",
            PolicyQuery(agency_code=case.agency, on=self._today()),
            result_type=Policy,
        )
        if start.template is not None:
            await self._draft_from_template(start)  # before anyone may act on it (`settled`)
        return True

    async def _set_up_assigned(self, start: StartEngagement, template: AgreementTemplate) -> bool:
        """An engagement a bulk assignment started (issue #19, item 5): its questions in one
        activity and its first events — selected, eligibility, the template's draft and the
        assigner's acceptance — in one write, where `_set_up` takes nine activities."""
        case = self.case
        prepared: Prepared = await self._io(
            "prepare_assigned",
            PrepareAssigned(
                official_id=start.official_id, on=self._today(), schedule=template.schedule
            ),
            result_type=Prepared,
        )
        case.chain = prepared.chain
        checked(lambda: case.require_supervisor(start.started_by))
        await self._confirm_supervisor(start.started_by)
        eligibility = prepared.eligibility
        staged = self._stage(self._selected(start))
        staged += self._stage(
            case.event(ev.EligibilityChecked, status=eligibility.status, rule=eligibility.rule)
        )
        if eligibility.status == "may_not":
            await self._write(staged + self._stage(self._refused(eligibility)))
            return False
        case.policy = prepared.policy
        try:
            case.require_schedule(template.schedule, template.work_location, self._today())
            require_goals(template.goals, template.schedule.start)
            if prepared.planned is None:
                raise Refusal(prepared.unplanned or "the schedule has no telework day")
        except Refusal as refusal:
            staged += self._stage(self._template_refused(start, refusal))
            await self._write(staged)
            return True
        draft = _template_draft(start.started_by, template)
        staged += self._stage(case.draft_agreement(draft, prepared.planned), prepared.planned)
        if case.chain.chain and start.started_by == case.chain.chain[0]:
            staged += self._stage(self._assigner_accepts(start))
        await self._write(staged)
        return True

    def _selected(self, start: StartEngagement) -> list[Any]:
        return self.case.event(
            ev.OfficialSelected,
            selection=start.selection,
            selected_by=start.started_by,
            necessity_reason=start.necessity_reason,
            traits=start.traits,
            readiness=start.readiness,
        )

    def _refused(self, eligibility: EligibilityResult) -> list[Any]:
        return self.case.event(
            ev.EngagementRefused,
            rule=eligibility.rule,
            reason=f"work under {eligibility.rule} may not be done away from the office",
        )

    def _template_refused(self, start: StartEngagement, refusal: Refusal) -> list[Any]:
        return self.case.event(
            ev.AgreementChangesRequested,
            agreement_version=0,
            requested_by=start.started_by,
            role="supervisor",
            comment=f"the assignment's template does not fit: {refusal.reason}",
        )

    def _assigner_accepts(self, start: StartEngagement) -> list[Any]:
        return self.case.event(
            ev.AgreementAccepted,
            agreement_version=self.case.version,
            accepted_by=start.started_by,
            role="supervisor",
        )

    async def _monitor(self) -> None:
        """R-MON-1/2: a report per cadence; missing at its due time → reminder; still missing
        after the grace period → escalation to the higher supervisor."""
        case = self.case
        assert case.policy is not None
        # Planned due dates (working days) when the schedule planned them from this start;
        # otherwise every cadence of calendar days.
        planned_due = (
            case.planned.report_due
            if case.planned is not None and case.start_date == case.planned.start
            else []
        )
        report_no = 0
        while not self._ending():
            report_no += 1
            assert case.start_date is not None and case.end_date is not None
            if planned_due:
                if report_no > len(planned_due):
                    break
                due = planned_due[report_no - 1]
            else:
                due = case.start_date + timedelta(days=case.policy.report_cadence_days * report_no)
            if due > case.end_date:
                break
            case.report_falls_due(report_no)
            n = report_no
            await self._sleep_until(due, lambda n=n: self._settled(n))
            if self._ending():
                break
            if case.reports[n] != "due":
                continue  # in on time
            await self._record(case.event(ev.ReportReminderSent, report_no=n, due=due))
            escalate_at = due + timedelta(days=case.policy.grace_period_days)
            await self._sleep_until(escalate_at, lambda n=n: self._settled(n))
            if self._ending():
                break
            if case.reports[n] == "due":
                assert case.chain is not None
                higher = case.chain.chain[1] if len(case.chain.chain) > 1 else None
                # Nobody above the first-level supervisor: the head of agency hears of it.
                if higher is None:
                    higher = (await self._heads()).deciding
                await self._record(
                    case.event(ev.ReportEscalated, report_no=n, due=due, escalated_to=higher)
                )
        await self._sleep_until(case.end_date, self._ending)

    def _settled(self, n: int) -> bool:
        return self._ending() or self.case.reports[n] != "due"

    def _ending(self) -> bool:
        # A flag set by a timer, not a date comparison: wait conditions are re-evaluated only
        # when something happens, and the passing of time alone is not such a thing.
        return self.returned_to_office

    # Updates -----------------------------------------------------------------------------------

    @workflow.update
    async def settled(self) -> Ack:
        """Returns once the engagement waits for a person again (its set-up steps — supervisor
        chain, eligibility, policy — are activities that run on their own)."""
        await workflow.wait_condition(self._idle)
        return self._ack()

    def _idle(self) -> bool:
        state = self.case.state
        if self.case.chain is None or state is State.CHECKING_ELIGIBILITY:
            return False
        return not (state is State.AWAITING_SELECTION and self.case.selected)

    @workflow.update
    async def select(self, u: Select) -> Ack:
        await self._confirm_supervisor(u.by, recheck=lambda: self._v_select(u))
        await self._record(checked(lambda: self.case.select(u)))
        await workflow.wait_condition(self._idle)
        return self._ack()

    @select.validator
    def _v_select(self, u: Select) -> None:
        checked(lambda: rules.check_select(self.case, u))

    @workflow.update
    async def draft_agreement(self, u: DraftAgreement) -> Ack:
        await self._confirm_supervisor(u.by, recheck=lambda: self._v_draft(u))
        return await self._draft(u)

    async def _draft(self, u: DraftAgreement | Revise) -> Ack:
        planned = await self._plan(u)
        await self._record(self.case.draft_agreement(u, planned), planned=planned)
        return self._ack(agreement_version=self.case.version, telework_days=len(planned.dates))

    async def _draft_from_template(self, start: StartEngagement) -> None:
        """A bulk assignment (issue #19, item 5) drafts the agreement from its template in the
        assigner's name, who accepts for the supervisor's side when they are the first-level
        supervisor. A template this official's policy does not allow is sent back to the
        supervisor as a request for changes; they draft by hand."""
        template, case = start.template, self.case
        assert template is not None and case.chain is not None
        try:
            case.require_schedule(template.schedule, template.work_location, self._today())
            require_goals(template.goals, template.schedule.start)
        except Refusal as refusal:
            await self._record(self._template_refused(start, refusal))
            return
        await self._draft(_template_draft(start.started_by, template))
        if case.chain.chain and start.started_by == case.chain.chain[0]:
            await self._record(self._assigner_accepts(start))

    @draft_agreement.validator
    def _v_draft(self, u: DraftAgreement) -> None:
        checked(lambda: rules.check_draft(self.case, u, self._today()))

    @workflow.update
    async def revise(self, u: Revise) -> Ack:
        """An active engagement gets a new agreement version (revision) or another period
        (renewal); it runs on under the old order until the head approves the new one."""
        await self._confirm_supervisor(u.by, recheck=lambda: self._v_revise(u))
        return await self._draft(u)

    @revise.validator
    def _v_revise(self, u: Revise) -> None:
        checked(lambda: rules.check_revise(self.case, u, self._today()))

    @workflow.update
    async def request_changes(self, u: RequestChanges) -> Ack:
        if checked(lambda: self.case.party(u.by)) == "supervisor":
            await self._confirm_supervisor(
                u.by, first_level=True, recheck=lambda: self._v_changes(u)
            )
        await self._record(self.case.request_changes(u))
        return self._ack()

    @request_changes.validator
    def _v_changes(self, u: RequestChanges) -> None:
        checked(lambda: rules.check_request_changes(self.case, u))

    @workflow.update
    async def accept_agreement(self, u: AcceptAgreement) -> Ack:
        case = self.case
        if checked(lambda: case.party(u.by)) == "supervisor":
            await self._confirm_supervisor(
                u.by, first_level=True, recheck=lambda: self._v_accept(u)
            )
        staged = self._stage(case.accept(u))
        if case.agreed() and case.assignment_id and not (case.amendment or case.order_pending):
            # A bulk assignment proposes each agreed engagement for its batch order.
            staged += self._stage(case.propose(self.start_input.started_by))
        await self._write(staged)
        return self._ack(agreed=case.agreed())

    @accept_agreement.validator
    def _v_accept(self, u: AcceptAgreement) -> None:
        checked(lambda: rules.check_accept(self.case, u))

    @workflow.update
    async def propose(self, u: Propose) -> Ack:
        await self._confirm_supervisor(u.by, recheck=lambda: self._v_propose(u))
        await self._record(self.case.propose(u.by))
        return self._ack()

    @propose.validator
    def _v_propose(self, u: Propose) -> None:
        checked(lambda: rules.check_propose(self.case, u.by))

    @workflow.update
    async def decide_order(self, u: DecideOrder) -> Ack:
        case = self.case
        heads = await self._heads()
        checked(lambda: rules.check_head(u.by, heads, naming_acting=True))
        self._v_decide_order(u)  # the case may have moved on while identity answered
        number = None
        if u.issue:
            number = await self._io(
                "allocate_order_number",
                OrderNumberRequest(
                    head_agency=heads.agency,
                    order_date=self._today(),
                    key=u.batch_id or f"{workflow.info().workflow_id}:{case.version}",
                ),
                result_type=str,
            )
            self._v_decide_order(u)
        await self._record(case.decide_order(u, heads, number, self._today()))
        return self._ack(order_number=number) if number else self._ack()

    @decide_order.validator
    def _v_decide_order(self, u: DecideOrder) -> None:
        checked(lambda: rules.check_decide_order(self.case, u))

    @workflow.update
    async def submit_report(self, u: SubmitReport) -> Ack:
        events = self.case.submit_report(u, self._today())
        await self._record(events)
        return self._ack(report_no=events[0].report_no, late=events[0].late)

    @submit_report.validator
    def _v_report(self, u: SubmitReport) -> None:
        checked(lambda: rules.check_report(self.case, u))

    @workflow.update
    async def review_report(self, u: ReviewReport) -> Ack:
        await self._confirm_supervisor(u.by, recheck=lambda: self._v_review(u))
        await self._record(
            self.case.event(
                ev.ProgressReportReviewed,
                report_no=u.report_no,
                reviewed_by=u.by,
                comment=u.comment,
            )
        )
        return self._ack()

    @review_report.validator
    def _v_review(self, u: ReviewReport) -> None:
        checked(lambda: rules.check_review(self.case, u))

    @workflow.query
    def summary(self) -> Summary:
        return self.case.summary()


def _template_draft(assigner: str, template: AgreementTemplate) -> DraftAgreement:
    """The agreement a bulk assignment drafts from its template, in the assigner's name."""
    return DraftAgreement(
        by=assigner,
        goals=template.goals,
        schedule=template.schedule,
        work_location=template.work_location,
    )
