"""How callers (portal, CLI) drive engagements: start one, assign many for necessity, and issue
one order for many."""

import asyncio
import uuid
from collections.abc import Sequence

from temporalio.client import Client, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.common import WorkflowIDReusePolicy
from temporalio.service import RPCError, RPCStatusCode

from workflows.engagement import TASK_QUEUE
from workflows.engagement.assignment import AssignmentWorkflow
from workflows.engagement.models import (
    Ack,
    AssignForNecessity,
    AssignmentSummary,
    DecideOrder,
    StartEngagement,
    Summary,
)
from workflows.engagement.workflow import EngagementWorkflow

BATCH_CONCURRENCY = 100  # decisions in flight at once: a batch of 10,000 must not flood Temporal
NOT_READY_TRIES = 60  # about a minute for a busy worker to catch up with one engagement


async def start_engagement(
    client: Client, start: StartEngagement, task_queue: str = TASK_QUEUE
) -> WorkflowHandle[EngagementWorkflow, Summary]:
    handle = await client.start_workflow(
        EngagementWorkflow.run,
        start,
        id=start.engagement_id,
        task_queue=task_queue,
        # An engagement id is never reused, even after it closed: a retried start (same
        # request key) must find the first engagement, not begin a second one.
        id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
    )
    # Its set-up (supervisor chain, eligibility, policy) runs first: return when it is done,
    # so the caller's next step meets the engagement in a state a person can act on.
    await handle.execute_update(EngagementWorkflow.settled)
    return handle


def assignment_workflow_id(assignment_id: str) -> str:
    return f"assignment-{assignment_id}"


async def assign_for_necessity(
    client: Client, assignment: AssignForNecessity, task_queue: str = TASK_QUEUE
) -> WorkflowHandle[AssignmentWorkflow, AssignmentSummary]:
    """Start the bulk assignment (its engagements start in the background, in chunks)."""
    return await client.start_workflow(
        AssignmentWorkflow.run,
        assignment,
        id=assignment_workflow_id(assignment.assignment_id),
        task_queue=task_queue,
        id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
    )


async def issue_batch_order(
    client: Client,
    head: str,
    engagement_ids: Sequence[str],
    batch_id: str | None = None,
    *,
    issue: bool = True,
    reasons: str = "",
) -> dict[str, Ack | str]:
    """One order number for many engagements (e.g. a whole unit assigned for an epidemic);
    each engagement still decides in its own workflow. Returns each engagement's answer, or the
    reason it refused. With `issue=False` the head refuses them all, with the reasons."""
    batch = batch_id or f"batch-{uuid.uuid4().hex[:12]}"
    decision = DecideOrder(by=head, issue=issue, reasons=reasons, batch_id=batch)
    gate = asyncio.Semaphore(BATCH_CONCURRENCY)

    async def one(eid: str) -> Ack | str:
        for _ in range(NOT_READY_TRIES):
            try:
                async with gate:
                    return await client.get_workflow_handle(eid).execute_update(
                        EngagementWorkflow.decide_order, decision
                    )
            except WorkflowUpdateFailedError as exc:
                return str(exc.cause) if exc.cause else str(exc)
            except RPCError as exc:
                if exc.status == RPCStatusCode.NOT_FOUND:  # e.g. left out of an assignment
                    return f"no engagement {eid}"
                # A task of that engagement timed out on a busy worker: the server takes the
                # decision once the worker has caught up (the batch number is keyed).
                if "Workflow Task in failed state" not in exc.message:
                    raise
                await asyncio.sleep(1)
        return "the engagement's worker did not catch up; decide it again"

    answers = await asyncio.gather(*(one(e) for e in engagement_ids))
    return dict(zip(engagement_ids, answers, strict=True))
