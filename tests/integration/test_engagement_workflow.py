"""The engagement workflow on Temporal's time-skipping server: every path of SPEC, a wrong
actor refused at every step (R-SEL, R-ELIG-3, R-AGR, R-ORD, R-MON-1/2, R-TRM, R-EVA-1)."""

from datetime import date, timedelta
from typing import Any

import pytest
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from contracts.events.engagement import GoalAssessment, ScheduleSpec
from services.shared.clock import BANGKOK
from tests.conftest import Database
from tests.support.engagement import (
    DEPUTY,
    GOALS,
    HEAD,
    OFFICIAL,
    OFFICIAL_SOC,
    POLICY,
    STARTED,
    STRANGER,
    SUPERVISOR,
    accept_both,
    begin,
    directory,
    engagement_worker,
    keep_history,
    next_monday,
    six_months_mon_thu,
)
from workflows.engagement.activities import LOG, engagement_stream
from workflows.engagement.assignment import assigned_engagement_id
from workflows.engagement.client import assign_for_necessity, issue_batch_order
from workflows.engagement.models import (
    AcceptAgreement,
    ActingTerm,
    AgreementTemplate,
    Assess,
    AssignForNecessity,
    DecideAppeal,
    DecideOrder,
    DecideTermination,
    DraftAgreement,
    FileAppeal,
    Heads,
    Propose,
    ProposeTermination,
    Recall,
    ReportToHead,
    RequestChanges,
    ReviewReport,
    Revise,
    Select,
    State,
    SubmitFinalReport,
    SubmitReport,
)
from workflows.engagement.workflow import EngagementWorkflow as W

pytestmark = pytest.mark.integration

Handle = WorkflowHandle[Any, Any]


async def refused(handle: Handle, update: Any, arg: Any, reason: str) -> None:
    with pytest.raises(WorkflowUpdateFailedError) as exc:
        await handle.execute_update(update, arg)
    assert reason in str(exc.value.cause)


async def today(env: WorkflowEnvironment) -> date:
    return (await env.get_current_time()).astimezone(BANGKOK).date()


async def agree(handle: Handle, schedule: ScheduleSpec) -> int:
    ack = await handle.execute_update(
        W.draft_agreement, DraftAgreement(by=SUPERVISOR, goals=GOALS, schedule=schedule)
    )
    version = int(ack.detail["agreement_version"])
    await accept_both(handle, version)
    return version


async def ordered(
    env: WorkflowEnvironment, queue: str, schedule: ScheduleSpec | None = None, decider: str = HEAD
) -> Handle:
    handle = await begin(env, queue, by=SUPERVISOR, selection="necessity")
    await agree(handle, schedule or six_months_mon_thu(await today(env)))
    await handle.execute_update(W.propose, Propose(by=SUPERVISOR))
    ack = await handle.execute_update(W.decide_order, DecideOrder(by=decider, issue=True))
    assert ack.detail["order_number"].startswith("ที่ ")
    return handle


async def state(handle: Handle) -> State:
    return (await handle.query(W.summary)).state


async def events(db: Database, handle: Handle) -> list[str]:
    async with db.sessions() as s:
        return [
            e.envelope.type.split(".")[4]
            for e in await LOG.read_stream(s, engagement_stream(handle.id))
        ]


async def finish(handle: Handle) -> None:
    await handle.execute_update(
        W.submit_final_report, SubmitFinalReport(by=OFFICIAL, summary="ส่งมอบระบบแล้ว")
    )
    await handle.execute_update(
        W.assess,
        Assess(
            by=SUPERVISOR,
            assessments=[
                GoalAssessment(goal_id="G1", result="achieved"),
                GoalAssessment(goal_id="G2", result="partly", comment="ล่าช้า 2 สัปดาห์"),
            ],
        ),
    )
    await handle.execute_update(W.report_to_head, ReportToHead(by=SUPERVISOR))


