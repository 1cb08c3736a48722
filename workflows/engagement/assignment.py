"""Assignment for necessity in bulk (R-SEL-1, issue #19 item 5): the head or a supervisor assigns
a whole unit, or a list, in one action.

One `AssignmentWorkflow` per action starts one engagement workflow per official as its child
(so each engagement knows, from Temporal itself, which proven start it came from), in chunks
with continue-as-new so that no history grows with the number of officials. Each engagement
then runs its own story from the template: drafted by the assigner, accepted by both parties,
proposed by the assigner, and ordered when the head issues one batch order for the assignment.
"""

import asyncio
import contextlib
from datetime import timedelta

from temporalio import workflow
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

with workflow.unsafe.imports_passed_through():
    from workflows.engagement.models import (
        AssignForNecessity,
        AssignmentSummary,
        OfficialsQuery,
        StartEngagement,
    )
    from workflows.engagement.workflow import EngagementWorkflow

CHUNK = 500  # engagements started per run before continuing as new
GROUP = 50  # child starts per workflow task
START_IN_GROUPS = "assignment-starts-in-groups"  # a patch: runs recorded before start all at once
IO = timedelta(seconds=30)


def assigned_engagement_id(assignment_id: str, official_id: str) -> str:
    """Deterministic: a retried or continued run finds the engagement it already started."""
    return f"{assignment_id}-{official_id}"


@workflow.defn
class AssignmentWorkflow:
    def __init__(self) -> None:
        self.summary: AssignmentSummary | None = None

    @workflow.run
    async def run(self, a: AssignForNecessity) -> AssignmentSummary:
        skipped = dict(a.skipped)
        if a.done == 0:
            # One case at a time per official (issue #16): those with an open one are left out.
            open_cases: list[str] = await workflow.execute_activity(
                "officials_with_open_cases",
                OfficialsQuery(official_ids=a.official_ids),
                result_type=list[str],
                start_to_close_timeout=IO,
            )
            for official in open_cases:
                skipped[official] = "an engagement of this official is still open"
        chunk = a.official_ids[a.done : a.done + CHUNK]
        self.summary = AssignmentSummary(
            assignment_id=a.assignment_id,
            assigned_by=a.started_by,
            agency_path=a.agency_path,
            officials=len(a.official_ids),
            started=a.done - len([o for o in a.official_ids[: a.done] if o in skipped]),
            skipped=skipped,
        )
        todo = [o for o in chunk if o not in skipped]
        if workflow.patched(START_IN_GROUPS):
            # 500 child starts in one workflow task overran the SDK's two-second deadlock
            # check on a worker busy with 10,000 engagements (the 10,000 bench): a group per
            # task keeps each task short.
            for k in range(0, len(todo), GROUP):
                group = todo[k : k + GROUP]
                await asyncio.gather(*(self._start(a, official) for official in group))
        else:
            await asyncio.gather(*(self._start(a, official) for official in todo))
        self.summary.started += len(todo)
        done = a.done + len(chunk)
        if done < len(a.official_ids):
            workflow.continue_as_new(a.model_copy(update={"done": done, "skipped": skipped}))
        self.summary.finished = True
        return self.summary

    async def _start(self, a: AssignForNecessity, official: str) -> None:
        start = StartEngagement(
            engagement_id=assigned_engagement_id(a.assignment_id, official),
            official_id=official,
            started_by=a.started_by,
            selection="necessity",
            necessity_reason=a.necessity_reason,
            assignment_id=a.assignment_id,
            template=a.template,
        )
        # Already there: started by an earlier attempt of this very run.
        with contextlib.suppress(WorkflowAlreadyStartedError):
            await workflow.start_child_workflow(
                EngagementWorkflow.run,
                start,
                id=start.engagement_id,
                task_queue=workflow.info().task_queue,
                # An engagement outlives the action that started it by months.
                parent_close_policy=workflow.ParentClosePolicy.ABANDON,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            )

    @workflow.query
    def progress(self) -> AssignmentSummary | None:
        return self.summary
