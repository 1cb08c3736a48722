"""The orchestration every step of the engagement workflow shares: asking identity and the
calendar through activities, waiting for dates, recording the events the aggregate decides.
Workflow code (deterministic, inside Temporal's sandbox); the updates are in workflow.py and
ending.py."""

import asyncio
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from contracts.events import engagement as ev

    # Everything of the aggregate through one module: its Refusal must be the class the rules
    # raise (a module imported apart inside the sandbox is a fresh copy with its own classes).
    from workflows.engagement.case import Engagement, Refusal
    from workflows.engagement.models import (
        Ack,
        ActingQuery,
        ActingTerm,
        DraftAgreement,
        HeadQuery,
        Heads,
        Planned,
        PlanSchedule,
        RecordEvent,
        RecordEvents,
        Revise,
        StartEngagement,
        Summary,
    )


# Thailand keeps no daylight saving: a fixed +07:00 is exact and needs no tz database.
BANGKOK = timezone(timedelta(hours=7))
# An engagement's I/O step: a request (10 s deadline) or a write (SQLite waits 10 s on a lock).
# When a worker dies mid-step, Temporal retries the step only once this has passed, so it is
# kept short: the engagements that worker held go on 15 s later, not 30.
IO = timedelta(seconds=15)
# Changes to running workflows, each behind `workflow.patched` (tests/replay keeps the
# histories recorded before each one replaying):
RECORD_TOGETHER = "record-step-events-together"  # a step's events in one activity, not one each
SET_UP_ASSIGNED_AT_ONCE = "assigned-set-up-at-once"  # issue #19: one activity, one write


def refuse(reason: str, rule: str | None = None) -> ApplicationError:
    # non_retryable: an update refused for cause must not be retried by the SDK.
    details = (rule,) if rule else ()
    return ApplicationError(reason, *details, type="Refused", non_retryable=True)


def checked(rule: Callable[[], Any]) -> Any:
    """Ask one of the aggregate's rules; a refusal goes back to the caller as such."""
    try:
        return rule()
    except Refusal as refusal:
        raise refuse(refusal.reason, refusal.rule) from None


class Orchestration:
    """State and helpers of the workflow; EngagementWorkflow sets them in its @workflow.init."""

    start_input: StartEngagement
    case: Engagement
    seq: int
    record_lock: asyncio.Lock
    returned_to_office: bool  # set by the return-to-office timer
    timers: list[asyncio.Task[None]]  # kept: a task must live as long as we do

    async def _return_to_office_on(self, day: date) -> None:
        await self._sleep_until(day, lambda: False)
        self.returned_to_office = True

    def _today(self) -> date:
        return workflow.now().astimezone(BANGKOK).date()

    def _ack(self, **detail: Any) -> Ack:
        return Ack(state=self.case.state, detail=detail)

    async def _confirm_supervisor(
        self, by: str, first_level: bool = False, recheck: Callable[[], None] | None = None
    ) -> None:
        """`by` is in the chain (the first-level supervisor when `first_level`), or identity says
        they act today for such a supervisor who is away; otherwise the step is refused. The
        first step of each appointment in this case is recorded, naming whom it stands for."""
        case = self.case
        assert case.chain is not None
        chain = case.chain.chain
        if by in (chain[:1] if first_level else chain):
            return
        term: ActingTerm = await self._io(
            "acting_supervisor",
            ActingQuery(official_id=case.official_id, acting_id=by, at=workflow.now()),
            result_type=ActingTerm,
        )
        if term.acting_for is None or (first_level and term.level != 0):
            whom = "the first-level supervisor" if first_level else "a supervisor"
            raise refuse(f"{by} is not {whom} of {case.official_id}, nor acting for one today")
        if recheck is not None:
            recheck()  # the case may have moved on while identity answered
        assert term.grant_id and term.valid_from and term.valid_to
        if term.grant_id not in case.acting_recorded:
            await self._record(
                case.event(
                    ev.ActingSupervisorActed,
                    acting_id=by,
                    acting_for=term.acting_for,
                    level=term.level,
                    grant_id=term.grant_id,
                    valid_from=term.valid_from,
                    valid_to=term.valid_to,
                )
            )

    async def _plan(self, u: DraftAgreement | Revise) -> Planned:
        policy = self.case.policy
        assert policy is not None
        planned: Planned = await self._io(
            "plan_schedule",
            PlanSchedule(
                schedule=u.schedule,
                extra_holidays=policy.extra_holidays,
                report_cadence_days=policy.report_cadence_days,
            ),
            result_type=Planned,
        )
        return planned

    async def _io(self, activity: str, arg: Any, result_type: type[Any]) -> Any:
        """Every I/O step of an engagement (identity questions, planning, order numbers,
        events), as an ordinary activity. Local activities were measured (issue #19's bulk
        bench) and left: no clear gain here, and a worker killed mid-task then stalls the
        engagement's queries and updates until the workflow task times out."""
        return await workflow.execute_activity(
            activity, arg, result_type=result_type, start_to_close_timeout=IO
        )

    async def _heads(self, agency: str | None = None) -> Heads:
        heads: Heads = await self._io(
            "deciding_head",
            HeadQuery(agency_code=agency or self.case.agency, on=self._today()),
            result_type=Heads,
        )
        return heads

    async def _sleep_until(self, day: date | None, wake: Any) -> bool:
        """Sleep until the start of `day` in Bangkok, or until `wake()`; True if woken."""
        if day is None:
            return bool(wake())
        at = datetime(day.year, day.month, day.day, tzinfo=BANGKOK)
        seconds = (at - workflow.now()).total_seconds()
        if seconds <= 0:
            return bool(wake())
        try:
            await workflow.wait_condition(wake, timeout=seconds)
            return True
        except TimeoutError:
            return False

    async def _record(self, events: list[Any], planned: Planned | None = None) -> None:
        """Apply each event to the case at once (so a step that arrives meanwhile is decided
        against it), then record them in order: the stream's order is the order the workflow
        meant."""
        await self._write(self._stage(events, planned))

    def _stage(self, events: list[Any], planned: Planned | None = None) -> list[RecordEvent]:
        """Apply events to the case now; what `_write` will record. A step that builds its next
        event from the state the previous one left stages them one after another."""
        case, today = self.case, self._today()
        staged = []
        for event in events:
            case.apply(event, today, planned)
            self.seq += 1
            staged.append(
                RecordEvent(
                    engagement_id=case.engagement_id,
                    official_id=case.official_id,
                    agency=case.agency,
                    seq=self.seq,
                    event_type=event.type_name(),
                    data=event.model_dump(mode="json"),
                    state=case.state,
                )
            )
        return staged

    async def _write(self, staged: list[RecordEvent]) -> None:
        async with self.record_lock:
            if len(staged) > 1 and workflow.patched(RECORD_TOGETHER):
                await self._io("record_events", RecordEvents(events=staged), result_type=int)
                return
            for record in staged:
                await self._io("record_event", record, result_type=int)

    async def _close(self, outcome: str) -> Summary:
        await self._record(self.case.event(ev.EngagementClosed, outcome=outcome))
        return self.case.summary()
