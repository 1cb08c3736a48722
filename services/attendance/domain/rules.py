"""Pure attendance rules (R-ATT-2): when a check-in is late, how a day is closed."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from services.shared.clock import BANGKOK


@dataclass(frozen=True)
class DayRules:
    work_day_start: time = time(8, 30)
    late_tolerance_minutes: int = 15
    keep_client_location: bool = False

    def late_after(self, day: date) -> datetime:
        start = datetime.combine(day, self.work_day_start, BANGKOK)
        return start + timedelta(minutes=self.late_tolerance_minutes)

    def is_late(self, at: datetime) -> bool:
        day = at.astimezone(BANGKOK).date()
        return at > self.late_after(day)


def end_of_day(day: date) -> datetime:
    """The instant a day's open check-ins are closed: 23:59:59 in Bangkok."""
    return datetime.combine(day, time(23, 59, 59), BANGKOK)


def minutes_late(at: datetime, rules: DayRules) -> int:
    return int((at - rules.late_after(at.astimezone(BANGKOK).date())).total_seconds() // 60)
