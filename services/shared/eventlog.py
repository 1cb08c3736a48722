"""Append-only event log, one per service, written in the caller's own transaction.

Each event belongs to a stream (an aggregate: an engagement, a meeting, …) and carries the
stream's version; `position` orders the whole log. Appending with an expected version is
optimistic concurrency: two writers that both saw version 3 cannot both write version 4.
"""

import functools
import operator
import os
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic_core import to_json
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from contracts.envelope import CloudEvent, envelope_json, to_cloud_event
from contracts.events.base import DomainEvent
from contracts.subjects import nats_subject
from services.shared import clock, telemetry
from services.shared.db import (
    COPY_FROM,
    copy_records,
    event_log,
    insert_many,
    is_postgresql,
    next_positions,
    outbox,
)

# COPY's columns: every column of each table, in its order (`_copy` builds rows in it).
EVENT_LOG_COLUMNS = [c.name for c in event_log.columns]
OUTBOX_COLUMNS = [c.name for c in outbox.columns]
# What `_copy` takes of a log row (`_row`): everything but its position and instant.
_COPIED = operator.itemgetter(
    "event_id", "stream_id", "version", "type", "agency", "subject", "envelope"
)

# Callers pass their ORM session, or on hot paths a Core connection (less overhead per
# statement); both run the same statements in the caller's transaction.
Executor = AsyncSession | AsyncConnection


class ConcurrencyConflict(Exception):
    """The stream moved on since the caller read it; reload and decide again."""

    def __init__(self, stream_id: str, expected: int | None, actual: int | None) -> None:
        where = f"is at version {actual}" if actual is not None else "moved on"
        super().__init__(f"stream {stream_id!r} {where}, but the append expected {expected}")
        self.stream_id = stream_id
        self.expected = expected
        self.actual = actual


@dataclass(frozen=True)
class NewEvent:
    event: DomainEvent
    agency: str
    # Deterministic ids (workflow id + step) make a retried append a no-op.
    event_id: str | None = None
    # Group-committed events carry their own request's trace, not the batch writer's.
    traceparent: str | None = None


@dataclass(frozen=True)
class RecordedEvent:
    position: int
    stream_id: str
    version: int
    envelope: CloudEvent


