"""Use cases of the meetings service: plan, check before, record attendance, register the
recording, check after. Each writes its state and its events in one transaction."""

from collections.abc import Callable
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contracts.events.meeting import (
    MeetingAttendanceRecorded,
    MeetingChecked,
    MeetingIdentityVerified,
    MeetingPlanned,
    MeetingRecordingRegistered,
    RuleViolation,
)
from contracts.requests.meetings import (
    CheckMeeting,
    PlanMeeting,
    RecordAttendance,
    RegisterRecording,
    VerifyIdentity,
)
from services.meetings.adapters.tables import attendance, identity_checks, meetings, recordings
from services.meetings.domain.actual import AttendanceRecord, as_held
from services.meetings.domain.facts import InvalidMeeting, MeetingFacts, parse_meeting
from services.meetings.domain.rules import CheckResult, check
from services.shared import clock
from services.shared.authz import Actor, Resource, can
from services.shared.clock import BANGKOK
from services.shared.eventlog import EventLog, NewEvent
from services.shared.rpc import RpcError, forbidden, invalid

LOG = EventLog("/telework/meetings")

# Until the identity service answers agency-tree queries here, an agency is its own root.
AgencyPath = Callable[[str], tuple[str, ...]]


def own_root(agency: str) -> tuple[str, ...]:
    return (agency,)


def not_found(meeting_id: str) -> RpcError:
    return RpcError("not_found", f"ไม่พบการประชุม {meeting_id}", f"no meeting {meeting_id}")


