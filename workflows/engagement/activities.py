"""Activities of the engagement workflow: every I/O the workflow needs, and nothing else.

Events are appended with deterministic ids (engagement id + the workflow's step number), so a
retried activity never appends twice.
"""

import asyncio
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from contracts.events.base import event_class
from services.shared import clock
from services.shared.eventlog import EventLog, NewEvent
from workflows.calendar import InvalidSchedule, Schedule, WorkingCalendar, report_due_dates
from workflows.engagement.directory import IdentityDirectory
from workflows.engagement.models import (
    ActingQuery,
    ActingTerm,
    Chain,
    EligibilityResult,
    HeadQuery,
    Heads,
    OfficialRef,
    OfficialsQuery,
    OrderNumberRequest,
    Planned,
    PlanSchedule,
    Policy,
    PolicyQuery,
    PrepareAssigned,
    Prepared,
    RecordEvent,
    RecordEvents,
)
from workflows.engagement.rules import order_number
from workflows.engagement.tables import engagements, order_counters, order_numbers

LOG = EventLog("/telework/engagement")


def plan(p: PlanSchedule) -> Planned:
    """The telework dates and report due dates of a schedule on the working calendar."""
    s = p.schedule
    schedule = Schedule(s.kind, s.start, s.months, tuple(s.weekdays), s.days)
    calendar = WorkingCalendar(frozenset(p.extra_holidays))
    dates = schedule.dates(calendar)
    end = schedule.end if s.kind != "occasional" else dates[-1]
    start = dates[0] if dates else s.start
    return Planned(
        dates=dates,
        start=start,
        end=end,
        report_due=report_due_dates(start, end, p.report_cadence_days, calendar),
    )


def engagement_stream(engagement_id: str) -> str:
    return f"engagement-{engagement_id}"


