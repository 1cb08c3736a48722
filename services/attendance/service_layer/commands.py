"""Commands of the attendance service."""

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class ClientEvidence(BaseModel):
    """What the caller's device says about itself; kept only when the policy allows."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    ip: str | None = Field(default=None, max_length=64)
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)


class CheckIn(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    channel: Literal["web", "mobile", "api"]
    idempotency_key: str = Field(min_length=8, max_length=100)
    client: ClientEvidence | None = None


class CheckOut(CheckIn):
    pass


class LedgerQuery(BaseModel):
    """The attendance ledger of an agency (and its sub-agencies) over a period, or of one
    official in it (R-ATT-3; the portal's ledger page, issue #16)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    agency: str = Field(min_length=1, max_length=64)
    start: date
    end: date
    official_id: str | None = Field(default=None, max_length=64)
    format: Literal["json", "csv"] = "json"
    lang: Literal["th", "en"] = "th"
