"""What the attendance service answers: check-in and check-out (the platform's hottest
requests, R-ATT-1) and the ledger (R-ATT-3)."""

from datetime import date, datetime
from typing import Any, ClassVar, Generic, Literal

from pydantic import BaseModel, ConfigDict, Field

from contracts.requests import Reply, ReplyT, Request


class AttendanceRequest(Request[ReplyT], Generic[ReplyT]):
    service: ClassVar[str] = "attendance"


class ClientEvidence(BaseModel):
    """What the caller's device says about itself; kept only when the policy allows."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    ip: str | None = Field(default=None, max_length=64)
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)


class CheckedOut(Reply):
    official_id: str
    day: date
    at: datetime


class CheckedIn(CheckedOut):
    scheduled: bool = Field(description="a telework day of an active engagement")
    flags: list[str] = Field(description="what the check-in was flagged for (late, …)")


class _Arrival(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    channel: Literal["web", "mobile", "api"]
    idempotency_key: str = Field(min_length=8, max_length=100)
    client: ClientEvidence | None = None


class CheckIn(AttendanceRequest[CheckedIn], _Arrival):
    """The official's check-in for today (once; a retry with the same key answers the same)."""

    command: ClassVar[str] = "check_in"


class CheckOut(AttendanceRequest[CheckedOut], _Arrival):
    """The official's check-out for today, after the check-in."""

    command: ClassVar[str] = "check_out"


class LedgerQuery(AttendanceRequest[dict[str, Any]]):
    """The attendance ledger of an agency (and its sub-agencies) over a period, or of one
    official in it (R-ATT-3; the portal's ledger page, issue #16)."""

    command: ClassVar[str] = "ledger"
    agency: str = Field(min_length=1, max_length=64)
    start: date
    end: date
    official_id: str | None = Field(default=None, max_length=64)
    format: Literal["json", "csv"] = "json"
    lang: Literal["th", "en"] = "th"
