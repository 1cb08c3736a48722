"""Pure attendance rules (R-ATT-2): when a check-in is late, how a day is closed."""

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from services.shared.clock import BANGKOK

AFTERNOON_START = time(13, 0)


@dataclass(frozen=True)
class DayRules:
    work_day_start: time = time(8, 30)
    late_tolerance_minutes: int = 15
    keep_client_location: bool = False
    location_grid_m: int = 1000

    def late_after(self, day: date, part: str = "full") -> datetime:
        """An afternoon's telework starts at noon's end (13:00, the government's lunch hour
        being 12:00–13:00); a morning's or a full day's at the day's start (issue #19)."""
        begins = AFTERNOON_START if part == "afternoon" else self.work_day_start
        start = datetime.combine(day, begins, BANGKOK)
        return start + timedelta(minutes=self.late_tolerance_minutes)

    def is_late(self, at: datetime, part: str = "full") -> bool:
        day = at.astimezone(BANGKOK).date()
        return at > self.late_after(day, part)


def coarse_location(latitude: float, longitude: float, grid_m: int) -> str:
    """A location snapped to the centre of its cell in a grid of about `grid_m` metres (issue
    #19): evidence that the official was in the area they agreed to, not where they live.
    A degree of latitude is ~111.32 km everywhere; one of longitude shrinks with the latitude."""
    step_lat = grid_m / 111_320
    lat = (math.floor(latitude / step_lat) + 0.5) * step_lat
    step_lon = grid_m / (111_320 * max(math.cos(math.radians(lat)), 0.01))
    lon = (math.floor(longitude / step_lon) + 0.5) * step_lon
    return f"{lat:.3f},{lon:.3f}"


def end_of_day(day: date) -> datetime:
    """The instant a day's open check-ins are closed: 23:59:59 in Bangkok."""
    return datetime.combine(day, time(23, 59, 59), BANGKOK)


def minutes_late(at: datetime, rules: DayRules, part: str = "full") -> int:
    late_after = rules.late_after(at.astimezone(BANGKOK).date(), part)
    return int((at - late_after).total_seconds() // 60)
