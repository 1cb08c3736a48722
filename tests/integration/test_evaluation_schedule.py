"""The yearly evaluation recorded by a Temporal Schedule (issue #18 item 1, R-EVA-2): the
schedule as the engagement worker makes it, on a real dev server; the workflow and its activity
against the platform's audit service, recording every agency's figures once per ended year."""

import asyncio
import tempfile
import uuid
from pathlib import Path

import nats
import pytest
from temporalio.client import Client, WorkflowFailureError
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Worker

from infra.stack import free_port, start_temporal
from services.audit.domain.evaluation import last_ended
from services.audit.service_layer.evaluation import LOG
from services.shared.auth import service_actor
from services.shared.clock import today
from tests.support.stack import Stack
from workflows.evaluation import (
    SCHEDULE_ID,
    WORKFLOW_ID,
    EvaluationActivities,
    YearlyEvaluationWorkflow,
    ensure_yearly_schedule,
)

pytestmark = pytest.mark.integration


async def test_the_schedule_runs_on_1_october_in_bangkok() -> None:
    data = Path(tempfile.mkdtemp(prefix="temporal-schedule-"))
    port = free_port()
    proc = start_temporal(data, port=port, ui_port=free_port())
    try:
        client = await Client.connect(f"127.0.0.1:{port}", data_converter=pydantic_data_converter)
        assert await ensure_yearly_schedule(client, "engagement") is True
        assert await ensure_yearly_schedule(client, "engagement") is False  # made once
        described = await client.get_schedule_handle(SCHEDULE_ID).describe()
        spec = described.schedule.spec
        assert spec.time_zone_name == "Asia/Bangkok"
        [calendar] = spec.calendars
        assert [r.start for r in calendar.month] == [10]
        assert [r.start for r in calendar.day_of_month] == [1]
        assert [r.start for r in calendar.hour] == [6]
        upcoming = described.info.next_action_times[0]
        assert (upcoming.month, upcoming.day, upcoming.hour) == (9, 30, 23)  # 06:00 +07:00
        # Triggered by hand, as an operator would after an outage: the workflow starts.
        await client.get_schedule_handle(SCHEDULE_ID).trigger()
        for _ in range(50):
            query = "WorkflowType = 'YearlyEvaluationWorkflow'"
            runs = [w async for w in client.list_workflows(query)]
            if runs:
                break
            await asyncio.sleep(0.2)
        assert runs and runs[0].id.startswith(WORKFLOW_ID)
    finally:
        proc.terminate()
        proc.wait(20)


NEW_UNIT = "ONDE-EVAL"


async def new_unit_chained(stack: Stack) -> None:
    """HR imports a new unit now: the chain learns it for certain (the demo seed may have
    been published before this test's audit consumer began)."""
    import httpx
    from sqlalchemy import func, select

    from services.audit.adapters.tables import chain
    from tests.integration.test_portal_api import login

    csv = (
        "agency_code,parent_code,level,name_th,name_en\n"
        f"{NEW_UNIT},ONDE,bureau,กองประเมินผล,Evaluation Bureau\n"
    )
    async with httpx.AsyncClient(base_url=stack.url, timeout=60) as c:
        hr = await login(c, "hr@onde.example.go.th")
        files = {"files": ("agencies.csv", csv.encode(), "text/csv")}
        r = await c.post("/api/identity/import", files=files, headers=hr)
        assert r.status_code == 200 and not r.json()["errors"], r.text
    query = select(func.count()).where(
        chain.c.type.like("%.identity.agency_registered.v1"), chain.c.agency == NEW_UNIT
    )
    async with asyncio.timeout(120):
        while True:
            async with stack.audit() as s:
                if (await s.execute(query)).scalar_one():
                    return
            await asyncio.sleep(0.2)


async def test_every_agency_is_recorded_once_for_an_ended_year(
    stack: Stack, private_nats_url: str
) -> None:
    nc = await nats.connect(private_nats_url)
    queue = f"evaluation-{uuid.uuid4().hex[:8]}"
    acts = EvaluationActivities(nc, stack.issuer.issue(service_actor("engagement")))
    ended = last_ended(today())
    await new_unit_chained(stack)
    try:
        async with Worker(
            stack.env.client,
            task_queue=queue,
            workflows=[YearlyEvaluationWorkflow],
            activities=[acts.record_yearly_evaluation],
        ):
            first = await stack.env.client.execute_workflow(
                YearlyEvaluationWorkflow.run, None, id=f"y-{uuid.uuid4().hex}", task_queue=queue
            )
            assert first["fiscal_year"] == ended and NEW_UNIT in first["agencies"], first
            again = await stack.env.client.execute_workflow(
                YearlyEvaluationWorkflow.run, ended, id=f"y-{uuid.uuid4().hex}", task_queue=queue
            )
            # The chain may have learnt more agencies meanwhile (the demo seed arriving);
            # those recorded already are not recorded again (below).
            assert set(again["agencies"]) >= set(first["agencies"])
            # A year still running is refused for good: its figures would stand for it.
            with pytest.raises(WorkflowFailureError):
                await stack.env.client.execute_workflow(
                    YearlyEvaluationWorkflow.run,
                    ended + 1,
                    id=f"y-{uuid.uuid4().hex}",
                    task_queue=queue,
                )
        async with stack.audit() as s:
            recorded = await LOG.read_stream(s, f"yearly-evaluation-{NEW_UNIT}-{ended}")
        assert len(recorded) == 1  # once, however often it ran
        figures = recorded[0].envelope.data["figures"]
        assert figures["agency"] == NEW_UNIT and figures["fiscal_year"] == ended
        assert {"participation_rate", "km_avoided", "satisfaction", "readiness"} <= set(figures)
    finally:
        await nc.close()
