"""The one place that reads the wall clock; dates and day boundaries are Asia/Bangkok."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

BANGKOK = ZoneInfo("Asia/Bangkok")


def now() -> datetime:
    return datetime.now(BANGKOK)


def today() -> date:
    return now().date()
