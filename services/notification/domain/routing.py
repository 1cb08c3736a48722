"""Routing rules: from an event to the people who must know, each rule named by the SPEC
requirement it serves. Pure data; `services/notification/service_layer` resolves the people."""

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Literal

from services.shared.clock import BANGKOK

Recipient = Literal[
    "official",
    "official_if_changed",  # the official, when a status they had changed (not the first time)
    "first_supervisor",
    "higher_supervisor",
    "escalated_to",
    "decider",  # who decides an appeal
    "head",
    "it_support",
    "proposer",
]


@dataclass(frozen=True)
class Route:
    rule: str  # e.g. "R-MON-2 reminder"
    recipient: Recipient
    template: str
    quiet: bool = False  # held back during quiet hours
    digestible: bool = False  # may go into a supervisor's daily digest


ROUTES: dict[str, tuple[Route, ...]] = {
    "engagement.official_selected": (Route("R-SEL-1 selected", "official", "selected"),),
    "identity.eligibility_determined": (
        Route("R-ELIG eligibility changed", "official_if_changed", "eligibility_changed"),
    ),
    "identity.acting_supervisor_appointed": (
        Route("R-LAW-3 acting supervisor appointed", "official", "acting_supervisor_appointed"),
    ),
    "engagement.engagement_refused": (
        Route("R-ELIG-3 refused with its rule", "official", "refused"),
    ),
    "engagement.agreement_drafted": (
        Route("R-AGR-2 agreement to accept", "official", "agreement_drafted"),
    ),
    "engagement.agreement_changes_requested": (
        Route("R-AGR-2 changes requested", "first_supervisor", "changes_requested"),
    ),
    "engagement.proposed_to_head": (Route("R-ORD-1 proposal to decide", "head", "proposed"),),
    "engagement.order_issued": (
        Route("R-ORD-2 order issued", "official", "order_issued"),
        Route("R-ORD-2 order issued", "first_supervisor", "order_issued"),
    ),
    "engagement.order_refused": (
        Route("R-ORD-2 order refused", "official", "order_refused"),
        Route("R-ORD-2 order refused", "first_supervisor", "order_refused"),
    ),
    "engagement.progress_report_submitted": (
        Route("R-MON-1 report to review", "first_supervisor", "report_submitted", digestible=True),
    ),
    "engagement.report_reminder_sent": (
        Route("R-MON-2 reminder", "official", "report_reminder", quiet=True),
    ),
    "engagement.report_escalated": (
        Route("R-MON-2 escalation", "escalated_to", "report_escalated", quiet=True),
        # The first-level supervisor, whose report it was to review, is told too (issue #19).
        Route("R-MON-2 escalation", "first_supervisor", "report_escalated", quiet=True),
    ),
    "engagement.termination_proposed": (
        Route("R-TRM-1 termination to decide", "head", "termination_proposed"),
    ),
    "engagement.permission_withdrawn": (
        Route("R-TRM-2 reasons told", "official", "permission_withdrawn"),
        Route("R-TRM-2 decision", "first_supervisor", "permission_withdrawn"),
    ),
    "engagement.appeal_filed": (Route("R-TRM-2 appeal to decide", "decider", "appeal_filed"),),
    "engagement.appeal_decision_overdue": (
        Route("R-TRM-2 appeal overdue", "decider", "appeal_overdue", quiet=True),
    ),
    "engagement.appeal_decided": (
        Route("R-TRM-2 appeal decided", "official", "appeal_decided"),
        Route("R-TRM-2 appeal decided", "first_supervisor", "appeal_decided"),
    ),
    "engagement.termination_rejected": (
        Route("R-TRM-2 decision", "first_supervisor", "termination_rejected"),
    ),
    "engagement.engagement_ended": (
        Route("R-EVA-1 final report due", "official", "final_report_due"),
    ),
    "engagement.final_report_submitted": (
        Route("R-EVA-1 goals to assess", "first_supervisor", "final_report_submitted"),
    ),
    "engagement.reported_to_head": (Route("R-EVA-1 result reported", "head", "reported"),),
    "attendance.attendance_flagged": (
        Route("R-ATT-2 attendance flag", "official", "attendance_flagged", quiet=True),
    ),
    "support.help_requested": (Route("R-MON-3 help request", "it_support", "help_requested"),),
    "support.help_replied": (Route("R-MON-3 help answered", "official", "help_replied"),),
    "support.help_closed": (Route("R-MON-3 help closed", "official", "help_closed"),),
}

QUIET_FROM, QUIET_UNTIL = time(20, 0), time(7, 0)


def routes_for(event_type: str) -> tuple[Route, ...]:
    """`th.go.telework.<context>.<name>.v1` → its routes (none for most events)."""
    parts = event_type.split(".")
    return ROUTES.get(f"{parts[3]}.{parts[4]}", ()) if len(parts) == 6 else ()


# The document a notification is about (issue #17): its inbox item links it. The portal issues
# it on first request, to whoever may read the engagement.
DOCUMENTS = {
    "engagement.order_issued": "order",
    "engagement.permission_withdrawn": "termination",
    "engagement.goals_assessed": "assessment",
}


def document_link(event_type: str, data: dict[str, object]) -> str | None:
    """The portal's address of the event's document, relative (`/api/engagements/…pdf`)."""
    parts = event_type.split(".")
    kind = DOCUMENTS.get(f"{parts[3]}.{parts[4]}") if len(parts) == 6 else None
    engagement = data.get("engagement_id")
    return f"/api/engagements/{engagement}/{kind}.pdf" if kind and engagement else None


def after_quiet_hours(
    now: datetime, quiet_from: time = QUIET_FROM, quiet_until: time = QUIET_UNTIL
) -> datetime:
    """When a quiet notification may go: now, or the end of the quiet hours (Bangkok) — the
    platform's 20:00-07:00, or the person's own. Hours that cross midnight (22:00-06:00) and
    hours within a day (12:00-13:00) both work; equal ends mean no quiet hours."""
    local = now.astimezone(BANGKOK)
    at = local.time()
    if quiet_from == quiet_until:
        return now
    if quiet_from > quiet_until:  # across midnight
        if quiet_until <= at < quiet_from:
            return now
        day = local.date() if at < quiet_until else local.date() + timedelta(days=1)
    else:
        if not quiet_from <= at < quiet_until:
            return now
        day = local.date()
    return datetime.combine(day, quiet_until, BANGKOK)


def backoff(attempt: int, base: float = 30.0, cap: float = 3600.0, jitter: float = 0.0) -> float:
    """Seconds before try number `attempt + 1`: exponential, capped, with jitter in [0, 1)
    stretching it by up to a half, so that failed deliveries do not retry in lockstep."""
    return float(min(cap, base * 2.0 ** (attempt - 1)) * (1 + jitter / 2))