class TestNormalEnd:
    async def test_six_months_with_a_missed_report_reminder_and_escalation(
        self, workflow_env: WorkflowEnvironment, db: Database
    ) -> None:
        """The whole story: goals agreed as outputs (R-AGR-1), both accept one version with the
        ethics acknowledgement (R-AGR-2, R-AGR-3), the supervisor proposes (R-ORD-1), the head
        orders (R-ORD-2), reports, a reminder and an escalation (R-MON-1, R-MON-2)."""
        env = workflow_env
        async with engagement_worker(env, db) as queue:
            handle = await begin(env, queue)  # the official applies (R-SEL-1, voluntary)
            assert await state(handle) == State.AWAITING_SELECTION
            await handle.execute_update(
                W.select,
                Select(
                    by=SUPERVISOR,
                    traits=["responsible", "little_supervision", "digitally_ready"],
                    readiness=["internet", "device", "applications"],  # R-SEL-2
                ),
            )
            schedule = six_months_mon_thu(await today(env))
            v1 = await handle.execute_update(
                W.draft_agreement, DraftAgreement(by=SUPERVISOR, goals=GOALS, schedule=schedule)
            )
            assert v1.detail["telework_days"] > 40
            await handle.execute_update(
                W.request_changes, RequestChanges(by=OFFICIAL, comment="ขอปรับกำหนดส่ง G2")
            )
            version = await agree(handle, schedule)
            assert version == 2
            await handle.execute_update(W.propose, Propose(by=DEPUTY))  # higher supervisor
            ack = await handle.execute_update(W.decide_order, DecideOrder(by=HEAD, issue=True))
            assert ack.detail["order_number"].endswith(f"/{schedule.start.year + 543}")

            await env.sleep(schedule.start - await today(env) + timedelta(days=1))
            assert await state(handle) == State.ACTIVE
            first = await handle.execute_update(
                W.submit_report, SubmitReport(by=OFFICIAL, summary="ออกแบบฐานข้อมูลเสร็จ")
            )
            assert first.detail == {"report_no": 1, "late": False}
            await handle.execute_update(
                W.review_report, ReviewReport(by=SUPERVISOR, report_no=1, comment="ดี")
            )
            await env.sleep(timedelta(days=14 + 14 + 3))  # report 2 missed past the grace
            summary = await handle.query(W.summary)
            assert summary.reports.get(2) == "missing", summary
            late = await handle.execute_update(
                W.submit_report, SubmitReport(by=OFFICIAL, summary="ล่าช้าเพราะป่วย")
            )
            assert late.detail == {"report_no": 2, "late": True}

            await env.sleep(timedelta(days=190))
            assert await state(handle) == State.FINAL_REPORT_DUE
            await finish(handle)
            result = await handle.result()
            if db.kind == "sqlite":
                await keep_history(handle, "normal_end")
        assert result.state == State.CLOSED
        names = await events(db, handle)
        assert names[:5] == [
            "official_selected",
            "eligibility_checked",
            "agreement_drafted",
            "agreement_changes_requested",
            "agreement_drafted",
        ]
        assert names.count("agreement_accepted") == 2
        assert "report_reminder_sent" in names and "report_escalated" in names
        assert names.index("report_reminder_sent") < names.index("report_escalated")
        assert names[-5:] == [
            "engagement_ended",
            "final_report_submitted",
            "goals_assessed",
            "reported_to_head",
            "engagement_closed",
        ]


