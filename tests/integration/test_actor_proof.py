"""Temporal: the actor of every engagement step is proven, never claimed (R-SEC-2, issue #13).

A client that can reach Temporal but holds no valid token can neither start an engagement in
someone's name nor take a step: no token, a forged or expired one, or one of another person is
refused with a reason, and the refused update leaves nothing in the history."""

import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowFailureError, WorkflowUpdateFailedError

from services.shared.auth import DevIssuer
from services.shared.authz import Actor, Grant, Role
from tests.conftest import Database
from tests.support.engagement import OFFICIAL, STARTED, SUPERVISOR, engagement_worker
from workflows.engagement.models import Select, StartEngagement
from workflows.engagement.proof import ActorToken, acting_as
from workflows.engagement.workflow import EngagementWorkflow

pytestmark = pytest.mark.integration


def person(issuer: DevIssuer, who: str, ttl: timedelta = timedelta(minutes=5)) -> str:
    return issuer.issue(Actor(who, (Grant(Role.OFFICIAL, "ONDE-DGT"),)), ttl=ttl)


async def start(client: Client, queue: str, by: str, token: str | None) -> Any:
    engagement_id = f"ENG-{uuid.uuid4().hex[:10]}"
    STARTED.setdefault(queue, []).append(engagement_id)
    begin = StartEngagement(engagement_id=engagement_id, official_id=OFFICIAL, started_by=by)
    if token is None:
        return await client.start_workflow(
            EngagementWorkflow.run, begin, id=engagement_id, task_queue=queue
        )
    with acting_as(token):
        return await client.start_workflow(
            EngagementWorkflow.run, begin, id=engagement_id, task_queue=queue
        )


async def accepted_updates(handle: Any) -> int:
    n = 0
    async for event in handle.fetch_history_events():
        if event.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
            n += 1
    return n


async def test_steps_need_a_proven_actor(
    workflow_env: Any, sqlite_db: Database, tmp_path: Path
) -> None:
    issuer = DevIssuer.load_or_create(tmp_path / "issuer.pem")
    forger = DevIssuer.load_or_create(tmp_path / "forger.pem")
    client = Client(**{**workflow_env.client.config(), "interceptors": [ActorToken()]})
    async with engagement_worker(workflow_env, sqlite_db, actor_proof=issuer.verifier()) as queue:
        # A start with no token, or with someone else's, fails before doing anything.
        for token in (None, person(issuer, SUPERVISOR)):
            handle = await start(client, queue, OFFICIAL, token)
            with pytest.raises(WorkflowFailureError) as failed:
                await handle.result()
            assert "Refused" in str(failed.value.cause)

        handle = await start(client, queue, OFFICIAL, person(issuer, OFFICIAL))
        with acting_as(person(issuer, OFFICIAL)):
            await handle.execute_update(EngagementWorkflow.settled)
        before = await accepted_updates(handle)

        refusals = {
            "no token": None,
            "forged": person(forger, SUPERVISOR),
            "expired": person(issuer, SUPERVISOR, ttl=timedelta(seconds=-1)),
            "another's": person(issuer, OFFICIAL),
        }
        for case, token in refusals.items():
            step = Select(by=SUPERVISOR)
            with pytest.raises(WorkflowUpdateFailedError) as refused:
                if token is None:
                    await handle.execute_update(EngagementWorkflow.select, step)
                else:
                    with acting_as(token):
                        await handle.execute_update(EngagementWorkflow.select, step)
            assert "Refused" in str(refused.value.cause), case
        assert await accepted_updates(handle) == before  # the history stayed clean

        with acting_as(person(issuer, SUPERVISOR)):
            ack = await handle.execute_update(EngagementWorkflow.select, Select(by=SUPERVISOR))
        assert ack.state.value == "drafting"
        summary = await handle.query(EngagementWorkflow.summary)
        assert summary.state.value == "drafting"


async def test_a_bulk_assignment_is_proven_once_and_vouches_for_its_engagements(
    workflow_env: Any, sqlite_db: Database, tmp_path: Path
) -> None:
    """Issue #19 item 5: the assignment's start needs the assigner's token; the engagements it
    starts are its children (only a workflow can start one), so they run without a token of
    their own, in the assigner's name."""
    from contracts.events.engagement import ScheduleSpec
    from tests.support.engagement import GOALS, next_monday
    from workflows.engagement.assignment import assigned_engagement_id
    from workflows.engagement.client import assign_for_necessity
    from workflows.engagement.models import AgreementTemplate, AssignForNecessity, State

    issuer = DevIssuer.load_or_create(tmp_path / "issuer.pem")
    client = Client(**{**workflow_env.client.config(), "interceptors": [ActorToken()]})
    today = (await workflow_env.get_current_time()).date()
    template = AgreementTemplate(
        goals=GOALS,
        schedule=ScheduleSpec(
            kind="regular_weekdays", start=next_monday(today), months=3, weekdays=[0]
        ),
    )
    async with engagement_worker(workflow_env, sqlite_db, actor_proof=issuer.verifier()) as queue:
        for name, token in (("none", None), ("official's", person(issuer, OFFICIAL))):
            a = AssignForNecessity(
                assignment_id=f"ASG-{name}",
                started_by=SUPERVISOR,
                official_ids=[OFFICIAL],
                necessity_reason="โรคระบาด",
                template=template,
            )
            if token is None:
                handle = await assign_for_necessity(client, a, queue)
            else:
                with acting_as(token):
                    handle = await assign_for_necessity(client, a, queue)
            with pytest.raises(WorkflowFailureError) as failed:
                await handle.result()
            assert "Refused" in str(failed.value.cause)

        a = AssignForNecessity(
            assignment_id="ASG-proven",
            started_by=SUPERVISOR,
            official_ids=[OFFICIAL],
            necessity_reason="โรคระบาด",
            template=template,
        )
        with acting_as(person(issuer, SUPERVISOR)):
            done = await (await assign_for_necessity(client, a, queue)).result()
        assert done.started == 1
        eid = assigned_engagement_id("ASG-proven", OFFICIAL)
        STARTED.setdefault(queue, []).append(eid)
        child = client.get_workflow_handle(eid)
        with acting_as(person(issuer, SUPERVISOR)):
            await child.execute_update(EngagementWorkflow.settled)
        summary = await child.query(EngagementWorkflow.summary)
        assert (summary.state, summary.agreement_version) == (State.DRAFTING, 1)
