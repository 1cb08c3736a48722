"""Assignment for necessity in bulk (issue #19 item 5): N officials (default 10,000) from one
assignment to active — the assignment starts every engagement with the template drafted and
the supervisor's side accepted, each official accepts (a person's step, sent 50 at a time), the
head issues one batch order, and every engagement starts — on the Temporal dev server, against
the same number of trivial one-activity workflows on the same server in the same run.
"""

import asyncio
import os
import time
import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from temporalio.client import Client
from temporalio.service import RPCError
from temporalio.worker import Worker

from contracts.events.engagement import ScheduleSpec
from services.shared.db import create_schema, make_engine, sessionmaker
from tests.bench.conftest import bounded, report, until_started
from tests.support.engagement import GOALS, HEAD, OFFICIAL, SUPERVISOR, directory
from tests.support.trivial_workflow import Trivial, noop
from workflows.engagement.assignment import assigned_engagement_id
from workflows.engagement.client import assign_for_necessity, issue_batch_order
from workflows.engagement.models import (
    AcceptAgreement,
    AgreementTemplate,
    AssignForNecessity,
)
from workflows.engagement.tables import ENGAGEMENT
from workflows.engagement.worker import build_worker
from workflows.engagement.workflow import EngagementWorkflow as W

N = int(os.environ.get("BENCH_ASSIGNED", "10000"))
PEOPLE = 50  # officials accepting at once


async def again(step: Any) -> Any:
    """As a person would: a step the server could not take yet (a task of that engagement
    timed out under load, "Workflow Task in failed state") is sent again shortly."""
    while True:
        try:
            return await step()
        except RPCError as exc:
            if "Workflow Task in failed state" not in exc.message:
                raise
            await asyncio.sleep(1)


@pytest.mark.bench
async def test_assignment_of_a_whole_agency_to_active(temporal: Client, postgres_url: str) -> None:
    client = temporal
    schema = "bench_" + uuid.uuid4().hex[:8]
    engine = make_engine(postgres_url, schema)
    await create_schema(engine, [ENGAGEMENT], schema)
    officials = [f"B{i:06d}" for i in range(N)]
    people = directory()
    for o in officials:
        people.chains[o] = people.chains[OFFICIAL]
        people.eligibilities[o] = people.eligibilities[OFFICIAL]
    worker = build_worker(
        client,
        sessionmaker(engine),
        people,
        task_queue="bench-assignment",
        actor_proof=None,
        max_concurrent_activities=100,
    )
    trivial = Worker(client, task_queue="bench-trivial", workflows=[Trivial], activities=[noop])
    async with worker, trivial:
        t0 = time.perf_counter()
        await bounded(
            [
                client.execute_workflow(
                    Trivial.run, i, id=f"t-{uuid.uuid4().hex}", task_queue="bench-trivial"
                )
                for i in range(N)
            ],
            PEOPLE,
        )
        baseline = N / (time.perf_counter() - t0)

        today = _today()
        assignment = AssignForNecessity(
            assignment_id=f"ASG-{uuid.uuid4().hex[:8]}",
            started_by=SUPERVISOR,
            official_ids=officials,
            necessity_reason="โรคระบาด",
            template=AgreementTemplate(
                goals=GOALS, schedule=ScheduleSpec(kind="occasional", start=today, days=5)
            ),
        )
        ids = [assigned_engagement_id(assignment.assignment_id, o) for o in officials]
        phases: dict[str, float] = {}
        t0 = time.perf_counter()
        handle = await assign_for_necessity(client, assignment, "bench-assignment")
        summary = await handle.result()
        phases["assigned"] = time.perf_counter() - t0

        async def accept(eid: str, official: str) -> None:
            h = client.get_workflow_handle(eid)
            await again(lambda: h.execute_update(W.settled))
            await again(
                lambda: h.execute_update(
                    W.accept_agreement,
                    AcceptAgreement(
                        by=official,
                        agreement_version=1,
                        ethics_acknowledged=True,
                        security_acknowledged=True,
                    ),
                )
            )

        await bounded([accept(e, o) for e, o in zip(ids, officials, strict=True)], PEOPLE)
        phases["accepted"] = time.perf_counter() - t0
        answers = await issue_batch_order(client, HEAD, ids, batch_id=assignment.assignment_id)

        first_day = await until_started(client, engine, ids)
        elapsed = time.perf_counter() - t0
        phases["active"] = elapsed
        ours = N / elapsed
        for eid in ids:
            await client.get_workflow_handle(eid).terminate("bench over")
    async with engine.begin() as conn:
        await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    await engine.dispose()
    assert summary.started == N
    numbers = {a.detail["order_number"] for a in answers.values()}  # type: ignore[union-attr]
    assert len(numbers) == 1
    report(
        "assignment_to_active",
        ours,
        "engagements/s",
        baseline,
        engagements=N,
        baseline_unit="trivial workflows/s",
        seconds={k: round(v, 1) for k, v in phases.items()},
        first_telework_day=str(first_day),
    )


def _today() -> date:
    from services.shared.clock import today

    return today() + timedelta(days=0)
