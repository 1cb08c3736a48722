"""Inbox: the ids of events a consumer has processed, recorded in the same transaction as the
consumer's own change, so a redelivered event changes nothing."""

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.shared import clock
from services.shared.db import inbox


async def first_time(session: AsyncSession, consumer: str, event_id: str) -> bool:
    """Record `event_id` for `consumer`; False when it was processed before.

    Call inside the transaction that applies the event: a rollback forgets the mark too.
    """
    seen = await session.execute(
        select(inbox.c.event_id).where(inbox.c.consumer == consumer, inbox.c.event_id == event_id)
    )
    if seen.first() is not None:
        return False
    try:
        async with session.begin_nested():
            await session.execute(
                inbox.insert().values(
                    consumer=consumer, event_id=event_id, processed_at=clock.now()
                )
            )
    except IntegrityError:  # a concurrent delivery of the same event won the race
        return False
    return True
