"""Group commit: every caller is answered, from the batch its request joined."""

import asyncio
from collections.abc import Sequence

import pytest

from services.shared.group_commit import GroupCommit


class Refused(Exception):
    pass


class Store:
    def __init__(self, pause: float = 0.0) -> None:
        self.batches: list[list[int]] = []
        self.pause = pause

    async def write(self, items: Sequence[int]) -> list[int | BaseException]:
        await asyncio.sleep(self.pause)
        self.batches.append(list(items))
        return [Refused(i) if i % 7 == 3 else i * 10 for i in items]


async def test_a_request_in_the_writers_last_loop_turn_gets_a_writer() -> None:
    """Found by the benchmark: a request arriving in the same loop turn in which the writer
    found the queue empty (before its task's done-callback ran) waited for a writer that was
    already gone, and its caller timed out."""
    loop = asyncio.get_running_loop()
    written = loop.create_future()
    arrives = loop.create_future()

    async def write(items: Sequence[int]) -> list[int | BaseException]:
        await written
        return list(items)

    group: GroupCommit[int, int] = GroupCommit(write)
    first = asyncio.create_task(group.submit(1))

    async def late() -> int:
        await arrives
        return await group.submit(2)

    second = asyncio.create_task(late())
    await asyncio.sleep(0)  # the writer waits on `written`, the late request on `arrives`
    written.set_result(None)  # both wake in the same loop turn, the writer first
    arrives.set_result(None)
    async with asyncio.timeout(2):
        assert await first == 1
        assert await second == 2


async def test_one_caller_after_another() -> None:
    store = Store()
    group: GroupCommit[int, int] = GroupCommit(store.write)
    async with asyncio.timeout(5):
        for i in range(300):
            if i % 7 == 3:
                with pytest.raises(Refused):
                    await group.submit(i)
            else:
                assert await group.submit(i) == i * 10


async def test_requests_arriving_together_share_batches_and_keep_their_answers() -> None:
    store = Store(pause=0.01)
    group: GroupCommit[int, int] = GroupCommit(store.write, max_batch=50)
    async with asyncio.timeout(5):
        outcomes = await asyncio.gather(
            *(group.submit(i) for i in range(200)), return_exceptions=True
        )
    for i, outcome in enumerate(outcomes):
        assert isinstance(outcome, Refused) if i % 7 == 3 else outcome == i * 10
    assert len(store.batches) <= 5 and max(map(len, store.batches)) == 50
    assert sorted(i for b in store.batches for i in b) == list(range(200))


async def test_a_failed_write_fails_its_batch_only() -> None:
    calls = 0

    async def flaky(items: Sequence[int]) -> list[int | BaseException]:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.01)
        if calls == 1:
            raise ConnectionError("database went away")
        return list(items)

    group: GroupCommit[int, int] = GroupCommit(flaky)
    first = asyncio.create_task(group.submit(1))
    await asyncio.sleep(0)  # the first batch is being written
    later = [asyncio.create_task(group.submit(i)) for i in (2, 3)]
    async with asyncio.timeout(5):
        with pytest.raises(ConnectionError):
            await first
        assert await asyncio.gather(*later) == [2, 3]
