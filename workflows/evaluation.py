"""The yearly evaluation, recorded by a Temporal Schedule (issue #18 item 1, R-EVA-2).

On 1 October at 06:00 Bangkok time, once a fiscal year has ended, the schedule starts
`YearlyEvaluationWorkflow`; its one activity asks the audit service to record every agency's
figures for that year from the chain (`evaluation.yearly_evaluation_recorded`). Recording is
idempotent (one event per agency and year) and refused for a year still running, so a missed
run caught up by the schedule, or a start by hand, changes nothing that was recorded.
"""

from datetime import timedelta
from typing import Any

from temporalio import activity, workflow
from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleCalendarSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleRange,
    ScheduleSpec,
)
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from nats.aio.client import Client as Nats

    from contracts.requests.audit import RecordEvaluation
    from services.shared.auth import ServiceCredentials
    from services.shared.client import Client as Requests

SCHEDULE_ID = "telework-yearly-evaluation"
WORKFLOW_ID = "telework-yearly-evaluation"


class EvaluationActivities:
    def __init__(self, nc: Nats, credentials: "str | ServiceCredentials") -> None:
        # A ministry's chain is read once per agency tree: minutes, not seconds.
        self._requests = Requests(nc, credentials, lang="en", timeout=300)

    @activity.defn(name="record_yearly_evaluation")
    async def record_yearly_evaluation(self, fiscal_year: int | None) -> dict[str, Any]:
        return await self._requests.ask(RecordEvaluation(fiscal_year=fiscal_year))


@workflow.defn(name="YearlyEvaluationWorkflow")
class YearlyEvaluationWorkflow:
    @workflow.run
    async def run(self, fiscal_year: int | None = None) -> dict[str, Any]:
        result: dict[str, Any] = await workflow.execute_activity(
            "record_yearly_evaluation",
            fiscal_year,
            start_to_close_timeout=timedelta(minutes=10),
            # The audit service away is retried for a day; a refusal (a year still running)
            # is final.
            retry_policy=RetryPolicy(
                maximum_interval=timedelta(minutes=10),
                non_retryable_error_types=["Refused"],
            ),
            schedule_to_close_timeout=timedelta(days=1),
        )
        return result


def yearly_schedule(task_queue: str) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(
            YearlyEvaluationWorkflow.run, None, id=WORKFLOW_ID, task_queue=task_queue
        ),
        spec=ScheduleSpec(
            calendars=[
                ScheduleCalendarSpec(
                    month=(ScheduleRange(10),),
                    day_of_month=(ScheduleRange(1),),
                    hour=(ScheduleRange(6),),
                    comment="1 October 06:00: the fiscal year ended on 30 September",
                )
            ],
            time_zone_name="Asia/Bangkok",
        ),
        # A run missed while the platform was down is caught up within a month.
        policy=SchedulePolicy(
            overlap=ScheduleOverlapPolicy.SKIP, catchup_window=timedelta(days=30)
        ),
    )


async def ensure_yearly_schedule(client: Client, task_queue: str) -> bool:
    """Create the schedule if it is not there yet; True if it was created now."""
    try:
        await client.create_schedule(SCHEDULE_ID, yearly_schedule(task_queue))
    except ScheduleAlreadyRunningError:
        return False
    return True
