"""Is every event of the stream in the chain? (issue #21: `telework audit verify` found a
chain that "holds" while 33 events had been dead-lettered and never chained.)

The stream is walked by sequence, headers only (the relay sets `Nats-Msg-Id` to the event id);
each event must be in the chain, or set aside by the audit consumer as a dead letter (then it
is counted, not hidden), or beyond what the audit consumer has acknowledged yet (then the
chain is behind, not broken)."""

import json
from dataclasses import dataclass
from typing import Any

from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from contracts.subjects import STREAM_NAME, STREAM_SUBJECTS
from services.audit.adapters.tables import chain
from services.shared.dead_letters import dead_letters


@dataclass(frozen=True)
class Missing:
    sequence: int
    event_id: str
    subject: str


@dataclass(frozen=True)
class Completeness:
    in_stream: int
    chained: int
    dead_lettered: int  # set aside as invalid: `telework dlq list --consumer audit`
    behind: int  # after what the audit consumer acknowledged: not chained *yet*
    missing: int
    first_missing: Missing | None

    @property
    def complete(self) -> bool:
        return self.missing == 0


async def _chained_ids(sessions: async_sessionmaker[Any]) -> set[str]:
    async with sessions() as s:
        return set((await s.execute(select(chain.c.event_id))).scalars())


async def _acked_up_to(js: JetStreamContext, consumer: str) -> int:
    try:
        info = await js.consumer_info(STREAM_NAME, consumer)
    except NotFoundError:
        return 0
    return int(info.ack_floor.stream_seq or 0) if info.ack_floor else 0


async def check_completeness(
    sessions: async_sessionmaker[Any],
    js: JetStreamContext,
    consumer: str = "audit",
    subjects: str = STREAM_SUBJECTS,
    batch: int = 2000,
) -> Completeness:
    # The consumer's ack floor first, the chain after: an event acknowledged by then was chained
    # by then, so it is in `ids`. The other way round, an event chained and acknowledged between
    # the two reads was reported missing while `telework audit verify` ran beside a busy audit
    # service (seen with every service on PostgreSQL).
    acked = await _acked_up_to(js, consumer)
    ids = await _chained_ids(sessions)
    set_aside = {
        int(d.original_sequence)
        for d in await dead_letters(js, consumer)
        if d.original_sequence.isdigit()
    }
    sub = await js.pull_subscribe(
        subjects,
        stream=STREAM_NAME,
        config=ConsumerConfig(
            ack_policy=AckPolicy.NONE,
            deliver_policy=DeliverPolicy.ALL,
            headers_only=True,
            inactive_threshold=60,
        ),
    )
    seen = chained = dead = behind = missing = 0
    first: Missing | None = None
    try:
        pending = 1
        while pending:
            try:
                msgs = await sub.fetch(batch, timeout=5)
            except TimeoutError:  # nothing (more) in the stream
                break
            for msg in msgs:
                seq = msg.metadata.sequence.stream
                pending = msg.metadata.num_pending
                seen += 1
                event_id = (msg.headers or {}).get("Nats-Msg-Id") or await _id_at(js, seq)
                if event_id in ids:
                    chained += 1
                elif seq in set_aside:
                    dead += 1
                elif seq > acked:
                    behind += 1
                else:
                    missing += 1
                    first = first or Missing(seq, event_id, msg.subject)
    finally:
        await sub.unsubscribe()
    return Completeness(seen, chained, dead, behind, missing, first)


async def _id_at(js: JetStreamContext, seq: int) -> str:
    """An event published without `Nats-Msg-Id` (not by the relay): read its id."""
    msg = await js.get_msg(STREAM_NAME, seq)
    try:
        return str(json.loads(msg.data or b"{}").get("id", f"#{seq}"))
    except (ValueError, AttributeError):
        return f"#{seq}"