class TestRefusals:
    async def test_ineligible_work_is_refused_with_its_rule(
        self, workflow_env: WorkflowEnvironment, sqlite_db: Database
    ) -> None:
        """R-ELIG-3."""
        async with engagement_worker(workflow_env, sqlite_db) as queue:
            handle = await begin(
                workflow_env, queue, official=OFFICIAL_SOC, by=SUPERVISOR, selection="necessity"
            )
            result = await handle.result()
            await keep_history(handle, "ineligible")
        assert result.state == State.CLOSED
        async with sqlite_db.sessions() as s:
            stream = await LOG.read_stream(s, engagement_stream(handle.id))
        refusal = next(e for e in stream if e.envelope.type.endswith("engagement_refused.v1"))
        assert refusal.envelope.data["rule"] == "§3.2.1"

    async def test_head_refuses_the_order(
        self, workflow_env: WorkflowEnvironment, sqlite_db: Database
    ) -> None:
        async with engagement_worker(workflow_env, sqlite_db) as queue:
            handle = await begin(workflow_env, queue, by=SUPERVISOR, selection="necessity")
            await agree(handle, six_months_mon_thu(await today(workflow_env)))
            await handle.execute_update(W.propose, Propose(by=SUPERVISOR))
            await refused(
                handle,
                W.decide_order,
                DecideOrder(by=HEAD, issue=False),
                "a refusal must give its reasons",
            )
            await handle.execute_update(
                W.decide_order,
                DecideOrder(by=HEAD, issue=False, reasons="ภารกิจเร่งด่วนต้องอยู่ที่สำนักงาน"),
            )
            result = await handle.result()
            await keep_history(handle, "head_refuses")
        assert result.state == State.CLOSED
        assert (await events(sqlite_db, handle))[-2:] == ["order_refused", "engagement_closed"]

    async def test_schedule_outside_policy_is_refused(
        self, workflow_env: WorkflowEnvironment, sqlite_db: Database
    ) -> None:
        async with engagement_worker(workflow_env, sqlite_db) as queue:
            handle = await begin(workflow_env, queue, by=SUPERVISOR, selection="necessity")
            start = next_monday(await today(workflow_env))
            three_days = ScheduleSpec(
                kind="regular_weekdays", start=start, months=6, weekdays=[0, 2, 4]
            )
            await refused(
                handle,
                W.draft_agreement,
                DraftAgreement(by=SUPERVISOR, goals=GOALS, schedule=three_days),
                "3 days a week exceed the policy ONDE v1 limit of 2",
            )
            long_run = ScheduleSpec(kind="occasional", start=start, days=15)
            await refused(
                handle,
                W.draft_agreement,
                DraftAgreement(by=SUPERVISOR, goals=GOALS, schedule=long_run),
                "15 working days exceed the policy ONDE v1 limit of 10",
            )
            past = ScheduleSpec(kind="occasional", start=start - timedelta(days=30), days=5)
            await refused(
                handle,
                W.draft_agreement,
                DraftAgreement(by=SUPERVISOR, goals=GOALS, schedule=past),
                "before today",
            )
            # Issue #16 findings: a schedule that cannot be planned, a goal due before the
            # start, a blank goal: refused up front, never accepted then stuck.
            no_months = ScheduleSpec(kind="regular_weekdays", start=start, months=0, weekdays=[0])
            await refused(
                handle,
                W.draft_agreement,
                DraftAgreement(by=SUPERVISOR, goals=GOALS, schedule=no_months),
                "at least one month",
            )
            fine = ScheduleSpec(kind="regular_weekdays", start=start, months=3, weekdays=[0])
            early = [GOALS[0].model_copy(update={"due": start - timedelta(days=1)})]
            await refused(
                handle,
                W.draft_agreement,
                DraftAgreement(by=SUPERVISOR, goals=early, schedule=fine),
                "before the telework starts",
            )
            blank = [GOALS[0].model_copy(update={"description": "   "})]
            await refused(
                handle,
                W.draft_agreement,
                DraftAgreement(by=SUPERVISOR, goals=blank, schedule=fine),
                "no description",
            )
            assert (await handle.query(W.summary)).agreement_version == 0

    async def test_wrong_actor_is_refused_at_every_step(
        self, workflow_env: WorkflowEnvironment, sqlite_db: Database
    ) -> None:
        env = workflow_env
        async with engagement_worker(env, sqlite_db) as queue:
            h = await begin(env, queue)
            await refused(h, W.select, Select(by=STRANGER), "is not a supervisor of D0202")
            await refused(h, W.select, Select(by=OFFICIAL), "is not a supervisor")
            await h.execute_update(W.select, Select(by=SUPERVISOR))
            schedule = six_months_mon_thu(await today(env))
            draft = DraftAgreement(by=OFFICIAL, goals=GOALS, schedule=schedule)
            await refused(h, W.draft_agreement, draft, "is not a supervisor")
            await refused(h, W.propose, Propose(by=SUPERVISOR), "both parties must accept")
            await h.execute_update(
                W.draft_agreement, DraftAgreement(by=SUPERVISOR, goals=GOALS, schedule=schedule)
            )
            await refused(
                h,
                W.accept_agreement,
                AcceptAgreement(by=DEPUTY, agreement_version=1),
                "only the official and the first-level supervisor",
            )
            await refused(
                h,
                W.accept_agreement,
                AcceptAgreement(by=OFFICIAL, agreement_version=1),
                "must acknowledge the ethics guideline",
            )
            await refused(
                h,
                W.accept_agreement,
                AcceptAgreement(
                    by=OFFICIAL,
                    agreement_version=2,
                    ethics_acknowledged=True,
                    security_acknowledged=True,
                ),
                "is not the current draft",
            )
            await agree(h, schedule)
            await refused(h, W.propose, Propose(by=STRANGER), "is not a supervisor")
            await h.execute_update(W.propose, Propose(by=SUPERVISOR))
            await refused(
                h,
                W.decide_order,
                DecideOrder(by=SUPERVISOR, issue=True),
                "D0201 is not the head of agency ONDE",
            )
            await h.execute_update(W.decide_order, DecideOrder(by=HEAD, issue=True))
            await env.sleep(schedule.start - await today(env) + timedelta(days=1))
            await refused(
                h,
                W.submit_report,
                SubmitReport(by=SUPERVISOR, summary="x"),
                "only the official D0202",
            )
            await refused(
                h,
                W.propose_termination,
                ProposeTermination(by=OFFICIAL, reasons="x", evidence=["y"]),
                "is not a supervisor",
            )
            await h.execute_update(
                W.propose_termination,
                ProposeTermination(by=SUPERVISOR, reasons="ไม่ส่งงาน", evidence=["บันทึก 1"]),
            )
            await refused(
                h,
                W.decide_termination,
                DecideTermination(by=DEPUTY, withdraw=True, reasons="x"),
                "is not the head of agency",
            )
            await h.execute_update(
                W.decide_termination,
                DecideTermination(by=HEAD, withdraw=True, reasons="ไม่ปฏิบัติตามข้อตกลง"),
            )
            await env.sleep(timedelta(days=1))
            await refused(
                h,
                W.submit_final_report,
                SubmitFinalReport(by=SUPERVISOR, summary="x"),
                "only the official",
            )
            await h.execute_update(
                W.submit_final_report, SubmitFinalReport(by=OFFICIAL, summary="x")
            )
            await refused(
                h,
                W.assess,
                Assess(
                    by=DEPUTY,
                    assessments=[
                        GoalAssessment(goal_id="G1", result="achieved"),
                        GoalAssessment(goal_id="G2", result="achieved"),
                    ],
                ),
                "the first-level supervisor assesses",
            )
            await refused(
                h,
                W.assess,
                Assess(
                    by=SUPERVISOR, assessments=[GoalAssessment(goal_id="G1", result="achieved")]
                ),
                "assess each goal",
            )
            await refused(h, W.report_to_head, ReportToHead(by=SUPERVISOR), "not possible while")
            await keep_history(h, "wrong_actors")


