"""Deciding a check-in or a check-out (R-ATT-1, R-ATT-2), and what closing a day records.

Pure: the handler reads what is stored about the official's day, asks here, and writes what
was decided. A decision returns the day as it stands afterwards, so a second request of the
same official in the same batch is decided against the first one's outcome.
"""

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from contracts.events.attendance import AttendanceFlagged, CheckedIn, CheckedOut
from services.attendance.domain.rules import DayRules, coarse_location, end_of_day, minutes_late
from services.shared.clock import BANGKOK

ALREADY_CHECKED_OUT = ("ลงเวลาเลิกงานวันนี้แล้ว", "already checked out today")
NO_CHECK_IN = ("ยังไม่ได้ลงเวลาเริ่มงานวันนี้", "no check-in today to check out from")

UNSCHEDULED = ("unscheduled_check_in", "ลงเวลาในวันที่ไม่ได้กำหนดให้ปฏิบัติราชการนอกสถานที่")
NO_CHECK_IN_FLAG = ("no_check_in", "ไม่มีการลงเวลาในวันที่กำหนดให้ปฏิบัติราชการนอกสถานที่")
AUTO_CHECKED_OUT = ("auto_checked_out", "ไม่ได้ลงเวลาเลิกงาน ระบบปิดให้เมื่อสิ้นวัน")


@dataclass(frozen=True)
class StoredDay:
    """What is stored about one official's day."""

    agency: str
    engagement_id: str | None = None  # the engagement that schedules telework on it, if any
    part: str | None = None  # morning | afternoon | full, for a scheduled day
    check_in_at: datetime | None = None
    check_out_at: datetime | None = None


@dataclass(frozen=True)
class Evidence:
    """What the caller's device said about itself; kept only where the policy allows."""

    ip: str | None = None
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True)
class Arrival:
    """A check-in or check-out as it arrived: server time is the record."""

    official: str
    at: datetime
    channel: str
    evidence: Evidence | None = None

    @property
    def day(self) -> date:
        return self.at.astimezone(BANGKOK).date()


Flag = tuple[str, str]  # (name, reason in Thai)


@dataclass(frozen=True)
class Accepted:
    day: StoredDay  # the day as it stands afterwards
    events: list[Any]
    flags: list[Flag]
    reply: dict[str, Any]
    client_ip: str | None = None
    client_location: str | None = None


@dataclass(frozen=True)
class Refused:
    code: str
    th: str
    en: str


Decision = Accepted | Refused


def flag_events(official: str, day: date, flags: list[Flag]) -> list[AttendanceFlagged]:
    return [AttendanceFlagged(official_id=official, day=day, flag=f, reason=r) for f, r in flags]


def kept_evidence(evidence: Evidence | None, rules: DayRules) -> tuple[str | None, str | None]:
    """PDPA: client evidence is personal data; kept only where the agency's policy says so, and
    a location only coarsened to the policy's grid, never the exact point (issue #19)."""
    if not rules.keep_client_location or evidence is None:
        return None, None
    location = None
    if evidence.latitude is not None and evidence.longitude is not None:
        location = coarse_location(evidence.latitude, evidence.longitude, rules.location_grid_m)
    return evidence.ip, location


def decide_check_in(stored: StoredDay, arrival: Arrival, rules: DayRules) -> Decision:
    """One check-in a day; flagged when the day was not scheduled or the official is late."""
    if stored.check_in_at is not None:
        at = stored.check_in_at.astimezone(BANGKOK).strftime("%H:%M")
        return Refused(
            "conflict", f"ลงเวลาเริ่มงานวันนี้แล้วเมื่อ {at} น.", f"already checked in today at {at}"
        )
    official, day, scheduled = arrival.official, arrival.day, stored.engagement_id
    flags: list[Flag] = []
    if scheduled is None:
        flags.append(UNSCHEDULED)
    part = stored.part or "full"
    if rules.is_late(arrival.at, part):
        late = minutes_late(arrival.at, rules, part)
        flags.append(("late_check_in", f"ลงเวลาช้า {late} นาที (เกินเวลาที่ยอมให้)"))
    ip, location = kept_evidence(arrival.evidence, rules)
    checked_in = CheckedIn(
        official_id=official,
        day=day,
        at=arrival.at,
        channel=arrival.channel,
        scheduled=scheduled is not None,
        engagement_id=scheduled,
    )
    return Accepted(
        day=replace(stored, check_in_at=arrival.at),
        events=[checked_in, *flag_events(official, day, flags)],
        flags=flags,
        reply={
            "official_id": official,
            "day": day.isoformat(),
            "at": arrival.at.isoformat(),
            "scheduled": scheduled is not None,
            "flags": [f for f, _ in flags],
        },
        client_ip=ip,
        client_location=location,
    )


def decide_check_out(stored: StoredDay, arrival: Arrival, rules: DayRules) -> Decision:
    """After the day's check-in, once."""
    if stored.check_in_at is None:
        return Refused("conflict", *NO_CHECK_IN)
    if stored.check_out_at is not None:
        return Refused("conflict", *ALREADY_CHECKED_OUT)
    official, day = arrival.official, arrival.day
    event = CheckedOut(official_id=official, day=day, at=arrival.at, channel=arrival.channel)
    return Accepted(
        day=replace(stored, check_out_at=arrival.at),
        events=[event],
        flags=[],
        reply={"official_id": official, "day": day.isoformat(), "at": arrival.at.isoformat()},
    )


def closing_without_check_in(official: str, day: date) -> tuple[list[Flag], list[Any]]:
    """A scheduled day that ended with no check-in (R-ATT-2)."""
    flags = [NO_CHECK_IN_FLAG]
    return flags, list(flag_events(official, day, flags))


def closing_open_day(official: str, day: date) -> tuple[datetime, list[Flag], list[Any]]:
    """A day checked into and never out: closed at its last second and flagged."""
    at, flags = end_of_day(day), [AUTO_CHECKED_OUT]
    out = CheckedOut(official_id=official, day=day, at=at, channel="api", automatic=True)
    return at, flags, [out, *flag_events(official, day, flags)]
