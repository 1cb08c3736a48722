"""Outbox relay: publishes what the event log committed to JetStream, in log order.

Nothing is published that was not committed, and nothing committed is lost while NATS is down:
unpublished rows stay marked as such and the relay catches up. Publishes are pipelined across
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
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import async_sessionmaker

from services.shared import clock
from services.shared.db import event_log
from services.shared.jetstream import connect, ensure_streams

log = logging.getLogger(__name__)


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
                    await self._connect()
                    sent = await self.publish_pending()
                    backoff = 0.1
                except Exception as exc:  # NATS or database away: keep rows, retry later
                    log.warning("relay %s: %s; retrying in %.1fs", self._name, exc, backoff)
                    await _wait(stop, backoff)
                    backoff = min(backoff * 2, 5.0)
                    continue
                if sent < self._batch_size:
                    await _wait_any(stop, self._wake, self._idle_wait)
                    self._wake.clear()
        finally:
            await self.close()

    async def close(self) -> None:
        if self._nc is not None and not self._nc.is_closed:
            await self._nc.close()
        self._nc = self._js = None

    async def _connect(self) -> JetStreamContext:
        if self._js is None or self._nc is None or self._nc.is_closed:
            self._nc = await connect(self._nats_url, name=f"telework-{self._name}")
            self._js = self._nc.jetstream()
            await ensure_streams(self._js)
        return self._js

    async def publish_pending(self) -> int:
        """Publish one batch of unpublished events; returns how many JetStream acknowledged."""
        js = await self._connect()
        async with self._sessions() as session:
            rows = (
                await session.execute(
                    select(event_log.c.position, event_log.c.event_id, event_log.c.stream_id,
                           event_log.c.subject, event_log.c.envelope)
                    .where(event_log.c.published_at.is_(None))
                    .order_by(event_log.c.position)
                    .limit(self._batch_size)
                )
            ).all()
        if not rows:
            return 0
        acked, first_error = await self._publish(js, rows)
        if acked:
            async with self._sessions.begin() as session:
                await session.execute(
                    update(event_log)
                    .where(event_log.c.position.in_(acked))
                    .values(published_at=clock.now())
                )
            self.published_total += len(acked)
        if first_error is not None:
            raise first_error
        return len(acked)

    async def _publish(
        self, js: JetStreamContext, rows: Sequence[Any]
    ) -> tuple[list[int], BaseException | None]:
        previous_in_stream: dict[str, asyncio.Task[None]] = {}
        tasks: list[asyncio.Task[None]] = []

        async def publish(row: Any, previous: asyncio.Task[None] | None) -> None:
            if previous is not None:
                await previous  # a failure here fails this one too: stream order holds
            envelope = row.envelope.encode()
            headers = {"Nats-Msg-Id": row.event_id}
            await js.publish(row.subject, envelope, timeout=self._publish_timeout, headers=headers)

        for row in rows:
            task = asyncio.ensure_future(publish(row, previous_in_stream.get(row.stream_id)))
            previous_in_stream[row.stream_id] = task
            tasks.append(task)
        results = await asyncio.gather(*tasks, return_exceptions=True)
        acked = [row.position for row, res in zip(rows, results, strict=True) if res is None]
        errors = [res for res in results if isinstance(res, BaseException)]
        return acked, (errors[0] if errors else None)


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        pass


async def _wait_any(stop: asyncio.Event, wake: asyncio.Event, seconds: float) -> None:
    waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(wake.wait())]
    try:
        await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waiters:
            w.cancel()
