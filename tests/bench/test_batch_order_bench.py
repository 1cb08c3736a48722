"""A batch order of N engagements (default 1,000) from proposal to active, on the Temporal dev
server, against a trivial one-activity workflow run N times on the same server in the same run.
"""

import os
import time
import uuid

import pytest
from sqlalchemy import text
from temporalio.client import Client
from temporalio.worker import Worker

from contracts.events.engagement import ScheduleSpec
from services.shared.db import create_schema, make_engine, sessionmaker
from tests.bench.conftest import bounded, report, until_started
from tests.support.engagement import GOALS, HEAD, OFFICIAL, SUPERVISOR, accept_both, directory
from tests.support.trivial_workflow import Trivial, noop
from workflows.engagement.client import issue_batch_order
from workflows.engagement.models import (
    DraftAgreement,
    Propose,
    StartEngagement,
)
from workflows.engagement.tables import ENGAGEMENT
from workflows.engagement.worker import build_worker
from workflows.engagement.workflow import EngagementWorkflow as W

N = int(os.environ.get("BENCH_ENGAGEMENTS", "1000"))
CONCURRENCY = 50


async def to_proposed(client: Client, queue: str, eid: str, today) -> None:  # type: ignore[no-untyped-def]
    h = await client.start_workflow(
        W.run,
        StartEngagement(
            engagement_id=eid, official_id=OFFICIAL, started_by=SUPERVISOR, selection="necessity"
        ),
        id=eid,
        task_queue=queue,
    )
    await h.execute_update(W.settled)
    schedule = ScheduleSpec(kind="occasional", start=today, days=5)
    ack = await h.execute_update(
        W.draft_agreement, DraftAgreement(by=SUPERVISOR, goals=GOALS, schedule=schedule)
    )
    await accept_both(h, ack.detail["agreement_version"])
    await h.execute_update(W.propose, Propose(by=SUPERVISOR))


@pytest.mark.bench
async def test_batch_order_against_trivial_workflow(temporal: Client, postgres_url: str) -> None:
    client = temporal
    schema = "bench_" + uuid.uuid4().hex[:8]
    engine = make_engine(postgres_url, schema)
    await create_schema(engine, [ENGAGEMENT], schema)
    queue = "bench-engagement"
    trivial_queue = "bench-trivial"
    worker = build_worker(
        client,
        sessionmaker(engine),
        directory(),
        task_queue=queue,
        actor_proof=None,
        max_concurrent_activities=100,
    )
    trivial = Worker(client, task_queue=trivial_queue, workflows=[Trivial], activities=[noop])
    async with worker, trivial:
        t0 = time.perf_counter()
        await bounded(
            [
                client.execute_workflow(
                    Trivial.run, i, id=f"t-{uuid.uuid4().hex}", task_queue=trivial_queue
                )
                for i in range(N)
            ],
            CONCURRENCY,
        )
        baseline = N / (time.perf_counter() - t0)

        today = _today()
        ids = [f"B-{uuid.uuid4().hex[:10]}" for _ in range(N)]
        await bounded([to_proposed(client, queue, eid, today) for eid in ids], CONCURRENCY)

        t0 = time.perf_counter()
        answers = await issue_batch_order(client, HEAD, ids)

        first_day = await until_started(client, engine, ids)
        ours = N / (time.perf_counter() - t0)
        for eid in ids:
            await client.get_workflow_handle(eid).terminate("bench over")
    async with engine.begin() as conn:
        await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    await engine.dispose()
    numbers = {a.detail["order_number"] for a in answers.values()}  # type: ignore[union-attr]
    assert len(numbers) == 1
    report(
        "batch_order_to_active",
        ours,
        "engagements/s",
        baseline,
        engagements=N,
        baseline_unit="trivial workflows/s",
        first_telework_day=str(first_day),
    )


def _today():  # type: ignore[no-untyped-def]
    from services.shared.clock import today

    return today()
