"""What is stored about the officials' days a batch of check-ins or check-outs asks about."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import case, select, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection

from services.attendance.adapters.tables import (
    attendance_days,
    idempotency,
    known_officials,
    scheduled_days,
    scheduled_parts,
)
from services.attendance.domain.decisions import StoredDay


def padded(values: set[str]) -> list[str]:
    """The values, repeated up to the next power of two: an IN list of any length then takes
    one of a few statement shapes, each prepared and planned once per connection instead of
    once per batch size."""
    out = sorted(values)
    size = 1 << (len(out) - 1).bit_length()
    return out + [out[0]] * (size - len(out))


@dataclass
class DayFacts:
    days: dict[tuple[str, date], StoredDay] = field(default_factory=dict)
    replies: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)  # first answers


async def day_facts(c: AsyncConnection, wanted: Sequence[tuple[str, date, str]]) -> DayFacts:
    """Each (official, day, idempotency key)'s stored day and earlier answer, in one round
    trip per day (a batch spans two days only at midnight)."""
    facts = DayFacts()
    keys_by_day: dict[date, dict[str, str]] = {}
    others: list[tuple[str, str]] = []  # a second key of the same official: rare
    for subject, day, key in wanted:
        keys = keys_by_day.setdefault(day, {})
        if keys.setdefault(subject, key) != key:
            others.append((subject, key))
    for day, keys in keys_by_day.items():
        # Correlated look-ups by primary key rather than outer joins: the planner's
        # statistics lag a table that grows by thousands of rows each morning, and a join
        # planned for an empty attendance_days scanned the whole day for every official.
        official = known_officials.c.official_id
        engagement = (
            select(scheduled_days.c.engagement_id)
            .where(scheduled_days.c.official_id == official, scheduled_days.c.day == day)
            .scalar_subquery()
        )
        part = (
            select(scheduled_parts.c.part)
            .where(scheduled_parts.c.official_id == official, scheduled_parts.c.day == day)
            .scalar_subquery()
        )
        checked_in = (
            select(attendance_days.c.check_in_at)
            .where(attendance_days.c.official_id == official, attendance_days.c.day == day)
            .scalar_subquery()
        )
        checked_out = (
            select(attendance_days.c.check_out_at)
            .where(attendance_days.c.official_id == official, attendance_days.c.day == day)
            .scalar_subquery()
        )
        # Each official's own idempotency key, chosen in SQL by a CASE over the officials.
        officials = padded(set(keys))
        own_key = case({o: keys[o] for o in officials}, value=official)
        replay = (
            select(idempotency.c.response)
            .where(idempotency.c.official_id == official, idempotency.c.key == own_key)
            .scalar_subquery()
        )
        rows = await c.execute(
            select(
                official,
                known_officials.c.agency_code,
                engagement.label("engagement_id"),
                part.label("part"),
                checked_in.label("check_in_at"),
                checked_out.label("check_out_at"),
                replay.label("replay"),
            ).where(official.in_(officials))
        )
        for row in rows:
            facts.days[(row.official_id, day)] = StoredDay(
                agency=row.agency_code,
                engagement_id=row.engagement_id,
                part=row.part,
                check_in_at=row.check_in_at,
                check_out_at=row.check_out_at,
            )
            if row.replay is not None:
                facts.replies[(row.official_id, keys[row.official_id])] = row.replay
    if others:
        rows = await c.execute(
            select(idempotency.c.official_id, idempotency.c.key, idempotency.c.response).where(
                tuple_(idempotency.c.official_id, idempotency.c.key).in_(others)
            )
        )
        facts.replies.update({(row.official_id, row.key): row.response for row in rows})
    return facts