class TestTermination:
    async def test_head_withdraws_permission_and_the_official_is_told_why(
        self, workflow_env: WorkflowEnvironment, sqlite_db: Database
    ) -> None:
        """R-TRM-1, R-TRM-2."""
        env = workflow_env
        async with engagement_worker(env, sqlite_db) as queue:
            h = await ordered(env, queue)
            start = (await h.query(W.summary)).start
            await env.sleep(start - await today(env) + timedelta(days=3))
            await h.execute_update(
                W.propose_termination,
                ProposeTermination(
                    by=SUPERVISOR,
                    reasons="ไม่รายงานความก้าวหน้าและติดต่อไม่ได้",
                    evidence=["บันทึกข้อความ 12/2570", "log ระบบ"],
                ),
            )
            back = await today(env) + timedelta(days=2)
            ack = await h.execute_update(
                W.decide_termination,
                DecideTermination(
                    by=HEAD, withdraw=True, reasons="ไม่ปฏิบัติตามข้อตกลง", effective_date=back
                ),
            )
            assert ack.detail["effective_date"] == back.isoformat()
            await env.sleep(timedelta(days=3))
            assert await state(h) == State.FINAL_REPORT_DUE
            await finish(h)
            result = await h.result()
            await keep_history(h, "termination")
        assert result.state == State.CLOSED
        async with sqlite_db.sessions() as s:
            stream = await LOG.read_stream(s, engagement_stream(h.id))
        withdrawn = next(e for e in stream if e.envelope.type.endswith("permission_withdrawn.v1"))
        assert withdrawn.envelope.data["reasons"] == "ไม่ปฏิบัติตามข้อตกลง"
        ended = next(e for e in stream if e.envelope.type.endswith("engagement_ended.v1"))
        assert ended.envelope.data == {
            **ended.envelope.data,
            "cause": "withdrawn",
            "ended_on": back.isoformat(),
        }

    async def test_head_may_keep_the_permission(
        self, workflow_env: WorkflowEnvironment, sqlite_db: Database
    ) -> None:
        env = workflow_env
        async with engagement_worker(env, sqlite_db) as queue:
            h = await ordered(env, queue)
            await h.execute_update(
                W.propose_termination,
                ProposeTermination(by=SUPERVISOR, reasons="x", evidence=["y"]),
            )
            await h.execute_update(
                W.decide_termination,
                DecideTermination(by=HEAD, withdraw=False, reasons="ให้โอกาสปรับปรุง"),
            )
            assert (await h.query(W.summary)).pending is None
            assert (await events(sqlite_db, h))[-1] == "termination_rejected"


class TestActingHead:
    async def test_acting_head_issues_the_order_and_the_head_may_not(
        self, workflow_env: WorkflowEnvironment, sqlite_db: Database
    ) -> None:
        """R-ORD-2: while an acting head is in office, the acting head decides."""
        env = workflow_env
        async with engagement_worker(env, sqlite_db, directory(acting=DEPUTY)) as queue:
            h = await begin(env, queue, by=SUPERVISOR, selection="necessity")
            await agree(h, six_months_mon_thu(await today(env)))
            await h.execute_update(W.propose, Propose(by=SUPERVISOR))
            await refused(
                h, W.decide_order, DecideOrder(by=HEAD, issue=True), "(acting head: D0002)"
            )
            await h.execute_update(W.decide_order, DecideOrder(by=DEPUTY, issue=True))
        async with sqlite_db.sessions() as s:
            stream = await LOG.read_stream(s, engagement_stream(h.id))
        order = next(e for e in stream if e.envelope.type.endswith("order_issued.v1"))
        assert order.envelope.data["acting"] is True


