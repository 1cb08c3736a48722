"""What the audit service answers (R-INT-2): the chain's state, history for an auditor, and
the yearly evaluation computed from the chain (R-EVA-2)."""

from datetime import datetime
from typing import Any, ClassVar, Generic

from pydantic import Field

from contracts.requests import Reply, ReplyT, Request


class _AuditRequest(Request[ReplyT], Generic[ReplyT]):
    service: ClassVar[str] = "audit"


class ChainProblem(Reply):
    position: int = Field(description="The first record that does not hold")
    kind: str = Field(
        description="content_changed, record_missing, record_inserted, order_changed or "
        "bad_signature"
    )
    detail: str


class ChainStatus(Reply):
    ok: bool = Field(description="True when every record checked holds")
    checked: int = Field(description="How many records were checked")
    problem: ChainProblem | None = None


class Chained(Reply):
    position: int
    hash: str = Field(description="The record's SHA-256 chain hash, hex")
    event: dict[str, Any] = Field(description="The event as chained: its CloudEvent")


class Replayed(Reply):
    events: list[Chained] = Field(description="In chain order, a thousand at most")
    more: bool = Field(description="True when there are more than a page: narrow the period")


class Status(_AuditRequest[ChainStatus]):
    """The chain verified from a position on, and how complete it is against the stream."""

    command: ClassVar[str] = "status"
    start: int = Field(default=1, ge=1)


class History(_AuditRequest[Replayed]):
    """Replay by engagement, official or agency, within a period (issue #16's auditor page)."""

    command: ClassVar[str] = "history"
    engagement_id: str | None = Field(default=None, max_length=100)
    official_id: str | None = Field(default=None, max_length=64)
    agency: str | None = Field(default=None, max_length=64)
    start: datetime | None = None
    end: datetime | None = None


class EvaluationQuery(_AuditRequest[dict[str, Any]]):
    """An agency's figures for a fiscal year, or the agency and its sub-agencies side by side."""

    command: ClassVar[str] = "evaluation"
    agency_code: str = Field(max_length=64)
    fiscal_year: int
    roll_up: bool = False


class RecordEvaluation(_AuditRequest[dict[str, Any]]):
    """Record the yearly evaluation of every agency, once per fiscal year (the yearly schedule)."""

    command: ClassVar[str] = "record_evaluation"
    fiscal_year: int | None = None  # none: the fiscal year that ended last
