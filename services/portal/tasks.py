"""The task list ("งานที่ต้องทำ", issue #16): for each case the caller may see, the next step that
is theirs to take, if any. Pure: it reads the case's summary and what the caller is to it (the
official, a supervisor in the chain, the head or acting head), as the card's forms do."""

from typing import Any

# Steps by urgency: decisions that hold others up come first.
ORDER = (
    "task_decide_termination",
    "task_decide_order",
    "task_review",
    "task_assess",
    "task_report_to_head",
    "task_propose",
    "task_select",
    "task_draft",
    "task_accept",
    "task_report",
    "task_final_report",
)


def next_step(item: dict[str, Any]) -> str | None:
    """The i18n key of the caller's next step on this case, or None when it waits on others."""
    s = item["summary"]
    state = s.state.value
    accepted = {a.role for a in s.acceptances if a.version == s.agreement_version}
    if item["head"]:
        if s.pending == "termination":
            return "task_decide_termination"
        if state == "proposed":
            return "task_decide_order"
    if item["supervisor"]:
        reviewed = set(s.reviews)
        if state == "active" and any(
            status in ("submitted", "late") and no not in reviewed
            for no, status in s.reports.items()
        ):
            return "task_review"
        step = {
            "assessment": "task_assess",
            "assessed": "task_report_to_head",
            "agreed": "task_propose",
            "awaiting_selection": "task_select",
        }.get(state)
        if step:
            return step
        if s.pending in ("revision", "renewal") and accepted >= {"official", "supervisor"}:
            return "task_propose"
        if state == "drafting" and not s.agreement_version:
            return "task_draft"
        if _to_accept(s, state, accepted, "supervisor"):
            return "task_accept"
    if item["mine"]:
        if _to_accept(s, state, accepted, "official"):
            return "task_accept"
        if state == "active" and any(v in ("due", "missing") for v in s.reports.values()):
            return "task_report"
        if state == "final_report_due":
            return "task_final_report"
    return None


def _to_accept(s: Any, state: str, accepted: set[str], role: str) -> bool:
    open_version = state == "drafting" or s.pending in ("revision", "renewal")
    return bool(s.agreement_version) and open_version and role not in accepted


def task_list(items: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """(step, item) for every case with a step of the caller's, most urgent first."""
    steps = [(step, item) for item in items if (step := next_step(item)) is not None]
    return sorted(steps, key=lambda pair: ORDER.index(pair[0]))


def is_closed(item: dict[str, Any]) -> bool:
    """Closed cases leave the list of work (issue #16: they stayed under "pending")."""
    return bool(item["summary"].state.value == "closed")
