"""What the audit service answers (R-INT-2): the chain's state, history for an auditor, and
the yearly evaluation computed from the chain (R-EVA-2)."""

from datetime import datetime
from typing import Any, ClassVar

from pydantic import Field

from contracts.requests import Request


class _AuditRequest(Request[dict[str, Any]]):
    service: ClassVar[str] = "audit"


class Status(_AuditRequest):
    """The chain verified from a position on, and how complete it is against the stream."""

    command: ClassVar[str] = "status"
    start: int = Field(default=1, ge=1)


class History(_AuditRequest):
    """Replay by engagement, official or agency, within a period (issue #16's auditor page)."""

    command: ClassVar[str] = "history"
    engagement_id: str | None = Field(default=None, max_length=100)
    official_id: str | None = Field(default=None, max_length=64)
    agency: str | None = Field(default=None, max_length=64)
    start: datetime | None = None
    end: datetime | None = None


class EvaluationQuery(_AuditRequest):
    """An agency's figures for a fiscal year, or the agency and its sub-agencies side by side."""

    command: ClassVar[str] = "evaluation"
    agency_code: str = Field(max_length=64)
    fiscal_year: int
    roll_up: bool = False


class RecordEvaluation(_AuditRequest):
    """Record the yearly evaluation of every agency, once per fiscal year (the yearly schedule)."""

    command: ClassVar[str] = "record_evaluation"
    fiscal_year: int | None = None  # none: the fiscal year that ended last
