"""Read models rebuilt from the audit history alone (R-INT-2), and their differences from the
live ones. Pure: events in, rows out."""

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

# The engagement state after each kind of event (the workflow's own states).
STATE_AFTER = {
    "official_selected": "awaiting_selection",
    "eligibility_checked": "checking_eligibility",
    "engagement_refused": "checking_eligibility",
    "agreement_drafted": "drafting",
    "agreement_changes_requested": "drafting",
    "agreement_accepted": "drafting",
    "proposed_to_head": "proposed",
    "order_issued": "ordered",
    "order_refused": "proposed",
    "engagement_started": "active",
    "progress_report_submitted": "active",
    "progress_report_reviewed": "active",
    "report_reminder_sent": "active",
    "report_escalated": "active",
    "termination_proposed": "active",
    "termination_rejected": "active",
    "permission_withdrawn": "active",
    "engagement_ended": "final_report_due",
    "final_report_submitted": "assessment",
    "goals_assessed": "assessed",
    "reported_to_head": "assessed",
    "engagement_closed": "closed",
}


@dataclass
class Rebuilt:
    engagements: dict[str, str]  # engagement id -> last event name
    attendance: dict[tuple[str, str], dict[str, Any]]  # (official, day) -> facts


# Only these contexts' events change the models rebuilt here; the reader skips the rest.
REBUILT_FROM = ("th.go.telework.engagement.", "th.go.telework.attendance.")


def rebuild(events: Iterable[Mapping[str, Any]], into: Rebuilt | None = None) -> Rebuilt:
    """Fold events (in chain order) into the models; `into` continues an earlier fold, so a
    long history is folded chunk by chunk as it is read."""
    result = into or Rebuilt({}, {})
    engagements = result.engagements
    attendance = result.attendance
    for e in events:
        _, _, _, context, name, _ = e["type"].split(".")
        data = e["data"]
        if context == "engagement":
            engagements[data["engagement_id"]] = name
        elif context == "attendance" and "official_id" in data:
            row = attendance.setdefault(
                (data["official_id"], data["day"]),
                {"check_in": None, "check_out": None, "flags": []},
            )
            if name == "checked_in":
                row["check_in"] = data["at"]
            elif name == "checked_out":
                row["check_out"] = data["at"]
            elif name == "attendance_flagged":
                row["flags"] = sorted([*row["flags"], data["flag"]])
    return result


def diff(label: str, rebuilt: Mapping[Any, Any], live: Mapping[Any, Any]) -> list[str]:
    """Row-by-row differences, each a line an auditor can read."""
    lines = []
    for key in sorted(set(rebuilt) | set(live), key=str):
        a, b = rebuilt.get(key), live.get(key)
        if a != b:
            lines.append(
                f"{label} {key}: history says {json.dumps(a, ensure_ascii=False)}, "
                f"live says {json.dumps(b, ensure_ascii=False)}"
            )
    return lines
