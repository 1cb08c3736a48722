"""The attendance decision core, without a database (issue #20, item 2): R-ATT-1, R-ATT-2."""

from datetime import date, datetime, time

from contracts.events.attendance import AttendanceFlagged, CheckedIn, CheckedOut
from services.attendance.domain.decisions import (
    Accepted,
    Arrival,
    Evidence,
    Refused,
    StoredDay,
    closing_open_day,
    closing_without_check_in,
    decide_check_in,
    decide_check_out,
)
from services.attendance.domain.rules import DayRules
from services.shared.clock import BANGKOK

DAY = date(2026, 12, 1)
RULES = DayRules()
SCHEDULED = StoredDay(agency="ONDE", engagement_id="ENG-1", part="full")


def at(hour: int, minute: int = 0) -> datetime:
    return datetime.combine(DAY, time(hour, minute), BANGKOK)


def arrival(when: datetime, evidence: Evidence | None = None) -> Arrival:
    return Arrival("D0102", when, "web", evidence)


def accepted(decision: object) -> Accepted:
    assert isinstance(decision, Accepted), decision
    return decision


def test_a_scheduled_check_in_on_time_is_accepted_without_flags() -> None:
    d = accepted(decide_check_in(SCHEDULED, arrival(at(8, 40)), RULES))
    assert d.flags == []
    assert [type(e) for e in d.events] == [CheckedIn]
    assert d.reply["scheduled"] is True and d.day.check_in_at == at(8, 40)


def test_late_after_the_tolerance_is_flagged_with_the_minutes() -> None:
    d = accepted(decide_check_in(SCHEDULED, arrival(at(9, 0)), RULES))
    assert d.reply["flags"] == ["late_check_in"]
    assert "15 นาที" in d.flags[0][1]
    assert isinstance(d.events[1], AttendanceFlagged)


def test_an_afternoon_is_late_only_after_one_fifteen() -> None:
    afternoon = StoredDay(agency="ONDE", engagement_id="ENG-1", part="afternoon")
    assert accepted(decide_check_in(afternoon, arrival(at(13, 10)), RULES)).flags == []
    assert accepted(decide_check_in(afternoon, arrival(at(13, 20)), RULES)).reply["flags"] == [
        "late_check_in"
    ]


def test_an_unscheduled_day_is_accepted_and_flagged() -> None:
    d = accepted(decide_check_in(StoredDay(agency="ONDE"), arrival(at(8, 0)), RULES))
    assert d.reply == {
        "official_id": "D0102",
        "day": "2026-12-01",
        "at": at(8, 0).isoformat(),
        "scheduled": False,
        "flags": ["unscheduled_check_in"],
    }


def test_a_second_check_in_is_refused_naming_the_first_time() -> None:
    first = accepted(decide_check_in(SCHEDULED, arrival(at(8, 5)), RULES))
    second = decide_check_in(first.day, arrival(at(8, 6)), RULES)
    assert isinstance(second, Refused) and second.code == "conflict"
    assert "08:05" in second.th and "08:05" in second.en


def test_evidence_is_dropped_unless_the_policy_keeps_it() -> None:
    evidence = Evidence(ip="203.0.113.9", latitude=13.7563, longitude=100.5018)
    dropped = accepted(decide_check_in(SCHEDULED, arrival(at(8, 0), evidence), RULES))
    assert (dropped.client_ip, dropped.client_location) == (None, None)
    keeping = DayRules(keep_client_location=True, location_grid_m=1000)
    kept = accepted(decide_check_in(SCHEDULED, arrival(at(8, 0), evidence), keeping))
    assert kept.client_ip == "203.0.113.9"
    assert kept.client_location is not None and kept.client_location != "13.7563,100.5018"


def test_check_out_needs_a_check_in_and_happens_once() -> None:
    assert isinstance(decide_check_out(SCHEDULED, arrival(at(16, 30)), RULES), Refused)
    checked_in = accepted(decide_check_in(SCHEDULED, arrival(at(8, 0)), RULES)).day
    out = accepted(decide_check_out(checked_in, arrival(at(16, 30)), RULES))
    assert [type(e) for e in out.events] == [CheckedOut]
    again = decide_check_out(out.day, arrival(at(16, 31)), RULES)
    assert isinstance(again, Refused) and again.en == "already checked out today"


def test_closing_a_day_flags_a_missing_check_in_and_closes_an_open_one() -> None:
    flags, events = closing_without_check_in("D0102", DAY)
    assert [f for f, _ in flags] == ["no_check_in"] and len(events) == 1
    closed_at, flags, events = closing_open_day("D0102", DAY)
    assert closed_at == datetime.combine(DAY, time(23, 59, 59), BANGKOK)
    assert isinstance(events[0], CheckedOut) and events[0].automatic
    assert [f for f, _ in flags] == ["auto_checked_out"]