class EngagementActivities:
    def __init__(self, sessions: async_sessionmaker[Any], directory: IdentityDirectory) -> None:
        self._sessions = sessions
        self._directory = directory

    @activity.defn(name="supervisor_chain")
    async def supervisor_chain(self, ref: OfficialRef) -> Chain:
        return await self._directory.chain(ref.official_id)

    @activity.defn(name="acting_supervisor")
    async def acting_supervisor(self, q: ActingQuery) -> ActingTerm:
        return await self._directory.acting(q.official_id, q.acting_id, q.at)

    @activity.defn(name="eligibility")
    async def eligibility(self, ref: OfficialRef) -> EligibilityResult:
        return await self._directory.eligibility(ref.official_id)

    @activity.defn(name="deciding_head")
    async def deciding_head(self, q: HeadQuery) -> Heads:
        return await self._directory.heads(q.agency_code, q.on)

    @activity.defn(name="policy_in_force")
    async def policy_in_force(self, q: PolicyQuery) -> Policy:
        return await self._directory.policy(q.agency_code, q.on)

    @activity.defn(name="plan_schedule")
    async def plan_schedule(self, p: PlanSchedule) -> Planned:
        try:
            return plan(p)
        except InvalidSchedule as exc:
            # Bad input stays bad however often it is retried.
            raise ApplicationError(str(exc), type="InvalidSchedule", non_retryable=True) from None

    @activity.defn(name="prepare_assigned")
    async def prepare_assigned(self, q: PrepareAssigned) -> Prepared:
        """An assigned engagement's set-up questions at once (issue #19's bulk bench: one
        activity where there were four, each a round of workflow tasks per engagement)."""
        chain, eligibility = await asyncio.gather(
            self._directory.chain(q.official_id), self._directory.eligibility(q.official_id)
        )
        policy = await self._directory.policy(chain.agency_code, q.on)
        try:
            planned = plan(
                PlanSchedule(
                    schedule=q.schedule,
                    extra_holidays=policy.extra_holidays,
                    report_cadence_days=policy.report_cadence_days,
                )
            )
        except InvalidSchedule as exc:
            return Prepared(
                chain=chain,
                eligibility=eligibility,
                policy=policy,
                planned=None,
                unplanned=str(exc),
            )
        return Prepared(chain=chain, eligibility=eligibility, policy=policy, planned=planned)

    @activity.defn(name="allocate_order_number")
    async def allocate_order_number(self, r: OrderNumberRequest) -> str:
        async with self._sessions.begin() as s:
            found = await self._number_for(s, r.key)
            if found:
                return found
            year = r.order_date.year + 543
            row = (
                await s.execute(
                    select(order_counters.c.last_number)
                    .where(
                        order_counters.c.head_agency == r.head_agency,
                        order_counters.c.be_year == year,
                    )
                    .with_for_update()
                )
            ).first()
            number = (row.last_number if row else 0) + 1
            if row:
                await s.execute(
                    update(order_counters)
                    .where(
                        order_counters.c.head_agency == r.head_agency,
                        order_counters.c.be_year == year,
                    )
                    .values(last_number=number)
                )
            else:
                await s.execute(
                    insert(order_counters).values(
                        head_agency=r.head_agency, be_year=year, last_number=number
                    )
                )
            text = order_number(number, r.order_date)
            await s.execute(
                insert(order_numbers).values(
                    key=r.key, head_agency=r.head_agency, order_number=text, order_date=r.order_date
                )
            )
        return text

    async def _number_for(self, s: AsyncSession, key: str) -> str | None:
        return (
            await s.execute(select(order_numbers.c.order_number).where(order_numbers.c.key == key))
        ).scalar()

    @activity.defn(name="officials_with_open_cases")
    async def officials_with_open_cases(self, q: OfficialsQuery) -> list[str]:
        """Of these officials, those with an engagement not yet closed (the read model)."""
        found: set[str] = set()
        async with self._sessions() as s:
            for i in range(0, len(q.official_ids), 5000):  # within every driver's bind limit
                rows = await s.execute(
                    select(engagements.c.official_id).where(
                        engagements.c.official_id.in_(q.official_ids[i : i + 5000]),
                        engagements.c.state != "closed",
                    )
                )
                found.update(rows.scalars())
        return sorted(found)

    @activity.defn(name="record_event")
    async def record_event(self, r: RecordEvent) -> int:
        """Append one engagement event (idempotent on its id) and update the read model."""
        return await self._record([r])

    @activity.defn(name="record_events")
    async def record_events(self, r: RecordEvents) -> int:
        """The events of one step in one transaction, in order (idempotent on their ids)."""
        return await self._record(r.events)

    async def _record(self, records: list[RecordEvent]) -> int:
        """Returns the last event's position in the log."""
        last = records[-1]
        stream = engagement_stream(last.engagement_id)
        new = [
            NewEvent(
                event_class(r.event_type).model_validate(r.data),
                r.agency,
                event_id=f"{r.engagement_id}:{r.seq}",
            )
            for r in records
        ]
        try:
            async with self._sessions.begin() as s:
                recorded = await LOG.append(s, stream, new, None)
                await s.execute(
                    delete(engagements).where(engagements.c.engagement_id == last.engagement_id)
                )
                await s.execute(
                    insert(engagements).values(
                        engagement_id=last.engagement_id,
                        official_id=last.official_id,
                        agency=last.agency,
                        state=last.state.value,
                        last_event=new[-1].event.name,
                        updated_at=clock.now(),
                    )
                )
        except IntegrityError:
            # A concurrent retry of this very activity committed first: the events are there.
            async with self._sessions() as s:
                recorded = await LOG.append(s, stream, new, None)
        return recorded[-1].position

    def all(self) -> list[Any]:
        return [
            self.supervisor_chain,
            self.acting_supervisor,
            self.eligibility,
            self.deciding_head,
            self.policy_in_force,
            self.plan_schedule,
            self.allocate_order_number,
            self.record_event,
            self.record_events,
            self.prepare_assigned,
            self.officials_with_open_cases,
        ]
