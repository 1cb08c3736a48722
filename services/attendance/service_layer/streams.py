"""Where attendance records its events, and its flag rows."""

from datetime import date
from typing import Any

from services.attendance.domain.decisions import Flag
from services.shared.eventlog import EventLog

LOG = EventLog("/telework/attendance")


def day_stream(official_id: str, day: date) -> str:
    """One stream per official and day: its version stops a day being recorded twice."""
    return f"attendance-{official_id}-{day.isoformat()}"


def flag_rows(official: str, day: date, flags: list[Flag]) -> list[dict[str, Any]]:
    return [{"official_id": official, "day": day, "flag": f, "reason": why} for f, why in flags]
