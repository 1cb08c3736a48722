"""What actually happened at a meeting, from its join/leave records and its recording."""

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from services.meetings.domain.facts import Attendee, MeetingFacts, Mode, RecordingKind


@dataclass(frozen=True)
class AttendanceRecord:
    member: str
    action: str  # joined | left
    mode: Mode
    venue: str | None
    in_kingdom: bool
    av_continuous: bool
    at: datetime


def actual_attendees(
    records: Iterable[AttendanceRecord], identified: frozenset[str] = frozenset()
) -> tuple[Attendee, ...]:
    """One attendee per member who joined at all.

    A member is in person if every join was in person at one venue; outside the Kingdom if any
    record says so; with continuous audio and video only if every remote join had it (a member
    whose video dropped was not continuously present, RD 2547 s.14 para 2).
    """
    by_member: dict[str, list[AttendanceRecord]] = {}
    for r in sorted(records, key=lambda r: r.at):
        by_member.setdefault(r.member, []).append(r)
    result = []
    for member, rs in by_member.items():
        joins = [r for r in rs if r.action == "joined"]
        if not joins:
            continue
        venues = {r.venue for r in joins}
        in_person = all(r.mode == "in_person" for r in joins) and len(venues) == 1
        result.append(
            Attendee(
                member=member,
                mode="in_person" if in_person else "remote",
                venue=joins[0].venue if in_person else None,
                in_kingdom=all(r.in_kingdom for r in rs),
                av_continuous=all(r.av_continuous for r in joins if r.mode == "remote"),
                identity_verified=member in identified,
            )
        )
    return tuple(result)


def as_held(
    planned: MeetingFacts,
    records: Iterable[AttendanceRecord],
    recording: RecordingKind | None,
    identified: frozenset[str] = frozenset(),
) -> MeetingFacts:
    """The meeting as it was held. Its join and leave records, each naming the member and the
    time by the platform's clock, are the traffic data the 2563 decree (s.7 (5)) has kept."""
    records = list(records)
    return replace(
        planned,
        attendees=actual_attendees(records, identified),
        recording=recording or "none",
        traffic_data_kept=bool(records) or planned.traffic_data_kept,
    )