class MeetingsService:
    def __init__(
        self,
        sessions: async_sessionmaker[Any],
        cabinet_named_kinds: tuple[str, ...] = (),
        agency_path: AgencyPath = own_root,
    ) -> None:
        self._sessions = sessions
        self._cabinet = cabinet_named_kinds
        self._agency_path = agency_path

    def _authorize(self, actor: Actor, action: str, agency: str) -> None:
        decision = can(actor, action, Resource("meeting", self._agency_path(agency)))
        if not decision:
            raise forbidden(decision.reason)

    async def plan(self, actor: Actor, cmd: PlanMeeting) -> dict[str, Any]:
        self._authorize(actor, "meeting.manage", cmd.agency)
        try:
            facts = parse_meeting(cmd.meeting)
            # Judged by the law of the day it is held, unless the facts name a rule set.
            result = check(facts, self._cabinet, today=cmd.starts_at.astimezone(BANGKOK).date())
        except InvalidMeeting as exc:
            raise invalid(str(exc)) from None
        async with self._sessions.begin() as s:
            try:
                await s.execute(
                    insert(meetings).values(
                        meeting_id=cmd.meeting_id,
                        agency=cmd.agency,
                        title=cmd.title,
                        starts_at=cmd.starts_at,
                        facts=cmd.meeting,
                        created_by=actor.subject,
                    )
                )
            except IntegrityError:
                raise RpcError(
                    "conflict",
                    f"มีการประชุม {cmd.meeting_id} อยู่แล้ว",
                    f"meeting {cmd.meeting_id} already exists",
                ) from None
            planned = MeetingPlanned(
                meeting_id=cmd.meeting_id,
                title=cmd.title,
                meeting_kind=facts.meeting_kind,
                classified=facts.classified,
                members_total=facts.members_total,
                quorum_fraction=str(facts.quorum_fraction),
                rule_set=result.rule_set,
                starts_at=cmd.starts_at.isoformat(),
            )
            await self._append(
                s, cmd.meeting_id, cmd.agency, [planned, _checked(cmd.meeting_id, "before", result)]
            )
        return result.as_dict()

    async def record_attendance(self, actor: Actor, cmd: RecordAttendance) -> dict[str, Any]:
        async with self._sessions.begin() as s:
            meeting = await self._meeting(s, cmd.meeting_id)
            self._authorize(actor, "meeting.manage", meeting.agency)
            if cmd.mode == "in_person" and not cmd.venue:
                raise invalid(f"member {cmd.member} attends in person but has no venue")
            at = clock.now()
            await s.execute(
                insert(attendance).values(
                    meeting_id=cmd.meeting_id,
                    member=cmd.member,
                    action=cmd.action,
                    mode=cmd.mode,
                    venue=cmd.venue if cmd.mode == "in_person" else None,
                    in_kingdom=cmd.in_kingdom,
                    av_continuous=cmd.av_continuous,
                    at=at,
                )
            )
            await self._append(
                s,
                cmd.meeting_id,
                meeting.agency,
                [
                    MeetingAttendanceRecorded(
                        meeting_id=cmd.meeting_id,
                        member=cmd.member,
                        action=cmd.action,
                        mode=cmd.mode,
                        venue=cmd.venue,
                        in_kingdom=cmd.in_kingdom,
                        av_continuous=cmd.av_continuous,
                        at=at.isoformat(),
                    )
                ],
            )
        return {"recorded_at": at.isoformat()}

    async def verify_identity(self, actor: Actor, cmd: VerifyIdentity) -> dict[str, Any]:
        async with self._sessions.begin() as s:
            meeting = await self._meeting(s, cmd.meeting_id)
            self._authorize(actor, "meeting.manage", meeting.agency)
            at = clock.now()
            try:
                async with s.begin_nested():
                    await s.execute(
                        insert(identity_checks).values(
                            meeting_id=cmd.meeting_id,
                            member=cmd.member,
                            method=cmd.method,
                            checked_at=at,
                            checked_by=actor.subject,
                        )
                    )
            except IntegrityError:
                return {"verified_at": None, "already": True}
            await self._append(
                s,
                cmd.meeting_id,
                meeting.agency,
                [
                    MeetingIdentityVerified(
                        meeting_id=cmd.meeting_id,
                        member=cmd.member,
                        method=cmd.method,
                        at=at.isoformat(),
                    )
                ],
            )
        return {"verified_at": at.isoformat(), "already": False}

    async def register_recording(self, actor: Actor, cmd: RegisterRecording) -> dict[str, Any]:
        async with self._sessions.begin() as s:
            meeting = await self._meeting(s, cmd.meeting_id)
            self._authorize(actor, "meeting.manage", meeting.agency)
            try:
                async with s.begin_nested():
                    await s.execute(insert(recordings).values(**cmd.model_dump()))
            except IntegrityError:
                raise RpcError(
                    "conflict",
                    "ลงทะเบียนไฟล์บันทึกการประชุมนี้แล้ว",
                    "the recording of this meeting is already registered",
                ) from None
            await self._append(
                s, cmd.meeting_id, meeting.agency, [MeetingRecordingRegistered(**cmd.model_dump())]
            )
        return {"registered": True}

    async def check(self, actor: Actor, cmd: CheckMeeting) -> dict[str, Any]:
        async with self._sessions.begin() as s:
            meeting = await self._meeting(s, cmd.meeting_id)
            self._authorize(actor, "meeting.manage", meeting.agency)
            facts = parse_meeting(meeting.facts)
            if cmd.phase == "after":
                facts = await self._as_held(s, cmd.meeting_id, facts)
            held = meeting.starts_at.astimezone(BANGKOK).date()
            result = check(facts, self._cabinet, today=held)
            await self._append(
                s, cmd.meeting_id, meeting.agency, [_checked(cmd.meeting_id, cmd.phase, result)]
            )
        return result.as_dict()

    async def _as_held(
        self, s: AsyncSession, meeting_id: str, planned: MeetingFacts
    ) -> MeetingFacts:
        rows = (
            await s.execute(select(attendance).where(attendance.c.meeting_id == meeting_id))
        ).all()
        records = [
            AttendanceRecord(
                r.member, r.action, r.mode, r.venue, r.in_kingdom, r.av_continuous, r.at
            )
            for r in rows
        ]
        rec = (
            await s.execute(
                select(recordings.c.recording).where(recordings.c.meeting_id == meeting_id)
            )
        ).scalar()
        identified = frozenset(
            (
                await s.execute(
                    select(identity_checks.c.member).where(
                        identity_checks.c.meeting_id == meeting_id
                    )
                )
            ).scalars()
        )
        return as_held(planned, records, rec, identified)

    async def _meeting(self, s: AsyncSession, meeting_id: str) -> Any:
        row = (await s.execute(select(meetings).where(meetings.c.meeting_id == meeting_id))).first()
        if row is None:
            raise not_found(meeting_id)
        return row

    async def _append(
        self, s: AsyncSession, meeting_id: str, agency: str, events: list[Any]
    ) -> None:
        stream = f"meeting-{meeting_id}"
        version = await LOG.version(s, stream)
        await LOG.append(s, stream, [NewEvent(e, agency) for e in events], version)


def _checked(meeting_id: str, phase: str, r: CheckResult) -> MeetingChecked:
    return MeetingChecked(
        meeting_id=meeting_id,
        phase=phase,
        rule_set=r.rule_set,
        allowed=r.allowed,
        quorum_required=r.quorum_required,
        present=r.present,
        co_located_required=r.co_located_required,
        co_located_max=r.co_located_max,
        violations=[
            RuleViolation(rule=v.rule, basis=v.basis.th, reason=v.reason_th) for v in r.violations
        ],
        allowance_eligible=list(r.allowance_eligible),
    )
