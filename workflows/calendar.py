"""Official working days and telework schedules (R-MODE-1..4). Pure: no I/O, no clock.

A working day is Monday–Friday that is not a Thai public holiday, a substitution day for one,
a holiday for government officials (all from the `holidays` package), or an extra day the
cabinet or the agency declared.
"""

import calendar as cal
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import Literal

import holidays

WEEKDAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
THAI_MONTHS = [
    "มกราคม",
    "กุมภาพันธ์",
    "มีนาคม",
    "เมษายน",
    "พฤษภาคม",
    "มิถุนายน",
    "กรกฎาคม",
    "สิงหาคม",
    "กันยายน",
    "ตุลาคม",
    "พฤศจิกายน",
    "ธันวาคม",
]
THAI_MONTHS_SHORT = [
    "ม.ค.",
    "ก.พ.",
    "มี.ค.",
    "เม.ย.",
    "พ.ค.",
    "มิ.ย.",
    "ก.ค.",
    "ส.ค.",
    "ก.ย.",
    "ต.ค.",
    "พ.ย.",
    "ธ.ค.",
]


class InvalidSchedule(ValueError):
    """A schedule that cannot be turned into dates; the message says why."""


# Government officials also stop on the days declared for them only (the Royal Ploughing
# Ceremony, in the `holidays` package's "government" category), not on observances that are
# working days ("workday").
CATEGORIES = ("public", "government")


@lru_cache(maxsize=64)
def _public_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("TH", years=year, categories=CATEGORIES))


def holiday_name(day: date, lang: str = "th") -> str | None:
    names = holidays.country_holidays(
        "TH", years=day.year, language="th" if lang == "th" else "en_US", categories=CATEGORIES
    )
    return names.get(day)


@dataclass(frozen=True)
class WorkingCalendar:
    extra_holidays: frozenset[date] = field(default_factory=frozenset)

    def is_working_day(self, day: date) -> bool:
        return (
            day.weekday() < 5
            and day not in _public_holidays(day.year)
            and day not in self.extra_holidays
        )

    def working_days(self, start: date, end: date) -> Iterator[date]:
        """Working days in [start, end)."""
        day = start
        while day < end:
            if self.is_working_day(day):
                yield day
            day += timedelta(days=1)


def report_due_dates(
    start: date, end: date, cadence_days: int | None, calendar: WorkingCalendar
) -> list[date]:
    """A progress report every `cadence_days` from `start` (R-MON-1), each due on a working
    day: one falling on a weekend or holiday is due the next working day (R-LAW-2). None past
    the end of the period."""
    if not cadence_days or cadence_days < 1:
        return []
    out = []
    n = 1
    while (due := start + timedelta(days=cadence_days * n)) <= end:
        while not calendar.is_working_day(due):
            due += timedelta(days=1)
        if due > end:
            break
        out.append(due)
        n += 1
    return out


BE_OFFSET = 543  # Buddhist Era year = Common Era year + 543
# Years the platform plans in (C.E.): wide enough for any agreement, narrow enough that a
# mistyped year is refused with a reason instead of overflowing the calendar.
FIRST_YEAR, LAST_YEAR = 1990, 2200


def parse_day(text: str) -> date:
    """A day written YYYY-MM-DD in the Common Era or in the Buddhist Era (2569-12-01 is
    1 Dec 2026): Thai users write B.E. years, and taking 2569 as C.E. would plan 543 years
    ahead. Anything else is refused with the reason."""
    iso = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text.strip())
    # As Thai forms write it: day/month/year, the year B.E. (or C.E.): 07/12/2569.
    thai = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text.strip())
    if iso is not None:
        year, month, day = (int(g) for g in iso.groups())
    elif thai is not None:
        day, month, year = (int(g) for g in thai.groups())
    else:
        raise InvalidSchedule(f"{text!r} is not a date: YYYY-MM-DD or DD/MM/YYYY (C.E. or B.E.)")
    if FIRST_YEAR + BE_OFFSET <= year <= LAST_YEAR + BE_OFFSET:
        year -= BE_OFFSET  # 29 Feb 2567 B.E. is 29 Feb 2024: convert before checking the day
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise InvalidSchedule(
            f"{text!r}: the year must be {FIRST_YEAR}–{LAST_YEAR} C.E. "
            f"or {FIRST_YEAR + BE_OFFSET}–{LAST_YEAR + BE_OFFSET} B.E."
        )
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise InvalidSchedule(f"{text!r} is not a date of the calendar ({exc})") from None


