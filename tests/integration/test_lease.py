"""R-DEP-1, issue #15 item 2: one active replica at a time for the relay and the projections, with
failover, on SQLite and PostgreSQL (docs/decisions/0008)."""

import asyncio
import contextlib

import pytest

from services.shared.lease import Lease, lead
from tests.conftest import Database

pytestmark = pytest.mark.integration

TTL = 0.9


async def test_one_holder_until_it_expires_or_is_released(db: Database) -> None:
    first = Lease(db.sessions, "attendance-leader", holder="a", ttl_s=TTL)
    second = Lease(db.sessions, "attendance-leader", holder="b", ttl_s=TTL)
    other = Lease(db.sessions, "audit-leader", holder="b", ttl_s=TTL)
    assert await first.claim()
    assert not await second.claim()
    assert await other.claim(), "each lease is its own"
    assert await first.claim(), "the holder renews"
    await asyncio.sleep(TTL + 0.2)
    assert await second.claim(), "an expired lease is free"
    assert not await first.claim(), "and the old holder has lost it"
    await second.release()
    assert await first.claim(), "a released lease is free at once"


async def test_work_moves_to_the_other_replica_and_never_runs_twice(db: Database) -> None:
    """Two replicas lead in turn: while one works the other waits; when the working one stops
    (released) or freezes past its term (expired), the other takes over."""
    running: list[str] = []
    overlaps: list[tuple[str, ...]] = []
    worked: dict[str, int] = {"a": 0, "b": 0}

    def job(name: str):  # type: ignore[no-untyped-def]
        async def work(resign: asyncio.Event) -> None:
            running.append(name)
            try:
                while not resign.is_set():
                    if len(running) > 1:
                        overlaps.append(tuple(running))
                    worked[name] += 1
                    await asyncio.sleep(0.05)
            finally:
                running.remove(name)

        return work

    stop_a, stop_b = asyncio.Event(), asyncio.Event()
    a = asyncio.create_task(
        lead(Lease(db.sessions, "svc-leader", holder="a", ttl_s=TTL), stop_a, [job("a")])
    )
    await asyncio.sleep(0.3)
    b = asyncio.create_task(
        lead(Lease(db.sessions, "svc-leader", holder="b", ttl_s=TTL), stop_b, [job("b")])
    )
    await asyncio.sleep(1.5)
    assert running == ["a"] and worked["b"] == 0

    stop_a.set()  # a clean stop releases the lease
    await a
    async with asyncio.timeout(TTL * 3):
        while running != ["b"]:
            await asyncio.sleep(0.05)

    # `a` comes back and waits its turn; `b` is cancelled like a killed process: its row stays
    # until it expires, then `a` leads again.
    stop_a = asyncio.Event()
    a = asyncio.create_task(
        lead(Lease(db.sessions, "svc-leader", holder="a", ttl_s=TTL), stop_a, [job("a")])
    )
    await asyncio.sleep(0.5)
    assert running == ["b"]
    b.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await b
    async with asyncio.timeout(TTL * 4):
        while running != ["a"]:
            await asyncio.sleep(0.05)
    stop_a.set()
    stop_b.set()
    await a
    assert overlaps == []
    assert worked["a"] > 0 and worked["b"] > 0