class TestActingSupervisor:
    async def test_someone_acting_for_an_absent_supervisor_holds_their_powers_for_the_period(
        self, workflow_env: WorkflowEnvironment, sqlite_db: Database
    ) -> None:
        """R-LAW-3, issue #19: an appointee acting for the first-level supervisor selects,
        drafts, is party to the agreement and reviews; one acting for the second level may
        propose but is no party; the first step of each appointment is recorded once; after
        the period the appointee is refused."""
        env = workflow_env
        now = await env.get_current_time()
        acting, acting_higher = "D0204", "D0299"
        dirs = directory()
        dirs.actings[(OFFICIAL, acting)] = ActingTerm(
            acting_for=SUPERVISOR,
            level=0,
            grant_id="A-1",
            valid_from=now - timedelta(hours=1),
            valid_to=now + timedelta(days=20),
        )
        dirs.actings[(OFFICIAL, acting_higher)] = ActingTerm(
            acting_for=DEPUTY,
            level=1,
            grant_id="A-2",
            valid_from=now - timedelta(hours=1),
            valid_to=now + timedelta(days=20),
        )
        async with engagement_worker(env, sqlite_db, dirs) as queue:
            h = await begin(env, queue)
            await refused(h, W.select, Select(by=STRANGER), "nor acting for one today")
            await h.execute_update(W.select, Select(by=acting))
            schedule = six_months_mon_thu(await today(env))
            await h.execute_update(
                W.draft_agreement, DraftAgreement(by=acting, goals=GOALS, schedule=schedule)
            )
            await refused(
                h,
                W.accept_agreement,
                AcceptAgreement(by=acting_higher, agreement_version=1),
                "is not the first-level supervisor of D0202",
            )
            await accept_both(h, 1, supervisor=acting)
            await h.execute_update(W.propose, Propose(by=acting_higher))
            await h.execute_update(W.decide_order, DecideOrder(by=HEAD, issue=True))
            await env.sleep(timedelta(days=21))  # the appointment is over
            await refused(
                h,
                W.propose_termination,
                ProposeTermination(by=acting, reasons="x", evidence=["y"]),
                "nor acting for one today",
            )
            # The supervisor, back, acts as before.
            await h.execute_update(
                W.propose_termination,
                ProposeTermination(by=SUPERVISOR, reasons="ไม่ส่งงาน", evidence=["บันทึก 1"]),
            )
        async with sqlite_db.sessions() as s:
            stream = await LOG.read_stream(s, engagement_stream(h.id))
        acted = [e.envelope.data for e in stream if "acting_supervisor_acted" in e.envelope.type]
        assert [(a["acting_id"], a["acting_for"], a["level"]) for a in acted] == [
            (acting, SUPERVISOR, 0),
            (acting_higher, DEPUTY, 1),
        ]
        accepted = [e.envelope.data for e in stream if "agreement_accepted" in e.envelope.type]
        assert {(a["accepted_by"], a["role"]) for a in accepted} == {
            (OFFICIAL, "official"),
            (acting, "supervisor"),
        }


class TestBulkAssignment:
    async def test_a_unit_assigned_in_one_action_is_ordered_in_one_batch(
        self, workflow_env: WorkflowEnvironment, sqlite_db: Database
    ) -> None:
        """Issue #19 item 5 (R-SEL-1 necessity, R-AGR-2, R-ORD): one assignment starts one
        engagement per official with the template drafted and the first-level supervisor's
        side accepted; each official accepts; each is proposed by the assigner; the head
        issues one batch order. An official with an open case is left out and named."""
        env = workflow_env
        dirs = directory()
        officials = [OFFICIAL, "D0204", "D0205"]
        for o in officials[1:]:
            dirs.chains[o] = dirs.chains[OFFICIAL]
            dirs.eligibilities[o] = dirs.eligibilities[OFFICIAL]
        async with engagement_worker(env, sqlite_db, dirs) as queue:
            await begin(env, queue, official="D0205", by=SUPERVISOR, selection="necessity")
            schedule = six_months_mon_thu(await today(env))
            assignment = AssignForNecessity(
                assignment_id="ASG-1",
                started_by=SUPERVISOR,
                official_ids=officials,
                necessity_reason="โรคระบาด",
                template=AgreementTemplate(goals=GOALS, schedule=schedule),
            )
            done = await (await assign_for_necessity(env.client, assignment, queue)).result()
            assert (done.started, done.officials) == (2, 3)
            assert done.skipped == {"D0205": "an engagement of this official is still open"}
            ids = [assigned_engagement_id("ASG-1", o) for o in officials[:2]]
            STARTED.setdefault(queue, []).extend(ids)
            for eid, official in zip(ids, officials, strict=False):
                h = env.client.get_workflow_handle(eid)
                await h.execute_update(W.settled)
                summary = await h.query(W.summary)
                assert (summary.state, summary.agreement_version) == (State.DRAFTING, 1)
                ack = await h.execute_update(
                    W.accept_agreement,
                    AcceptAgreement(
                        by=official,
                        agreement_version=1,
                        ethics_acknowledged=True,
                        security_acknowledged=True,
                    ),
                )
                assert ack.state == State.PROPOSED
            left_out = assigned_engagement_id("ASG-1", "D0205")  # never started: named, not fatal
            answers = await issue_batch_order(env.client, HEAD, [*ids, left_out], batch_id="ASG-1")
            assert answers.pop(left_out) == f"no engagement {left_out}"
            numbers = {a.detail["order_number"] for a in answers.values()}  # type: ignore[union-attr]
            assert len(numbers) == 1
            await keep_history(env.client.get_workflow_handle(ids[0]), "bulk_assignment")
            await keep_history(env.client.get_workflow_handle("assignment-ASG-1"), "assignment")
            history = await env.client.get_workflow_handle(ids[0]).fetch_history()
        # Decision 0009: the set-up's questions in one activity and its four events in one
        # write; the official's acceptance and the assigner's proposal in one more.
        scheduled = [
            e.activity_task_scheduled_event_attributes.activity_type.name
            for e in history.events
            if e.HasField("activity_task_scheduled_event_attributes")
        ]
        assert scheduled[:3] == ["prepare_assigned", "record_events", "record_events"]
        async with sqlite_db.sessions() as s:
            stream = await LOG.read_stream(s, engagement_stream(ids[0]))
        steps = [(e.envelope.type.split(".")[4], e.envelope.data) for e in stream]
        names = [n for n, _ in steps]
        assert names[:7] == [
            "official_selected",
            "eligibility_checked",
            "agreement_drafted",
            "agreement_accepted",
            "agreement_accepted",
            "proposed_to_head",
            "order_issued",
        ]
        assert steps[0][1]["selection"] == "necessity"
        assert steps[2][1]["drafted_by"] == SUPERVISOR
        assert steps[3][1]["role"] == "supervisor" and steps[5][1]["proposed_by"] == SUPERVISOR

    async def test_a_template_the_policy_does_not_allow_goes_back_to_the_supervisor(
        self, workflow_env: WorkflowEnvironment, sqlite_db: Database
    ) -> None:
        env = workflow_env
        async with engagement_worker(env, sqlite_db) as queue:
            too_many = ScheduleSpec(
                kind="regular_weekdays",
                start=next_monday(await today(env)),
                months=6,
                weekdays=[0, 1, 2, 3, 4],
            )
            assignment = AssignForNecessity(
                assignment_id="ASG-2",
                started_by=SUPERVISOR,
                official_ids=[OFFICIAL],
                necessity_reason="น้ำท่วม",
                template=AgreementTemplate(goals=GOALS, schedule=too_many),
            )
            await (await assign_for_necessity(env.client, assignment, queue)).result()
            eid = assigned_engagement_id("ASG-2", OFFICIAL)
            STARTED.setdefault(queue, []).append(eid)
            h = env.client.get_workflow_handle(eid)
            await h.execute_update(W.settled)
            summary = await h.query(W.summary)
            assert (summary.state, summary.agreement_version) == (State.DRAFTING, 0)
        assert "agreement_changes_requested" in await events(sqlite_db, h)


