"""The measures of the yearly evaluation (seed §12): how often people telework, sick leave of
teleworkers against the others, and people on site against desks. Pure."""

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from contracts.evaluation import MIN_ANSWERS


def bands(days: Mapping[str, int], span: Mapping[str, tuple[str, str]]) -> dict[str, int]:
    bands = {"3_or_more_a_week": 0, "1_to_2_a_week": 0, "less_than_weekly": 0}
    for official, count in days.items():
        first, last = (date.fromisoformat(x) for x in span[official])
        weeks = max(1.0, ((last - first).days + 1) / 7)
        per_week = count / weeks
        key = (
            "3_or_more_a_week"
            if per_week >= 3
            else "1_to_2_a_week"
            if per_week >= 1
            else "less_than_weekly"
        )
        bands[key] += 1
    return bands


def absence(sick: Mapping[str, float], teleworking: set[str]) -> dict[str, dict[str, Any]]:
    """Mean sick-leave days per person, teleworkers against the others (seed §12)."""

    def group(days: list[float]) -> dict[str, Any]:
        n = len(days)
        mean = round(sum(days) / n, 2) if n >= MIN_ANSWERS else None  # no figure for a few
        return {"mean": mean, "n": n}

    return {
        "teleworkers": group([v for o, v in sick.items() if o in teleworking]),
        "others": group([v for o, v in sick.items() if o not in teleworking]),
    }


def density(
    officials: int, away_on: Mapping[str, int], first: date, last: date, desks: int | None
) -> dict[str, Any]:
    """People on site per working day of the year (the agency's officials less those
    teleworking that day), against its desks (seed §12: office density)."""
    from workflows.calendar import WorkingCalendar

    calendar = WorkingCalendar()
    on_site = []
    day = first
    while day <= last:
        if calendar.is_working_day(day):
            on_site.append(max(0, officials - away_on.get(day.isoformat(), 0)))
        day += timedelta(days=1)
    mean = round(sum(on_site) / len(on_site), 1) if on_site else 0.0
    peak = max(on_site, default=0)
    least = min(on_site, default=0)
    return {
        "officials": officials,
        "working_days": len(on_site),
        "mean_on_site": mean,
        "peak_on_site": peak,
        "least_on_site": least,
        "desks": desks,
        "mean_occupancy": round(mean / desks, 3) if desks else None,
        "peak_occupancy": round(peak / desks, 3) if desks else None,
    }
