"""The agency dashboard of the head (or acting head) and HR (issue #16): who teleworks today,
cases by state, late and missing reports, each by division. Pure: computed from the cases the
caller may read, as the home page lists them."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass
class Division:
    agency: str
    today: list[str] = field(default_factory=list)  # names (or ids) teleworking today
    by_state: Counter[str] = field(default_factory=Counter)
    late_reports: int = 0
    missing_reports: int = 0

    @property
    def cases(self) -> int:
        return sum(self.by_state.values())


@dataclass
class Dashboard:
    day: date
    divisions: list[Division]

    @property
    def total(self) -> Division:
        whole = Division("*")
        for d in self.divisions:
            whole.today += d.today
            whole.by_state.update(d.by_state)
            whole.late_reports += d.late_reports
            whole.missing_reports += d.missing_reports
        return whole


def dashboard(items: list[dict[str, Any]], day: date) -> Dashboard:
    """Cases grouped by the official's own agency (the division), in code order."""
    divisions: dict[str, Division] = {}
    for item in items:
        s = item["summary"]
        d = divisions.setdefault(item["agency"], Division(item["agency"]))
        d.by_state[s.state.value] += 1
        if s.state.value == "active" and day in s.planned_dates:
            d.today.append(item.get("official_name") or item["official_id"])
        statuses = list(s.reports.values())
        d.late_reports += statuses.count("late")
        d.missing_reports += statuses.count("missing")
    return Dashboard(day, [divisions[k] for k in sorted(divisions)])
