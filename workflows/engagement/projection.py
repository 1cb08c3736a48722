"""What history alone says of an engagement: the summary people read, folded from its events by
the aggregate's own `apply` (the portal's read model, issue #16 item 6). Pure: events in, a
summary out.

Two of the workflow's steps are not events; they are taken here as the workflow takes them:
- the case opens for drafting once eligibility allowed the work (the workflow reads the policy
  in force a moment later, then opens it);
- while the engagement is active, the progress report after the last settled one (submitted,
  late or missing) is due, on the dates the agreement planned (`_monitor` in workflow.py opens
  report n+1 as soon as report n is settled).
"""

from collections.abc import Iterable
from datetime import date
from typing import Any

from contracts.events import engagement as ev
from workflows.engagement.case import Engagement
from workflows.engagement.models import State, Summary


def project(engagement_id: str, official_id: str, recorded: Iterable[tuple[Any, date]]) -> Summary:
    """The summary after `recorded`: (event, Bangkok day it was recorded) in the case's order."""
    case = Engagement(engagement_id, official_id)
    eligible = False
    for event, on in recorded:
        case.apply(event, on)
        if isinstance(event, ev.EligibilityChecked):
            eligible = event.status != "may_not"
    if eligible and case.state is State.CHECKING_ELIGIBILITY:
        case.state = State.DRAFTING
    if case.state is State.ACTIVE:
        _open_next_report(case)
    return case.summary()


def _open_next_report(case: Engagement) -> None:
    planned = case.planned
    # The workflow plans due dates from the agreement only when the engagement started on the
    # day planned; otherwise it counts the policy's cadence, which history does not carry.
    if planned is None or case.start_date != planned.start or case.end_date is None:
        return
    n = max(case.reports, default=0) + 1
    if n <= len(planned.report_due) and planned.report_due[n - 1] <= case.end_date:
        case.report_falls_due(n)
