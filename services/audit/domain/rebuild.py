"""Read models rebuilt from the audit history alone (R-INT-2), and their differences from the
live ones. Pure: events in, rows out. Engagements are folded by the engagement aggregate's own
`apply` (issue #20, item 1), so the audit and the workflow cannot disagree on what an event
does."""

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from contracts.events.base import event_class
from workflows.engagement.case import Engagement

BANGKOK = timezone(timedelta(hours=7))

# Every state the engagement workflow records is its aggregate's state after the event: the
# aggregate's own fold (workflows/engagement/case.py) rebuilds it from history. One step is not
# an event: the case opens for drafting once eligibility allowed the work and the policy in
# force was read. Until the agreement is accepted, "checking eligibility" and "drafting" are
# therefore one step for the comparison (the live model says which; history cannot).
OPEN_FOR_DRAFTING = frozenset({"checking_eligibility", "drafting"})


def comparable(state: str, eligible: bool) -> str:
    return "drafting" if eligible and state in OPEN_FOR_DRAFTING else state


@dataclass
class Rebuilt:
    engagements: dict[str, dict[str, str]]  # engagement id -> its state and last event
    attendance: dict[tuple[str, str], dict[str, Any]]  # (official, day) -> facts
    cases: dict[str, Engagement] = field(default_factory=dict)  # each engagement, folded
    eligible: set[str] = field(default_factory=set)  # whose eligibility allowed the work


# Only these contexts' events change the models rebuilt here; the reader skips the rest.
REBUILT_FROM = ("th.go.telework.engagement.", "th.go.telework.attendance.")


def rebuild(events: Iterable[Mapping[str, Any]], into: Rebuilt | None = None) -> Rebuilt:
    """Fold events (in chain order) into the models; `into` continues an earlier fold, so a
    long history is folded chunk by chunk as it is read."""
    result = into or Rebuilt({}, {})
    attendance = result.attendance
    for e in events:
        _, _, _, context, name, _ = e["type"].split(".")
        data = e["data"]
        if context == "engagement":
            _engagement(result, e, name, data)
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


def _engagement(result: Rebuilt, e: Mapping[str, Any], name: str, data: Mapping[str, Any]) -> None:
    """The event applied to its engagement by the aggregate's own fold."""
    eid = data["engagement_id"]
    case = result.cases.get(eid)
    if case is None:
        case = result.cases[eid] = Engagement(eid, data.get("official_id", ""))
    on = datetime.fromisoformat(e["time"]).astimezone(BANGKOK).date()
    case.apply(event_class(e["type"]).model_validate(data), on)
    if name == "eligibility_checked" and data.get("status") != "may_not":
        result.eligible.add(eid)
    result.engagements[eid] = {
        "state": comparable(case.state.value, eid in result.eligible),
        "last_event": name,
    }


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
