"""An agreement's versions and what changed from one to the next (issue #16, item 1), read
from the case's `agreement_drafted` events as the read model keeps them. Pure: events in,
versions out; the words are the page's."""

from dataclasses import dataclass, field
from datetime import date

from contracts.events.engagement import AgreementDrafted


@dataclass(frozen=True)
class Change:
    what: str  # a word key: goal_added, goal_removed, goal_changed, schedule_changed, …
    detail: str = ""  # a goal as people wrote it, a place's code, or a count


@dataclass(frozen=True)
class Version:
    number: int
    kind: str  # original | revision | renewal
    drafted_by: str
    drafted_on: date
    start: date
    end: date
    telework_days: int
    changes: list[Change] = field(default_factory=list)  # against the version before


def versions(drafted: list[tuple[AgreementDrafted, date]]) -> list[Version]:
    """Each drafted version, oldest first, with what changed against the one before it."""
    out: list[Version] = []
    before: AgreementDrafted | None = None
    for event, on in drafted:
        out.append(
            Version(
                number=event.agreement_version,
                kind=event.kind,
                drafted_by=event.drafted_by,
                drafted_on=on,
                start=event.start,
                end=event.end,
                telework_days=event.telework_days,
                changes=changes(before, event) if before is not None else [],
            )
        )
        before = event
    return out


def changes(before: AgreementDrafted, after: AgreementDrafted) -> list[Change]:
    found: list[Change] = []
    old = {g.goal_id: g for g in before.goals}
    new = {g.goal_id: g for g in after.goals}
    for goal_id, goal in new.items():
        if goal_id not in old:
            found.append(Change("goal_added", goal.description))
        elif goal != old[goal_id]:
            found.append(Change("goal_changed", goal.description))
    found += [Change("goal_removed", g.description) for i, g in old.items() if i not in new]
    # The new period itself is the version's own (shown beside it, in the reader's calendar).
    if after.schedule != before.schedule:
        found.append(Change("schedule_changed"))
    elif (after.start, after.end) != (before.start, before.end):
        found.append(Change("period_changed"))
    if after.telework_days != before.telework_days:
        found.append(Change("days_changed", f"{before.telework_days} → {after.telework_days}"))
    if after.work_location != before.work_location:
        found.append(Change("location_changed", after.work_location or "residence"))
    return found