class EventLog:
    def __init__(self, source: str) -> None:
        self.source = source

    async def version(self, session: Executor, stream_id: str) -> int:
        result = await session.execute(
            select(func.coalesce(func.max(event_log.c.version), 0)).where(
                event_log.c.stream_id == stream_id
            )
        )
        return int(result.scalar_one())

    async def versions(self, session: Executor, stream_ids: Sequence[str]) -> dict[str, int]:
        """Current version of many streams (absent streams are at 0), in chunks."""
        found: dict[str, int] = {}
        for k in range(0, len(stream_ids), 5000):
            chunk = stream_ids[k : k + 5000]
            result = await session.execute(
                select(event_log.c.stream_id, func.max(event_log.c.version))
                .where(event_log.c.stream_id.in_(chunk))
                .group_by(event_log.c.stream_id)
            )
            found.update({sid: int(v) for sid, v in result})
        return {sid: found.get(sid, 0) for sid in stream_ids}

    async def append(
        self,
        session: Executor,
        stream_id: str,
        events: Sequence[NewEvent],
        expected_version: int | None,
        savepoint: bool = True,
    ) -> list[RecordedEvent]:
        """Append in the caller's transaction. Events whose ids are all already in the log are
        taken as a retry of the same append and change nothing."""
        if not events:
            return []
        given_ids = [e.event_id for e in events if e.event_id]
        if given_ids:
            existing = await self._existing(session, given_ids)
            if len(existing) == len(events):
                return existing
            if existing:
                raise ConcurrencyConflict(stream_id, expected_version, existing[-1].version)
        if expected_version == 0:
            # A new stream: nothing to read, the unique (stream, version) constraint catches a
            # writer that got there first.
            actual = 0
        else:
            actual = await self.version(session, stream_id)
            if expected_version is not None and actual != expected_version:
                raise ConcurrencyConflict(stream_id, expected_version, actual)
        return await self.append_batch(session, [(stream_id, actual, events)], savepoint)

    async def append_batch(
        self,
        session: Executor,
        batch: Sequence[tuple[str, int, Sequence[NewEvent]]],
        savepoint: bool = True,
    ) -> list[RecordedEvent]:
        """Append to many streams at once, each at the version the caller read (0 for a new
        stream), in one round trip: bulk imports of a hundred thousand officials use this.

        The unique (stream, version) constraint catches a stale version; the caller must not
        pass one beyond the stream's real version (that would leave a gap).

        Without `savepoint` a conflict leaves the caller's transaction unusable (PostgreSQL
        aborts it), which is fine for a caller that gives up on conflict anyway and saves two
        round trips on a hot path."""
        now = clock.now()
        traceparent = telemetry.current_traceparent()
        rows: list[dict[str, object]] = []
        meta: list[tuple[str, int, CloudEvent]] = []
        for stream_id, expected, events in batch:
            for offset, new in enumerate(events, start=1):
                envelope = to_cloud_event(
                    new.event,
                    event_id=new.event_id or str(uuid.uuid4()),
                    agency=new.agency,
                    source=self.source,
                    time=now,
                    traceparent=new.traceparent or traceparent,
                )
                rows.append(
                    _row(
                        stream_id,
                        expected + offset,
                        envelope.id,
                        envelope.type,
                        envelope.agency,
                        now,
                        envelope.to_json_bytes().decode(),
                    )
                )
                meta.append((stream_id, expected + offset, envelope))
        if not rows:
            return []
        try:
            if savepoint:
                async with session.begin_nested():
                    positions = await self._insert(session, rows)
            else:
                positions = await self._insert(session, rows)
        except IntegrityError as exc:
            stream_id, expected, _ = batch[0]
            actual = await self.version(session, stream_id) if savepoint else None
            raise ConcurrencyConflict(stream_id, expected, actual) from exc
        return [
            RecordedEvent(pos, stream_id, version, env)
            for pos, (stream_id, version, env) in zip(positions, meta, strict=True)
        ]

    async def append_bulk(
        self, session: Executor, batch: Sequence[tuple[str, int, Sequence[NewEvent]]]
    ) -> int:
        """`append_batch` for bulk work whose caller needs no records back (an HR import of
        100,000 officials: 300,000 events): the envelopes are written as JSON straight from
        the events (`envelope_json`, the same bytes), never built as models, and on PostgreSQL
        both tables are COPYed from tuples. Returns how many events were appended. No
        savepoint: a conflict fails the caller's transaction."""
        count = sum(len(events) for _, _, events in batch)
        if not count:
            return 0
        now = clock.now()
        time_json = to_json(now).decode()
        traceparent = telemetry.current_traceparent()
        ids = iter(random_ids(count))

        def rows() -> Iterator[tuple[str, str, int, str, str, str, str]]:
            for stream_id, expected, events in batch:
                for offset, new in enumerate(events, start=1):
                    event_id = new.event_id or next(ids)
                    kind = new.event.type_name()
                    envelope = envelope_json(
                        new.event,
                        event_id=event_id,
                        agency=new.agency,
                        source=self.source,
                        time=time_json,
                        traceparent=new.traceparent or traceparent,
                    )
                    agency, subject = new.agency, _subject(kind, new.agency)
                    yield event_id, stream_id, expected + offset, kind, agency, subject, envelope

        try:
            if count >= COPY_FROM and await is_postgresql(session):
                await self._copy(session, rows(), count, now)
            else:
                await self._insert(
                    session,
                    [
                        _row(stream_id, version, event_id, kind, agency, now, envelope)
                        for event_id, stream_id, version, kind, agency, _, envelope in rows()
                    ],
                )
        except IntegrityError as exc:
            stream_id, expected, _ = batch[0]
            raise ConcurrencyConflict(stream_id, expected, None) from exc
        return count

    @staticmethod
    async def _copy(
        session: Executor,
        rows: Iterator[Any],
        count: int,
        now: datetime,
    ) -> list[int]:
        """Bulk rows into the log and the outbox by COPY, positions drawn first in one round
        trip (an INSERT … RETURNING of 300,000 rows spent most of an import's time). The log's
        rows are made as COPY sends them, so PostgreSQL stores one part while Python makes
        the next; the outbox repeats them."""
        positions = await next_positions(session, event_log, "position", count)
        recorded_at = now.astimezone(UTC)
        pending: list[tuple[object, ...]] = []

        def log_rows() -> Iterator[tuple[object, ...]]:
            for pos, (event_id, stream_id, version, kind, agency, subject, envelope) in zip(
                positions, rows, strict=True
            ):
                pending.append((pos, event_id, stream_id, subject, envelope))
                head = (pos, event_id, stream_id, version, kind, agency, subject)
                yield (*head, recorded_at, envelope)

        await copy_records(session, event_log, EVENT_LOG_COLUMNS, log_rows())
        await copy_records(session, outbox, OUTBOX_COLUMNS, pending)
        return positions

    @staticmethod
    async def _insert(session: Executor, rows: list[dict[str, object]]) -> list[int]:
        if len(rows) >= COPY_FROM and await is_postgresql(session):
            now = rows[0]["recorded_at"]
            assert isinstance(now, datetime)
            return await EventLog._copy(session, map(_COPIED, rows), len(rows), now)
        result = await session.execute(
            insert(event_log).returning(event_log.c.position, sort_by_parameter_order=True),
            rows,
        )
        positions = [int(p) for p in result.scalars()]
        await insert_many(
            session,
            outbox,
            [
                {
                    "position": pos,
                    "event_id": row["event_id"],
                    "stream_id": row["stream_id"],
                    "subject": row["subject"],
                    "envelope": row["envelope"],
                }
                for pos, row in zip(positions, rows, strict=True)
            ],
        )
        return positions

    async def _existing(self, session: Executor, ids: Sequence[str]) -> list[RecordedEvent]:
        result = await session.execute(
            select(
                event_log.c.position,
                event_log.c.stream_id,
                event_log.c.version,
                event_log.c.envelope,
            )
            .where(event_log.c.event_id.in_(ids))
            .order_by(event_log.c.position)
        )
        return [
            RecordedEvent(
                r.position, r.stream_id, r.version, CloudEvent.from_json_bytes(r.envelope)
            )
            for r in result
        ]

    async def read_stream(self, session: Executor, stream_id: str) -> list[RecordedEvent]:
        result = await session.execute(
            select(
                event_log.c.position,
                event_log.c.stream_id,
                event_log.c.version,
                event_log.c.envelope,
            )
            .where(event_log.c.stream_id == stream_id)
            .order_by(event_log.c.version)
        )
        return [
            RecordedEvent(
                r.position, r.stream_id, r.version, CloudEvent.from_json_bytes(r.envelope)
            )
            for r in result
        ]


