"""A running engagement worker on the time-skipping server, and the people of the demo story."""

import contextlib
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from contracts.events.engagement import Goal, ScheduleSpec
from workflows.engagement.client import start_engagement
from workflows.engagement.directory import StaticDirectory
from workflows.engagement.models import (
    Chain,
    EligibilityResult,
    Heads,
    Policy,
    StartEngagement,
)
from workflows.engagement.tables import ENGAGEMENT
from workflows.engagement.worker import build_worker

OFFICIAL, OFFICIAL_SOC = "D0202", "D0203"
SUPERVISOR, DEPUTY, HEAD = "D0201", "D0002", "D0001"
STRANGER = "D0101"

POLICY = Policy(
    agency_code="ONDE",
    version=1,
    allowed_modes=["regular", "occasional"],
    max_days_per_week=2,
    max_days_per_month=8,
    max_period_months=12,
    max_occasional_working_days=10,
    report_cadence_days=14,
    grace_period_days=2,
)


def directory(acting: str | None = None) -> StaticDirectory:
    chain = Chain(
        agency_code="ONDE-DGT",
        agency_path=["MDES", "ONDE", "ONDE-DGT"],
        chain=[SUPERVISOR, DEPUTY, HEAD],
    )
    return StaticDirectory(
        chains={OFFICIAL: chain, OFFICIAL_SOC: chain},
        eligibilities={
            OFFICIAL: EligibilityResult(status="may", rule="§3.1.1"),
            OFFICIAL_SOC: EligibilityResult(status="may_not", rule="§3.2.1"),
        },
        head_by_agency={
            "ONDE-DGT": Heads(agency="ONDE", head=HEAD, acting_head=acting, deciding=acting or HEAD)
        },
        policies={"ONDE-DGT": POLICY},
    )


GOALS = [
    Goal(
        goal_id="G1",
        description="ออกแบบระบบลงเวลาออนไลน์",
        indicator="percent",
        target="100",
        due=date(2099, 5, 1),  # after any start the time-skipping clock reaches
    ),
    Goal(
        goal_id="G2",
        description="รายงานการวิเคราะห์ความเสี่ยง",
        indicator="date",
        target="2099-03-31",
        due=date(2099, 3, 31),
    ),
]


def next_monday(today: date, weeks: int = 1) -> date:
    """The Monday `weeks` ahead, or the first later Monday that is a working day: a schedule
    starting on a holiday Monday (7 Dec 2026, say) would really start days later, and tests
    that skip to "the start" must not depend on the real date (issue #21, item 11)."""
    from workflows.calendar import WorkingCalendar

    day = today + timedelta(days=7 * weeks - today.weekday())
    while not WorkingCalendar().is_working_day(day):
        day += timedelta(days=7)
    return day


def six_months_mon_thu(today: date) -> ScheduleSpec:
    return ScheduleSpec(
        kind="regular_weekdays", start=next_monday(today), months=6, weekdays=[0, 3]
    )


@asynccontextmanager
async def engagement_worker(
    env: WorkflowEnvironment,
    db: Any,
    dirs: StaticDirectory | None = None,
    actor_proof: Any = None,
) -> AsyncIterator[str]:
    await db.create(ENGAGEMENT)
    queue = f"engagement-{uuid.uuid4().hex[:8]}"
    async with build_worker(
        env.client, db.sessions, dirs or directory(), task_queue=queue, actor_proof=actor_proof
    ):
        try:
            yield queue
        finally:
            # Leave no timers behind: the next test's time skipping would fire them.
            for workflow_id in STARTED.pop(queue, []):
                with contextlib.suppress(Exception):
                    await env.client.get_workflow_handle(workflow_id).terminate("test over")


STARTED: dict[str, list[str]] = {}


async def begin(
    env: WorkflowEnvironment,
    queue: str,
    official: str = OFFICIAL,
    by: str | None = None,
    selection: str = "voluntary",
) -> WorkflowHandle[Any, Any]:
    engagement_id = f"ENG-{uuid.uuid4().hex[:10]}"
    STARTED.setdefault(queue, []).append(engagement_id)
    return await start_engagement(
        env.client,
        StartEngagement(
            engagement_id=engagement_id,
            official_id=official,
            started_by=by or official,
            selection=selection,  # type: ignore[arg-type]
            necessity_reason="โรคระบาด" if selection == "necessity" else None,
        ),
        task_queue=queue,
    )


HISTORIES = Path(__file__).parents[1] / "replay" / "histories"


async def keep_history(handle: WorkflowHandle[Any, Any], path_name: str) -> None:
    """With RECORD_HISTORIES=1, write this run's history for the replay tests to commit."""
    if os.environ.get("RECORD_HISTORIES") != "1":
        return
    history = await handle.fetch_history()
    HISTORIES.mkdir(parents=True, exist_ok=True)
    (HISTORIES / f"{path_name}.json").write_text(history.to_json(), encoding="utf-8")


async def accept_both(
    handle: WorkflowHandle[Any, Any],
    version: int,
    official: str = OFFICIAL,
    supervisor: str = SUPERVISOR,
) -> None:
    """R-AGR-2/3: the official (with the ethics and security acknowledgement) and the
    first-level supervisor accept the same version."""
    from workflows.engagement.models import AcceptAgreement
    from workflows.engagement.workflow import EngagementWorkflow

    await handle.execute_update(
        EngagementWorkflow.accept_agreement,
        AcceptAgreement(
            by=official,
            agreement_version=version,
            ethics_acknowledged=True,
            security_acknowledged=True,
        ),
    )
    await handle.execute_update(
        EngagementWorkflow.accept_agreement,
        AcceptAgreement(by=supervisor, agreement_version=version),
    )
