"""The one place that reads the wall clock; dates and day boundaries are Asia/Bangkok."""

import asyncio
import contextlib
from datetime import date, datetime
from zoneinfo import ZoneInfo

BANGKOK = ZoneInfo("Asia/Bangkok")


def now() -> datetime:
    return datetime.now(BANGKOK)


def today() -> date:
    return now().date()


async def pause(stop: "asyncio.Event", seconds: float) -> None:
    """Sleep `seconds`, or less if `stop` is set meanwhile."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
