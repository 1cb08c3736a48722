"""Replay: the committed history of every path must replay against today's workflow code, and
a deliberately changed workflow must fail (Temporal determinism). Change a running workflow only
through `workflow.patched(…)`; regenerate histories with RECORD_HISTORIES=1 when a new path is
added (see docs/engagement.md)."""

from datetime import timedelta
from pathlib import Path

import pytest
from temporalio import workflow
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer
from temporalio.workflow import NondeterminismError

from workflows.engagement.assignment import AssignmentWorkflow
from workflows.engagement.models import OfficialRef, StartEngagement, Summary
from workflows.engagement.workflow import EngagementWorkflow

FOLDER = Path(__file__).parent / "histories"
# Today's recordings at the top; histories recorded by earlier code, which workflows still
# running from then replay, in dated folders beside them (before-2026-11-28: before the
# patches RECORD_TOGETHER and SET_UP_ASSIGNED_AT_ONCE).
CURRENT = sorted(FOLDER.glob("*.json"))
HISTORIES = sorted(FOLDER.glob("**/*.json"))
# One per path, and (issue #19) an engagement started by a bulk assignment.
PATHS = {
    "normal_end",
    "ineligible",
    "head_refuses",
    "termination",
    "renewal",
    "wrong_actors",
    "bulk_assignment",
    "assignment",  # the bulk assignment's own workflow, which starts the engagements
}


def history(path: Path) -> WorkflowHistory:
    return WorkflowHistory.from_json(path.stem, path.read_text(encoding="utf-8"))


def test_a_history_is_committed_for_every_path() -> None:
    assert {p.stem for p in CURRENT} == PATHS


@pytest.mark.parametrize(
    "path", HISTORIES, ids=[str(p.relative_to(FOLDER).with_suffix("")) for p in HISTORIES]
)
async def test_history_replays_against_todays_code(path: Path) -> None:
    replayer = Replayer(
        workflows=[EngagementWorkflow, AssignmentWorkflow], data_converter=pydantic_data_converter
    )
    await replayer.replay_workflow(history(path))


@workflow.defn(name="EngagementWorkflow")
class ChangedEngagementWorkflow(EngagementWorkflow):
    """Someone 'just' asked eligibility before the supervisor chain, without a patch."""

    @workflow.run
    async def run(self, start: StartEngagement) -> Summary:
        await workflow.execute_activity(
            "eligibility",
            OfficialRef(official_id=start.official_id),
            start_to_close_timeout=timedelta(seconds=30),
        )
        return await super().run(start)


async def test_a_changed_workflow_fails_replay() -> None:
    replayer = Replayer(
        workflows=[ChangedEngagementWorkflow], data_converter=pydantic_data_converter
    )
    with pytest.raises(NondeterminismError):
        await replayer.replay_workflow(history(FOLDER / "normal_end.json"))
