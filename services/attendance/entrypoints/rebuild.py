"""Rebuilding the attendance projection from the stream alone (R-ATT-1)."""

from typing import Any

import nats
from nats.errors import TimeoutError as NatsTimeout
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import async_sessionmaker

from contracts.envelope import CloudEvent
from contracts.subjects import STREAM_NAME, STREAM_SUBJECTS
from services.attendance.service_layer import projection


async def rebuild(sessions: async_sessionmaker[Any], nats_url: str, idle: float = 1.0) -> int:
    """Empty the projection and apply every identity and engagement event again, in order."""
    async with sessions.begin() as s:
        for table in projection.PROJECTION_TABLES:
            await s.execute(delete(table))
    nc = await nats.connect(nats_url)
    count = 0
    try:
        sub = await nc.jetstream().subscribe(
            STREAM_SUBJECTS, stream=STREAM_NAME, ordered_consumer=True
        )
        while True:
            try:
                msg = await sub.next_msg(timeout=idle)
            except (TimeoutError, NatsTimeout):
                break
            try:
                event = CloudEvent.from_json_bytes(msg.data)
            except ValueError:
                continue  # the live consumer dead-lettered it already
            async with sessions.begin() as s:
                await projection.apply(s, event)
            count += 1
    finally:
        await nc.close()
    return count
