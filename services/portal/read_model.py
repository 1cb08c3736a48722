"""The portal's read model of every engagement (issue #16, item 6): what the home page, the task
list, a supervisor's staff and the dashboard read, in one query, however many cases there are.

Fed by the engagement events (a durable consumer in the portal's leading replica): each event is
kept with the case's earlier ones and the case's summary folded again from them
(`workflows.engagement.projection`, the aggregate's own fold). So a step taken anywhere — a
person's update, a timer, another portal, a bulk assignment — reaches every page.

What the portal itself has just done is written through as well: after an update it stores the
workflow's own summary, so the person who acted sees the result on the next page, before the
event has come round. Whichever knows more of the case's history wins (`events`), so the two
feeds never step back.
"""

import logging
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contracts.envelope import CloudEvent
from contracts.events.base import event_class
from contracts.events.engagement import AgreementDrafted
from contracts.subjects import CONTRACT_VERSION, SUBJECT_ROOT
from services.portal.tables import case_events, cases
from services.shared.clock import BANGKOK
from workflows.engagement.models import State, Summary
from workflows.engagement.projection import project

log = logging.getLogger(__name__)

CONSUMER = "portal"
ENGAGEMENT_EVENTS = f"{SUBJECT_ROOT}.{CONTRACT_VERSION}.*.engagement.>"


class ReadModel:
    def __init__(self, sessions: async_sessionmaker[Any]) -> None:
        self._sessions = sessions

    # Fed by events ---------------------------------------------------------------------------

    async def apply(self, s: AsyncSession, event: CloudEvent) -> None:
        """One engagement event, in the consumer's transaction (its inbox mark beside it)."""
        data = event.data
        engagement_id = str(data["engagement_id"])
        seq = await self._seq(s, engagement_id, event.id)
        known = await s.execute(
            select(case_events.c.seq).where(
                case_events.c.engagement_id == engagement_id, case_events.c.seq == seq
            )
        )
        if known.first() is None:
            await s.execute(
                insert(case_events).values(
                    engagement_id=engagement_id,
                    seq=seq,
                    type=event.type,
                    data=event_class(event.type).model_validate(data).model_dump_json(),
                    recorded_on=event.time.astimezone(BANGKOK).date(),
                )
            )
        rows = (
            await s.execute(
                select(case_events.c.type, case_events.c.data, case_events.c.recorded_on)
                .where(case_events.c.engagement_id == engagement_id)
                .order_by(case_events.c.seq)
            )
        ).all()
        recorded = [(event_class(r.type).model_validate_json(r.data), r.recorded_on) for r in rows]
        summary = project(engagement_id, str(data["official_id"]), recorded)
        await keep(s, summary, event.agency, event.time)

    @staticmethod
    async def _seq(s: AsyncSession, engagement_id: str, event_id: str) -> int:
        """The workflow's step number, which its event id ends with (`<engagement>:<n>`); an
        id of another shape goes after the case's last event."""
        head, _, tail = event_id.rpartition(":")
        if head == engagement_id and tail.isdigit():
            return int(tail)
        last = await s.execute(
            select(func.max(case_events.c.seq)).where(case_events.c.engagement_id == engagement_id)
        )
        return int(last.scalar() or 0) + 1

    # Written through by the portal's own steps -------------------------------------------------

    async def keep(self, summary: Summary, agency: str | None) -> None:
        """The workflow's summary after a step the portal took: stored unless the events have
        already told more. A case not yet in the model is added only with its agency."""
        try:
            async with self._sessions.begin() as s:
                await keep(s, summary, agency, datetime.now(UTC), ties=False)
        except Exception as exc:  # the step was taken; its events will bring it round
            log.warning("read model not written through (%s)", type(exc).__name__)

    # Read ------------------------------------------------------------------------------------

    async def newest(self, limit: int) -> list[Any]:
        async with self._sessions() as s:
            query = select(cases).order_by(cases.c.created_at.desc()).limit(limit)
            return list((await s.execute(query)).all())

    async def drafted(self, engagement_id: str) -> list[tuple[AgreementDrafted, date]]:
        """The case's drafted agreement versions as its events recorded them, oldest first."""
        async with self._sessions() as s:
            rows = await s.execute(
                select(case_events.c.data, case_events.c.recorded_on)
                .where(
                    case_events.c.engagement_id == engagement_id,
                    case_events.c.type == AgreementDrafted.type_name(),
                )
                .order_by(case_events.c.seq)
            )
            return [(AgreementDrafted.model_validate_json(r.data), r.recorded_on) for r in rows]

    async def open_case_of(self, official_id: str, other_than: str) -> str | None:
        """An engagement of this official that has not closed (one case at a time)."""
        async with self._sessions() as s:
            found = await s.execute(
                select(cases.c.engagement_id).where(
                    cases.c.official_id == official_id,
                    cases.c.engagement_id != other_than,
                    cases.c.state != State.CLOSED.value,
                )
            )
            engagement_id = found.scalar()
        return None if engagement_id is None else str(engagement_id)


