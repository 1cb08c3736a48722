"""Group commit: requests that arrive while a transaction is being written share the next one.

A durable write costs a transaction (statements, a commit, an fsync) whatever its size, so
under load a hot path (check-in) writes the requests waiting at that moment as one batch, and
answers each caller only after that batch has committed. An idle system still answers a lone
request at once: the first request finds no writer busy and starts one.

`write(batch)` returns one outcome per item, in order: a result, or the exception to raise to
that caller (a refusal of one item must not fail its neighbours). If `write` itself raises,
every caller of that batch gets the exception; nothing of the batch was committed.
"""

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class GroupCommit(Generic[T, R]):
    def __init__(
        self,
        write: Callable[[Sequence[T]], Awaitable[Sequence[R | BaseException]]],
        max_batch: int = 200,
        writers: int = 1,
    ) -> None:
        # One writer measured best on two cores (tests/bench/test_checkin_bench.py: p50 11 ms
        # against 15 ms with two and 22 ms with four): fewer, larger batches mean fewer round
        # trips waiting their turn in a busy event loop. More writers suit a database server of
        # its own with spare cores.
        self._write = write
        self._max_batch = max_batch
        self._max_writers = writers
        self._pending: deque[tuple[T, asyncio.Future[R]]] = deque()
        # Counted by the writers themselves, not by their tasks' done-callbacks: a callback
        # runs a loop turn after the writer has stopped looking at the queue, and a request
        # arriving in that turn would wait for a writer that was already gone.
        self._active = 0
        self._writers: set[asyncio.Task[None]] = set()  # references, so tasks are not lost
        self.batches = 0  # for tests and metrics: how many transactions were written

    async def submit(self, item: T) -> R:
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._pending.append((item, future))
        if self._active < self._max_writers:
            self._active += 1
            task = asyncio.create_task(self._drain())
            self._writers.add(task)
            task.add_done_callback(self._writers.discard)
        # A cancelled caller (client gone) leaves its item in the batch: once written, the
        # idempotency key lets a retry find the answer.
        return await asyncio.shield(future)

    async def _drain(self) -> None:
        try:
            await self._write_pending()
        finally:
            self._active -= 1  # with no await since the queue was last seen empty

    async def _write_pending(self) -> None:
        while self._pending:
            n = min(len(self._pending), self._max_batch)
            taken = [self._pending.popleft() for _ in range(n)]
            try:
                outcomes = await self._write([item for item, _ in taken])
            except BaseException as exc:  # handed to each waiting caller
                for _, future in taken:
                    if not future.done():
                        future.set_exception(exc)
                if isinstance(exc, asyncio.CancelledError):
                    raise
                continue
            finally:
                self.batches += 1
            for (_, future), outcome in zip(taken, outcomes, strict=True):
                if future.done():
                    continue
                if isinstance(outcome, BaseException):
                    future.set_exception(outcome)
                else:
                    future.set_result(outcome)
