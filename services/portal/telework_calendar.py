"""The B.E. month calendar of an engagement's telework days, as its page shows it (issue #16):
pure, so each month's grid is unit-tested without a browser."""

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from services.portal.i18n import MONTHS


@dataclass(frozen=True)
class Month:
    title: str  # "ธันวาคม 2569" / "December 2026"
    weeks: list[list[tuple[int, bool] | None]]  # Monday first; (day, a telework day) or blank
    days: int  # telework days in the month


def month_grids(dates: Iterable[date], lang: str) -> list[Month]:
    """One grid per month that holds a telework day, in order; years in B.E. for Thai."""
    chosen = set(dates)
    months = sorted({(d.year, d.month) for d in chosen})
    out = []
    for year, month in months:
        weeks = [
            [(day, date(year, month, day) in chosen) if day else None for day in week]
            for week in calendar.Calendar(firstweekday=0).monthdayscalendar(year, month)
        ]
        shown_year = year + 543 if lang == "th" else year
        name = MONTHS["en" if lang == "en" else "th"][month - 1]
        count = sum(1 for d in chosen if (d.year, d.month) == (year, month))
        out.append(Month(f"{name} {shown_year}", weeks, count))
    return out