class TestRenewalAndBatch:
    async def test_renewal_extends_the_period_without_losing_history(
        self, workflow_env: WorkflowEnvironment, sqlite_db: Database
    ) -> None:
        env = workflow_env
        async with engagement_worker(env, sqlite_db) as queue:
            h = await ordered(env, queue)
            first = await h.query(W.summary)
            await env.sleep(first.start - await today(env) + timedelta(days=1))
            longer = ScheduleSpec(
                kind="regular_weekdays",
                start=next_monday(await today(env)),
                months=9,
                weekdays=[0, 3],
            )
            await h.execute_update(
                W.revise, Revise(by=SUPERVISOR, kind="renewal", goals=GOALS, schedule=longer)
            )
            await agree_amendment(h)
            await h.execute_update(W.propose, Propose(by=SUPERVISOR))
            await h.execute_update(W.decide_order, DecideOrder(by=HEAD, issue=True))
            renewed = await h.query(W.summary)
            await keep_history(h, "renewal")
        assert renewed.state == State.ACTIVE and renewed.end > first.end
        assert renewed.start == first.start and renewed.order_number != first.order_number
        assert renewed.history.count("order_issued") == 2

    async def test_batch_order_gives_many_engagements_one_number(
        self, workflow_env: WorkflowEnvironment, sqlite_db: Database
    ) -> None:
        env = workflow_env
        async with engagement_worker(env, sqlite_db) as queue:
            handles = []
            for _ in range(3):
                h = await begin(env, queue, by=SUPERVISOR, selection="necessity")
                await agree(h, six_months_mon_thu(await today(env)))
                await h.execute_update(W.propose, Propose(by=SUPERVISOR))
                handles.append(h)
            answers = await issue_batch_order(env.client, HEAD, [h.id for h in handles])
            wrong = await issue_batch_order(env.client, SUPERVISOR, [handles[0].id])
        numbers = {a.detail["order_number"] for a in answers.values()}  # type: ignore[union-attr]
        assert len(numbers) == 1
        assert "nothing has been proposed" in str(wrong[handles[0].id])


async def agree_amendment(h: Handle) -> None:
    await accept_both(h, (await h.query(W.summary)).agreement_version)