def add_months(day: date, months: int) -> date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, cal.monthrange(year, month)[1]))


Kind = Literal["regular_weekdays", "regular_days_per_week", "regular_days_per_month", "occasional"]


@dataclass(frozen=True)
class Schedule:
    """A mode of telework (§2.1): regular over a period, or an occasional run of working days."""

    kind: Kind
    start: date
    months: int = 0
    weekdays: tuple[int, ...] = ()
    days: int = 0  # per week, per month, or the occasional run

    def __post_init__(self) -> None:
        limits = {
            "regular_days_per_week": (1, 5),
            "regular_days_per_month": (1, 23),
            "occasional": (1, 60),
        }
        if not FIRST_YEAR <= self.start.year <= LAST_YEAR:
            raise InvalidSchedule(f"the start year must be {FIRST_YEAR}–{LAST_YEAR} C.E.")
        if self.kind != "occasional" and not 1 <= self.months <= 24:
            raise InvalidSchedule(f"months must be 1–24, got {self.months}")
        if self.kind == "regular_weekdays":
            if not self.weekdays:
                raise InvalidSchedule("name at least one weekday")
            if any(not 0 <= w <= 4 for w in self.weekdays):
                raise InvalidSchedule("telework days must be Monday to Friday")
        elif self.kind in limits:
            low, high = limits[self.kind]
            if not low <= self.days <= high:
                raise InvalidSchedule(f"days must be {low}–{high} for {self.kind}, got {self.days}")
        else:
            raise InvalidSchedule(f"unknown schedule kind {self.kind!r}")

    @property
    def end(self) -> date:
        """Exclusive end of a regular schedule's period."""
        return add_months(self.start, self.months)

    def dates(self, calendar: WorkingCalendar) -> list[date]:
        if self.kind == "regular_weekdays":
            wanted = set(self.weekdays)
            return [d for d in calendar.working_days(self.start, self.end) if d.weekday() in wanted]
        if self.kind == "regular_days_per_week":
            # Without named weekdays, the first N working days of each week (Mon–Sun).
            return _first_n_per(
                calendar.working_days(self.start, self.end),
                self.days,
                lambda d: d.isocalendar()[:2],
            )
        if self.kind == "regular_days_per_month":
            return _first_n_per(
                calendar.working_days(self.start, self.end), self.days, lambda d: (d.year, d.month)
            )
        run: list[date] = []
        day = self.start
        while len(run) < self.days:
            if calendar.is_working_day(day):
                run.append(day)
            day += timedelta(days=1)
        return run


def _first_n_per(days: Iterable[date], n: int, bucket: object) -> list[date]:
    counts: dict[object, int] = {}
    out = []
    for d in days:
        key = bucket(d)  # type: ignore[operator]
        if counts.get(key, 0) < n:
            counts[key] = counts.get(key, 0) + 1
            out.append(d)
    return out


def parse_weekdays(text: str) -> tuple[int, ...]:
    out = []
    for part in text.split(","):
        key = part.strip().lower()[:3]
        if key not in WEEKDAYS:
            raise InvalidSchedule(f"unknown weekday {part.strip()!r}; use mon,tue,wed,thu,fri")
        out.append(WEEKDAYS[key])
    return tuple(sorted(set(out)))


def thai_date(day: date, short: bool = False) -> str:
    """๕ ธันวาคม ๒๕๖๙ style, in Buddhist Era (R-MODE-4); Arabic digits unless asked."""
    months = THAI_MONTHS_SHORT if short else THAI_MONTHS
    return f"{day.day} {months[day.month - 1]} {day.year + 543}"


THAI_DIGITS = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")


def thai_numerals(text: str) -> str:
    return text.translate(THAI_DIGITS)