async def keep(
    s: AsyncSession, summary: Summary, agency: str | None, at: datetime, ties: bool = True
) -> None:
    """Store `summary` unless the row already folds more of the case's events — or as many,
    unless `ties`: history's own fold wins over a summary written through."""
    events = len(summary.history)
    values = {
        "state": summary.state.value,
        "events": events,
        "summary": summary.model_dump_json(),
        "updated_at": at,
    }
    known = cases.c.events <= events if ties else cases.c.events < events
    newer = update(cases).where(cases.c.engagement_id == summary.engagement_id, known)
    changed = await s.execute(newer.values(**values))
    if changed.rowcount or agency is None:  # type: ignore[attr-defined]
        return
    try:
        async with s.begin_nested():
            await s.execute(
                insert(cases).values(
                    engagement_id=summary.engagement_id,
                    official_id=summary.official_id,
                    agency=agency,
                    created_at=at,
                    **values,
                )
            )
    except IntegrityError:
        # There already: added meanwhile by the other feed, or knowing more than this.
        await s.execute(newer.values(**values))


def summary_of(row: Any) -> Summary:
    return Summary.model_validate_json(row.summary)


async def refold(
    js: Any, sessions: async_sessionmaker[Any], batch: int = 500, since: datetime | None = None
) -> tuple[int, int]:
    """Fold every engagement event of the stream again into the model (`telework portal
    refold`): after a change of the fold, or to fill a model restored from an older backup.
    Safe beside a running portal — folding is idempotent and a row is only replaced by what
    knows as much of its case — and it reads the stream with a consumer of its own, leaving the
    portal's durable where it is. Returns how many events were folded, and how many were left
    out as breaking their contract (the portal's consumer dead-letters those)."""
    from nats.errors import TimeoutError as NatsTimeout
    from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

    from contracts.subjects import STREAM_NAME
    from services.shared.consumer import ContractViolation, checked

    model = ReadModel(sessions)
    sub = await js.pull_subscribe(
        ENGAGEMENT_EVENTS,
        stream=STREAM_NAME,
        config=ConsumerConfig(
            ack_policy=AckPolicy.NONE,
            # From a moment on: the cases' earlier events are in the model already.
            deliver_policy=DeliverPolicy.BY_START_TIME if since else DeliverPolicy.ALL,
            opt_start_time=since.astimezone(UTC) if since else None,
            inactive_threshold=60.0,  # gone a minute after this command
        ),
    )
    folded = refused = 0
    try:
        while True:
            try:
                msgs = await sub.fetch(batch, timeout=2.0)
            except (NatsTimeout, TimeoutError):
                break
            for msg in msgs:
                try:
                    event = checked(msg.subject, msg.data)  # as the portal's consumer takes it
                except ContractViolation:
                    refused += 1
                    continue
                async with sessions.begin() as s:
                    await model.apply(s, event)
                folded += 1
            # Read until a fetch finds nothing: a new consumer's `num_pending` on a filtered
            # subject is an estimate, and stopping at its 0 once left an event out (CI, 28 Nov).
    finally:
        await sub.unsubscribe()
    return folded, refused
