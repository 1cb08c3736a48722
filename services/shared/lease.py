"""One active replica at a time for the work that must not run twice (R-DEP-1, issue #15).

Several processes of a service share one database and one NATS. Requests are spread over all of
them (NATS queue groups, Temporal's task queue), but some work has to be single: the outbox
relay (stream order), projections (an event applied before its predecessor), the audit chain
(one head), mail delivery (no mail twice). That work runs in the replica holding the service's
lease: a row in the service's own database, taken when free or expired and renewed well inside
its time to live.

Why a database row and not a PostgreSQL advisory lock or a NATS KV entry: it is the same on
SQLite and PostgreSQL, needs no NATS permission beyond what a service has, and lives beside the
outbox it guards. Two leaders at once can only happen across a pause longer than the TTL; even
then nothing is lost or doubled, because JetStream drops re-sent events by `Nats-Msg-Id` and
consumers apply each event once through their inbox — the lease is for order and efficiency,
correctness never rests on it alone (docs/decisions/0008).
"""

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from sqlalchemy import insert, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker

from services.shared import clock
from services.shared.db import leases
from services.shared.settings import Stack

log = logging.getLogger(__name__)

DEFAULT_TTL_S = 6.0


def ttl_from_env() -> float:
    return Stack().lease_ttl_s


def holder_id() -> str:
    """Host, process and a random part: the pid alone repeats across containers."""
    return f"{socket.gethostname()}/{os.getpid()}/{uuid.uuid4().hex[:8]}"


class Lease:
    def __init__(
        self,
        sessions: async_sessionmaker[Any],
        name: str,
        *,
        holder: str | None = None,
        ttl_s: float | None = None,
    ) -> None:
        self.name = name
        self.holder = holder or holder_id()
        self.ttl_s = ttl_s if ttl_s is not None else ttl_from_env()
        self.leading = False  # while this replica runs the leader's work
        self._sessions = sessions

    async def claim(self) -> bool:
        """Take the lease if it is free, expired or ours; renew it if ours. True when held
        for the next `ttl_s` seconds from now."""
        now = time.time()
        values = {"holder": self.holder, "expires_at": now + self.ttl_s}
        async with self._sessions.begin() as s:
            taken = await s.execute(
                update(leases)
                .where(leases.c.name == self.name)
                .where((leases.c.holder == self.holder) | (leases.c.expires_at < now))
                .values(**values)
            )
            if getattr(taken, "rowcount", 0) == 1:
                return True
        try:
            async with self._sessions.begin() as s:
                await s.execute(insert(leases).values(name=self.name, **values))
        except IntegrityError:
            return False  # another replica holds it
        return True

    async def release(self) -> None:
        """Let another replica take over now rather than after the TTL (a clean stop)."""
        async with self._sessions.begin() as s:
            await s.execute(
                update(leases)
                .where(leases.c.name == self.name, leases.c.holder == self.holder)
                .values(expires_at=0.0)
            )


Job = Callable[[asyncio.Event], Coroutine[Any, Any, None]]


async def lead(lease: Lease, stop: asyncio.Event, jobs: Sequence[Job]) -> None:
    """Run `jobs` while this replica holds `lease`, until `stop`.

    Each job gets an event set when it must wind down: the process stops, or the lease could
    not be renewed in time (the database away, or another replica took it after a pause). The
    leader steps down before its lease can expire, so a successor never overlaps it unless
    this process was frozen longer than the TTL."""
    renew_every = lease.ttl_s / 3
    while not stop.is_set():
        try:
            taken = await lease.claim()
        except (DBAPIError, OSError) as exc:
            log.warning("lease %s: database not answering (%s)", lease.name, type(exc).__name__)
            taken = False
        if not taken:
            await clock.pause(stop, renew_every)
            continue
        log.info("lease %s taken by %s", lease.name, lease.holder)
        await _hold(lease, stop, jobs, renew_every)
        # Released on a clean stop and when a job gave up: a successor need not wait for the
        # TTL. Failing that, it simply expires.
        with contextlib.suppress(DBAPIError, OSError):
            await lease.release()
        if not stop.is_set():
            await clock.pause(stop, renew_every)


async def _hold(lease: Lease, stop: asyncio.Event, jobs: Sequence[Job], every: float) -> None:
    held_until = time.monotonic() + lease.ttl_s
    lease.leading = True
    resign = asyncio.Event()
    running = [
        asyncio.create_task(job(resign), name=getattr(job, "__name__", "job")) for job in jobs
    ]
    try:
        while not stop.is_set() and not any(t.done() for t in running):
            await clock.pause(stop, every)
            if stop.is_set():
                return
            attempt = time.monotonic()
            try:
                if not await lease.claim():
                    log.warning("lease %s taken by another replica; stepping down", lease.name)
                    return
                held_until = attempt + lease.ttl_s
            except (DBAPIError, OSError) as exc:
                # Lead on only while the last term surely lasts: after it, another replica
                # may have taken over.
                if time.monotonic() > held_until - every:
                    log.warning(
                        "lease %s not renewed (%s); stepping down", lease.name, type(exc).__name__
                    )
                    return
    finally:
        resign.set()
        await _wind_down(running)
        lease.leading = False


async def _wind_down(tasks: list[asyncio.Task[None]], timeout: float = 10.0) -> None:
    if not tasks:
        return
    await asyncio.wait(tasks, timeout=timeout)
    for t in tasks:
        if not t.done():
            t.cancel()
    for t in tasks:
        try:
            await t
        except asyncio.CancelledError:
            pass
        except Exception as exc:
            log.error("leader task %s failed: %r", t.get_name(), exc)