def _row(
    stream_id: str,
    version: int,
    event_id: str,
    kind: str,
    agency: str,
    now: datetime,
    envelope: str,
) -> dict[str, object]:
    """One event log row; its outbox row repeats part of it (`_insert`)."""
    return {
        "event_id": event_id,
        "stream_id": stream_id,
        "version": version,
        "type": kind,
        "agency": agency,
        "subject": _subject(kind, agency),
        "recorded_at": now,
        "envelope": envelope,
    }


@functools.cache
def _subject(kind: str, agency: str) -> str:
    """The NATS subject of an event type for an agency (few of each: cached for bulk work)."""
    context, name = kind.split(".")[3:5]
    return nats_subject(agency, context, name)


def random_ids(n: int) -> list[str]:
    """`n` random (version 4) UUIDs as text, from one read of the system's random source:
    `uuid.uuid4()` reads it once per id, a fifth of the event work of a 100,000-official
    import."""
    raw = os.urandom(16 * n)
    ids = []
    for i in range(0, 16 * n, 16):
        h = f"{(int.from_bytes(raw[i : i + 16]) & _UUID_MASK) | _UUID_V4:032x}"
        ids.append(f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}")
    return ids


# Version 4 in bits 76–79, the RFC 4122 variant in bits 62–63.
_UUID_MASK = ~((0xF << 76) | (0x3 << 62)) & ((1 << 128) - 1)
_UUID_V4 = (0x4 << 76) | (0x2 << 62)
