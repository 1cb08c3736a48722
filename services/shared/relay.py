"""Outbox relay: publishes what the event log committed to JetStream, in log order.

Nothing is published that was not committed, and nothing committed is lost while NATS is down:
its outbox rows stay and the relay catches up. Publishes are pipelined across streams and
across up to `window` batches for throughput, but chained inside a stream, so a failed publish
never lets a later event of the same stream overtake it. `Nats-Msg-Id` = event id makes re-sends
after a crash harmless.
"""

import asyncio
import logging
from collections import deque
from collections.abc import Sequence
from typing import Any

from nats.aio.client import Client
from nats.js import JetStreamContext
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from services.shared import clock, telemetry
from services.shared.db import brief, outbox
from services.shared.jetstream import connect, ensure_streams

log = logging.getLogger(__name__)
PUBLISHED = telemetry.meter("telework.relay").create_counter(
    "telework.relay.published",
    unit="{event}",
    description="Events the outbox relay published and JetStream acknowledged",
)


class OutboxRelay:
    def __init__(
        self,
        sessions: async_sessionmaker[Any],
        nats_url: str,
        *,
        name: str = "relay",
        batch_size: int = 512,
        window: int = 8,
        idle_wait: float = 0.05,
        publish_timeout: float = 5.0,
    ) -> None:
        self._sessions = sessions
        self._nats_url = nats_url
        self._name = name
        self._batch_size = batch_size
        self._window = window
        self._idle_wait = idle_wait
        self._publish_timeout = publish_timeout
        self._wake = asyncio.Event()
        self._nc: Client | None = None
        self._js: JetStreamContext | None = None
        self.published_total = 0

    def notify(self) -> None:
        """Called by in-process writers after a commit, so the relay need not wait to poll."""
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        backoff = 0.1
        try:
            while not stop.is_set():
                try:
                    await self.publish_pending()
                    backoff = 0.1
                except Exception as exc:  # NATS or database away: keep rows, retry later
                    log.warning("relay %s: %s; retrying in %.1fs", self._name, brief(exc), backoff)
                    await clock.pause(stop, backoff)
                    backoff = min(backoff * 2, 5.0)
                    continue
                await _wait_any(stop, self._wake, self._idle_wait)
                self._wake.clear()
        finally:
            await self.close()

    async def close(self) -> None:
        if self._nc is not None and not self._nc.is_closed:
            await self._nc.close()
        self._nc = self._js = None

    async def connect(self) -> JetStreamContext:
        if self._js is None or self._nc is None or self._nc.is_closed:
            self._nc = await connect(self._nats_url, name=f"telework-{self._name}")
            self._js = self._nc.jetstream()
            await ensure_streams(self._js)
        return self._js

    async def publish_pending(self) -> int:
        """Publish everything unpublished; returns how many JetStream acknowledged.

        Up to `window` batches are in flight at once, chained stream by stream across batches,
        so a stream with many pending events holds back only itself, never the batches behind
        it: throughput depends on how many streams have work, not on the longest chain (with
        one batch at a time, 26 chains of 20 events in a batch meant 20 round trips for 512
        events, and a replicated stream's latency showed in full). Reading the next batch and
        marking finished ones overlap with publishing; batches are marked in log order.
        """
        js = await self.connect()
        tails: dict[str, asyncio.Future[Any]] = {}
        in_flight: deque[asyncio.Future[tuple[list[int], BaseException | None]]] = deque()
        marking: asyncio.Future[None] | None = None
        sent = 0
        error: BaseException | None = None
        batch = await self._fetch(after=None)
        try:
            while in_flight or (batch and error is None):
                if batch and error is None and len(in_flight) < self._window:
                    in_flight.append(asyncio.ensure_future(self._publish(js, batch, tails)))
                    full = len(batch) == self._batch_size
                    batch = await self._fetch(after=batch[-1].position) if full else []
                    continue
                acked, failed = await in_flight.popleft()
                if marking is not None:
                    await marking
                marking = asyncio.ensure_future(self._mark(acked)) if acked else None
                sent += len(acked)
                error = error or failed
                _forget_published(tails)
        finally:
            for pending in in_flight:  # cancelled from outside: wait for what was sent
                await asyncio.gather(pending, return_exceptions=True)
            if marking is not None:
                await marking
        if error is not None:
            raise error
        return sent

    async def _fetch(self, after: int | None) -> Sequence[Any]:
        query = (
            select(
                outbox.c.position,
                outbox.c.event_id,
                outbox.c.stream_id,
                outbox.c.subject,
                outbox.c.envelope,
            )
            .order_by(outbox.c.position)
            .limit(self._batch_size)
        )
        if after is not None:
            # An event committed late with a lower position is caught by the next drain,
            # which starts from the beginning again.
            query = query.where(outbox.c.position > after)
        async with self._sessions() as session:
            return list((await session.execute(query)).all())

    async def _mark(self, positions: list[int]) -> None:
        async with self._sessions.begin() as session:
            await session.execute(delete(outbox).where(outbox.c.position.in_(positions)))
        self.published_total += len(positions)
        PUBLISHED.add(len(positions), {"relay": self._name})

    async def _publish(
        self,
        js: JetStreamContext,
        rows: Sequence[Any],
        previous_in_stream: dict[str, asyncio.Future[Any]],
    ) -> tuple[list[int], BaseException | None]:
        """Publish one batch; each row waits for the one before it in its stream, which may
        belong to an earlier batch still in flight (`previous_in_stream` is shared)."""
        tasks: list[asyncio.Future[Any]] = []
        timeout = self._publish_timeout

        async def after(previous: asyncio.Future[Any], row: Any) -> Any:
            await previous  # a failure here fails this one too: stream order holds
            return await js.publish(
                row.subject,
                row.envelope.encode(),
                timeout=timeout,
                headers={"Nats-Msg-Id": row.event_id},
            )

        for row in rows:
            previous = previous_in_stream.get(row.stream_id)
            if previous is None:
                task = asyncio.ensure_future(
                    js.publish(
                        row.subject,
                        row.envelope.encode(),
                        timeout=timeout,
                        headers={"Nats-Msg-Id": row.event_id},
                    )
                )
            else:
                task = asyncio.ensure_future(after(previous, row))
            previous_in_stream[row.stream_id] = task
            tasks.append(task)
        results = await asyncio.gather(*tasks, return_exceptions=True)
        acked = [
            row.position
            for row, res in zip(rows, results, strict=True)
            if not isinstance(res, BaseException)
        ]
        errors = [res for res in results if isinstance(res, BaseException)]
        return acked, (errors[0] if errors else None)


def _forget_published(tails: dict[str, asyncio.Future[Any]]) -> None:
    """A stream whose last publish was acknowledged needs no chain any more (keeps the map small
    over a long backlog). A failed one stays: what comes after it in its stream must fail too."""
    for stream in [s for s, f in tails.items() if _acknowledged(f)]:
        del tails[stream]


def _acknowledged(future: asyncio.Future[Any]) -> bool:
    return future.done() and not future.cancelled() and future.exception() is None


async def _wait_any(stop: asyncio.Event, wake: asyncio.Event, seconds: float) -> None:
    waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(wake.wait())]
    try:
        await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waiters:
            w.cancel()