async def test_selection_records_the_published_checklists_only(
    workflow_env: WorkflowEnvironment, sqlite_db: Database
) -> None:
    """R-SEL-2: traits (§4) and readiness (§8.2) come from their published checklists
    (contracts/selection.py); anything else is refused with the known ids."""
    async with engagement_worker(workflow_env, sqlite_db) as queue:
        handle = await begin(workflow_env, queue)
        await refused(
            handle,
            W.select,
            Select(by=SUPERVISOR, traits=["charming"]),
            "unknown trait 'charming'; known: responsible, little_supervision, digitally_ready",
        )
        await refused(
            handle,
            W.select,
            Select(by=SUPERVISOR, readiness=["vpn"]),
            "unknown readiness item 'vpn'",
        )
        ack = await handle.execute_update(
            W.select, Select(by=SUPERVISOR, traits=["responsible"], readiness=["internet"])
        )
        assert ack.state == State.DRAFTING


class TestRuleSets:
    """Issue #19, item 2 (R-LAW-1, R-POL-1): the rule set an agency chose decides what the head
    may do, and each agreement version records the place, rule set and policy version it was
    made under."""

    async def test_the_head_recalls_under_the_2565_regulation_only(
        self, workflow_env: WorkflowEnvironment, sqlite_db: Database
    ) -> None:
        env = workflow_env
        manual = directory()
        pmo = directory()
        pmo.policies = {
            "ONDE-DGT": POLICY.model_copy(update={"rule_set": "pmo-2565", "version": 4})
        }
        async with engagement_worker(env, sqlite_db, manual) as queue:
            h = await ordered(env, queue)
            await refused(h, W.recall, Recall(by=HEAD, reasons="เหตุฉุกเฉิน"), "2565")
            # No timer may outlive its worker: the time-skipping server would wait on it.
            await h.terminate("test over")
        async with engagement_worker(env, sqlite_db, pmo) as queue:
            h = await begin(env, queue, by=SUPERVISOR, selection="necessity")
            schedule = six_months_mon_thu(await today(env))
            await refused(
                h,
                W.draft_agreement,
                DraftAgreement(
                    by=SUPERVISOR, goals=GOALS, schedule=schedule, work_location="public_place"
                ),
                "not public_place",
            )
            ack = await h.execute_update(
                W.draft_agreement,
                DraftAgreement(
                    by=SUPERVISOR, goals=GOALS, schedule=schedule, work_location="coworking_space"
                ),
            )
            await accept_both(h, int(ack.detail["agreement_version"]))
            await h.execute_update(W.propose, Propose(by=SUPERVISOR))
            await h.execute_update(W.decide_order, DecideOrder(by=HEAD, issue=True))
            await refused(h, W.recall, Recall(by=SUPERVISOR, reasons="x"), "not the head")
            await refused(h, W.recall, Recall(by=HEAD, reasons="  "), "empty")
            ack = await h.execute_update(W.recall, Recall(by=HEAD, reasons="น้ำท่วมพื้นที่"))
            assert ack.detail["effective_date"] == (await today(env)).isoformat()
            await refused(h, W.recall, Recall(by=HEAD, reasons="again"), "already withdrawn")
            await env.sleep(timedelta(days=2))
            assert await state(h) == State.FINAL_REPORT_DUE
            await h.terminate("test over")
        async with sqlite_db.sessions() as s:
            stream = [e.envelope for e in await LOG.read_stream(s, engagement_stream(h.id))]
        drafted = next(e for e in stream if e.type.endswith("agreement_drafted.v1")).data
        assert (drafted["work_location"], drafted["rule_set"], drafted["policy_version"]) == (
            "coworking_space",
            "pmo-2565",
            4,
        )
        withdrawn = next(e for e in stream if e.type.endswith("permission_withdrawn.v1")).data
        assert (withdrawn["grounds"], withdrawn["decided_by"]) == ("recall", HEAD)
        ended = next(e for e in stream if e.type.endswith("engagement_ended.v1")).data
        assert ended["cause"] == "withdrawn"


