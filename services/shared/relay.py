"""Outbox relay: publishes what the event log committed to JetStream, in log order.

Nothing is published that was not committed, and nothing committed is lost while NATS is down:
its outbox rows stay and the relay catches up. Publishes are pipelined across
streams for throughput, but chained inside a stream, so a failed publish never lets a later
event of the same stream overtake it. `Nats-Msg-Id` = event id makes re-sends after a crash
harmless.
"""

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from nats.aio.client import Client
from nats.js import JetStreamContext
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from services.shared import clock, telemetry
from services.shared.db import outbox
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
        idle_wait: float = 0.05,
        publish_timeout: float = 5.0,
    ) -> None:
        self._sessions = sessions
        self._nats_url = nats_url
        self._name = name
        self._batch_size = batch_size
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
                    log.warning("relay %s: %s; retrying in %.1fs", self._name, exc, backoff)
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

        Reading the next batch and marking the previous one overlap with publishing the
        current one, so the database round trips hide behind JetStream's.
        """
        js = await self.connect()
        sent = 0
        marking: asyncio.Future[None] | None = None
        batch = await self._fetch(after=None)
        try:
            while batch:
                publishing = asyncio.ensure_future(self._publish(js, batch))
                full = len(batch) == self._batch_size
                upcoming = (
                    asyncio.ensure_future(self._fetch(after=batch[-1].position)) if full else None
                )
                acked, error = await publishing
                if marking is not None:
                    await marking
                marking = asyncio.ensure_future(self._mark(acked)) if acked else None
                sent += len(acked)
                if error is not None:
                    if upcoming is not None:
                        upcoming.cancel()
                    raise error
                batch = await upcoming if upcoming is not None else []
        finally:
            if marking is not None:
                await marking
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
        self, js: JetStreamContext, rows: Sequence[Any]
    ) -> tuple[list[int], BaseException | None]:
        previous_in_stream: dict[str, asyncio.Future[Any]] = {}
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


async def _wait_any(stop: asyncio.Event, wake: asyncio.Event, seconds: float) -> None:
    waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(wake.wait())]
    try:
        await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waiters:
            w.cancel()
