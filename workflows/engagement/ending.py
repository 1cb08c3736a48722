"""The end of an engagement's story: termination for cause and recall by the head, the
official's appeal, the final report, the assessment and the report to the head (R-TRM, R-EVA-1).
Updates of EngagementWorkflow, kept in a class of their own."""

import asyncio
from datetime import date, timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from contracts.events import engagement as ev

    # Everything of the aggregate through one module: its Refusal must be the class the rules
    # raise (a module imported apart inside the sandbox is a fresh copy with its own classes).
    from workflows.engagement.case import rules
    from workflows.engagement.models import (
        Ack,
        Assess,
        DecideAppeal,
        DecideTermination,
        FileAppeal,
        Heads,
        ProposeTermination,
        Recall,
        ReportToHead,
        SubmitFinalReport,
    )


# Workflow code like this module: loaded in the sandbox, not passed through.
from workflows.engagement.orchestration import Orchestration, checked


class Ending(Orchestration):
    @workflow.update
    async def propose_termination(self, u: ProposeTermination) -> Ack:
        await self._confirm_supervisor(u.by, recheck=lambda: self._v_propose_termination(u))
        await self._record(
            self.case.event(
                ev.TerminationProposed, proposed_by=u.by, reasons=u.reasons, evidence=u.evidence
            )
        )
        return self._ack()

    @propose_termination.validator
    def _v_propose_termination(self, u: ProposeTermination) -> None:
        checked(lambda: rules.check_propose_termination(self.case, u))

    @workflow.update
    async def decide_termination(self, u: DecideTermination) -> Ack:
        case = self.case
        heads = await self._heads()
        checked(lambda: rules.check_head(u.by, heads))
        self._v_decide_termination(u)
        if not u.withdraw:
            await self._record(
                case.event(ev.TerminationRejected, decided_by=u.by, reasons=u.reasons)
            )
            return self._ack()
        return await self._withdraw(u, heads, "termination")

    async def _withdraw(self, u: DecideTermination | Recall, heads: Heads, grounds: str) -> Ack:
        await self._record(self.case.withdraw(u, heads, self._today(), grounds))
        effective = self.case.withdrawal
        assert effective is not None
        self.timers.append(asyncio.create_task(self._return_to_office_on(effective)))
        return self._ack(effective_date=effective.isoformat())

    @decide_termination.validator
    def _v_decide_termination(self, u: DecideTermination) -> None:
        checked(lambda: rules.check_decide_termination(self.case, u, self._today()))

    @workflow.update
    async def recall(self, u: Recall) -> Ack:
        heads = await self._heads()
        checked(lambda: rules.check_head(u.by, heads))
        self._v_recall(u)
        return await self._withdraw(u, heads, "recall")

    @recall.validator
    def _v_recall(self, u: Recall) -> None:
        checked(lambda: rules.check_recall(self.case, u, self._today()))

    @workflow.update
    async def file_appeal(self, u: FileAppeal) -> Ack:
        """The official appeals a withdrawal within the policy's period; the head, or the head
        of the agency above (the next higher authority), decides by a due date (issue #19)."""
        case = self.case
        assert case.policy is not None and case.chain is not None
        heads = await self._heads()
        decider = heads.deciding
        if case.policy.appeal_decided_by == "higher_authority":
            path = case.chain.agency_path
            parent = path[path.index(heads.agency) - 1] if heads.agency in path[1:] else None
            if parent is not None:
                decider = (await self._heads(parent)).deciding or decider
        self._v_file_appeal(u)
        decide_by = self._today() + timedelta(days=case.policy.appeal_decision_days)
        await self._record(
            case.event(
                ev.AppealFiled,
                filed_by=u.by,
                reasons=u.reasons,
                decider=decider,
                decide_by=decide_by,
            )
        )
        self.timers.append(asyncio.create_task(self._appeal_due(decider, decide_by)))
        return self._ack(decider=decider, decide_by=decide_by.isoformat())

    @file_appeal.validator
    def _v_file_appeal(self, u: FileAppeal) -> None:
        checked(lambda: rules.check_file_appeal(self.case, u, self._today()))

    async def _appeal_due(self, decider: str | None, decide_by: date) -> None:
        woken = await self._sleep_until(
            decide_by + timedelta(days=1), lambda: self.case.appeal_decided
        )
        if not woken and not self.case.appeal_decided:
            await self._record(
                self.case.event(ev.AppealDecisionOverdue, decider=decider, decide_by=decide_by)
            )

    @workflow.update
    async def decide_appeal(self, u: DecideAppeal) -> Ack:
        outcome = "overturned" if u.overturn else "upheld"
        await self._record(
            self.case.event(ev.AppealDecided, decided_by=u.by, outcome=outcome, reasons=u.reasons)
        )
        return self._ack(outcome=outcome)

    @decide_appeal.validator
    def _v_decide_appeal(self, u: DecideAppeal) -> None:
        checked(lambda: rules.check_decide_appeal(self.case, u))

    @workflow.update
    async def submit_final_report(self, u: SubmitFinalReport) -> Ack:
        await self._record(self.case.event(ev.FinalReportSubmitted, summary=u.summary))
        return self._ack()

    @submit_final_report.validator
    def _v_final(self, u: SubmitFinalReport) -> None:
        checked(lambda: rules.check_final_report(self.case, u))

    @workflow.update
    async def assess(self, u: Assess) -> Ack:
        await self._confirm_supervisor(u.by, first_level=True, recheck=lambda: self._v_assess(u))
        await self._record(
            self.case.event(ev.GoalsAssessed, assessed_by=u.by, assessments=u.assessments)
        )
        return self._ack()

    @assess.validator
    def _v_assess(self, u: Assess) -> None:
        checked(lambda: rules.check_assess(self.case, u))

    @workflow.update
    async def report_to_head(self, u: ReportToHead) -> Ack:
        await self._confirm_supervisor(u.by, recheck=lambda: self._v_report_to_head(u))
        await self._record(self.case.report_to_head(u.by))
        return self._ack()

    @report_to_head.validator
    def _v_report_to_head(self, u: ReportToHead) -> None:
        checked(lambda: rules.check_report_to_head(self.case, u.by))