class TestAppeal:
    """Issue #19, item 4 (R-LAW-3): an appeal of a withdrawal, within the policy's period,
    decided by the next higher authority (or the head when there is none), with a due date
    that is watched."""

    async def withdrawn(self, env: WorkflowEnvironment, queue: str) -> Handle:
        h = await ordered(env, queue)
        await refused(h, W.file_appeal, FileAppeal(by=OFFICIAL, reasons="x"), "no withdrawal")
        await h.execute_update(
            W.propose_termination, ProposeTermination(by=SUPERVISOR, reasons="x", evidence=["y"])
        )
        await h.execute_update(
            W.decide_termination,
            DecideTermination(by=HEAD, withdraw=True, reasons="ไม่ปฏิบัติตามข้อตกลง"),
        )
        return h

    async def test_decided_by_the_head_when_no_higher_authority_is_known_and_watched(
        self, workflow_env: WorkflowEnvironment, sqlite_db: Database
    ) -> None:
        env = workflow_env
        async with engagement_worker(env, sqlite_db) as queue:
            h = await self.withdrawn(env, queue)
            await refused(h, W.file_appeal, FileAppeal(by=SUPERVISOR, reasons="x"), "")
            ack = await h.execute_update(
                W.file_appeal, FileAppeal(by=OFFICIAL, reasons="ส่งรายงานครบทุกฉบับแล้ว")
            )
            # MDES has no head in the test directory: the head who decided hears the appeal.
            assert ack.detail["decider"] == HEAD
            await refused(h, W.file_appeal, FileAppeal(by=OFFICIAL, reasons="x"), "already")
            await env.sleep(timedelta(days=32))  # past the 30 days to decide
            await refused(
                h, W.decide_appeal, DecideAppeal(by=SUPERVISOR, overturn=True, reasons="x"), HEAD
            )
            ack = await h.execute_update(
                W.decide_appeal, DecideAppeal(by=HEAD, overturn=False, reasons="หลักฐานชัดเจน")
            )
            assert ack.detail["outcome"] == "upheld"
            await finish(h)
            assert (await h.result()).state == State.CLOSED
        kinds = await events(sqlite_db, h)
        assert kinds.index("appeal_filed") < kinds.index("appeal_decision_overdue")
        assert kinds.index("appeal_decision_overdue") < kinds.index("appeal_decided")

    async def test_not_after_the_period_the_policy_sets(
        self, workflow_env: WorkflowEnvironment, sqlite_db: Database
    ) -> None:
        env = workflow_env
        async with engagement_worker(env, sqlite_db) as queue:
            h = await self.withdrawn(env, queue)
            await env.sleep(timedelta(days=16))  # POLICY: 15 days by default
            await refused(
                h, W.file_appeal, FileAppeal(by=OFFICIAL, reasons="x"), "appeal period ended"
            )
            await h.terminate("test over")

    async def test_the_next_higher_authority_decides(
        self, workflow_env: WorkflowEnvironment, sqlite_db: Database
    ) -> None:
        env = workflow_env
        dirs = directory()
        dirs.head_by_agency["MDES"] = Heads(
            agency="MDES", head="PS01", acting_head=None, deciding="PS01"
        )
        async with engagement_worker(env, sqlite_db, dirs) as queue:
            h = await self.withdrawn(env, queue)
            ack = await h.execute_update(W.file_appeal, FileAppeal(by=OFFICIAL, reasons="x"))
            assert ack.detail["decider"] == "PS01"
            await refused(
                h, W.decide_appeal, DecideAppeal(by=HEAD, overturn=True, reasons="x"), "PS01"
            )
            ack = await h.execute_update(
                W.decide_appeal, DecideAppeal(by="PS01", overturn=True, reasons="ฟังขึ้น")
            )
            assert ack.detail["outcome"] == "overturned"
            await h.terminate("test over")


async def test_two_workers_share_the_task_queue(
    workflow_env: WorkflowEnvironment, sqlite_db: Database
) -> None:
    """R-INT-3, R-DEP-2, issue #15 item 3: two engagement workers poll one task queue; cases started
    while both run go on, step by step, after one of them is shut down — whichever worker is
    there takes each task, and nothing is tied to the worker that began a case."""
    import contextlib
    import uuid

    from workflows.engagement.tables import ENGAGEMENT
    from workflows.engagement.worker import build_worker

    await sqlite_db.create(ENGAGEMENT)
    queue = f"engagement-{uuid.uuid4().hex[:8]}"

    from temporalio.client import Client

    # Two processes in production; here two clients (the SDK allows one worker per task queue
    # and client), each as its own worker identity.
    base = workflow_env.client
    clients = {
        name: await Client.connect(
            base.service_client.config.target_host,
            namespace=base.namespace,
            data_converter=base.data_converter,
            identity=name,
        )
        for name in ("worker-a", "worker-b")
    }

    def worker(name: str) -> Any:
        return build_worker(
            clients[name],
            sqlite_db.sessions,
            directory(),
            task_queue=queue,
            actor_proof=None,
            identity=name,
            # No sticky cache: a real server hands a task stuck on a stopped worker's sticky
            # queue back to the shared queue after 5 s; the time-skipping test server does not.
            max_cached_workflows=0,
        )

    handles: list[Handle] = []
    try:
        async with worker("worker-b"):
            async with worker("worker-a"):
                for _ in range(4):
                    handles.append(
                        await begin(workflow_env, queue, by=SUPERVISOR, selection="necessity")
                    )
                schedule = six_months_mon_thu(await today(workflow_env))
                for h in handles:
                    await agree(h, schedule)
            # worker-a has stopped: worker-b alone carries every case on.
            for h in handles:
                await h.execute_update(W.propose, Propose(by=SUPERVISOR))
            states = [(await h.query(W.summary)).state for h in handles]
            identities: set[str] = set()
            for h in handles:
                async for e in h.fetch_history_events():
                    if e.HasField("workflow_task_completed_event_attributes"):
                        identities.add(e.workflow_task_completed_event_attributes.identity)
    finally:
        for h in handles:
            with contextlib.suppress(Exception):  # already closed
                await h.terminate("test over")
    assert states == [State.PROPOSED] * 4
    assert identities <= {"worker-a", "worker-b"} and "worker-b" in identities, identities
