"""The yearly evaluation of telework in an agency (R-EVA-2, seed §9.3.3; issue #18), computed
from the event history alone, so an auditor can recompute it from the chain at any time.

Pure: events in (as CloudEvent dicts, in chain order), figures out. The fiscal year is the
government's, 1 October to 30 September, named by its B.E. year (2570 = 1 Oct 2026 – 30 Sep
2027). Benefits (§12), the satisfaction survey and technology readiness (§8.1) need data the
platform does not collect yet: they are reported as zero, empty or unknown, never invented.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

BE_OFFSET = 543
EVENT = "th.go.telework.{context}.{name}.v1"


def fiscal_year(year: int) -> tuple[int, date, date]:
    """(B.E. year, first day, last day); a C.E. year is taken as the year the fiscal year ends."""
    be = year if year > 2400 else year + BE_OFFSET
    ends = be - BE_OFFSET
    return be, date(ends - 1, 10, 1), date(ends, 9, 30)


def _type(context: str, name: str) -> str:
    return EVENT.format(context=context, name=name)


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _when(event: Mapping[str, Any]) -> date:
    return datetime.fromisoformat(str(event["time"])).date()


def _rate(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


@dataclass
class Evaluation:
    agency: str
    fiscal_year: int
    eligible_officials: int = 0
    teleworking_officials: int = 0
    participation_rate: float = 0.0
    telework_days: int = 0
    reports_on_time_rate: float = 0.0
    goals_met_rate: float = 0.0
    attendance_missing_rate: float = 0.0
    km_avoided: float = 0.0
    hours_saved: float = 0.0
    baht_saved: float = 0.0
    co2_kg_avoided: float = 0.0
    satisfaction: dict[str, dict[str, float]] = field(default_factory=dict)
    readiness: dict[str, Any] = field(default_factory=lambda: {"score": None, "gaps": []})

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def agency_parents(events: Iterable[Mapping[str, Any]]) -> dict[str, str | None]:
    """Each agency's parent, as the identity events in the history last said."""
    return {
        e["data"]["agency_code"]: e["data"].get("parent_code")
        for e in events
        if e["type"] == _type("identity", "agency_registered")
    }


def agency_path(events: Iterable[Mapping[str, Any]], agency: str) -> tuple[str, ...]:
    """Root ministry … the agency itself."""
    parents = agency_parents(events)
    path: list[str] = []
    node: str | None = agency
    while node is not None and node not in path:
        path.append(node)
        node = parents.get(node)
    return tuple(reversed(path))


def subtree(events: Iterable[Mapping[str, Any]], agency: str) -> set[str]:
    """The agency and those below it, from the identity events in the history."""
    children: dict[str | None, list[str]] = {}
    for code, parent in agency_parents(events).items():
        children.setdefault(parent, []).append(code)
    found, todo = {agency}, [agency]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def evaluate(events: Sequence[Mapping[str, Any]], agency: str, year: int) -> Evaluation:
    be, first, last = fiscal_year(year)
    ours = subtree(events, agency)
    result = Evaluation(agency, be)
    status: dict[str, str] = {}
    dates: dict[str, tuple[str, list[date]]] = {}  # engagement → (official, telework dates)
    reports = on_time = assessed = achieved = missing = 0
    for e in events:
        if e.get("agency") not in ours:
            continue
        kind, d = e["type"], e["data"]
        if kind == _type("identity", "eligibility_determined") and _when(e) <= last:
            status[d["official_id"]] = d["status"]
        elif kind == _type("engagement", "order_issued"):
            # A revision or renewal replaces the dates of the order before it.
            dates[d["engagement_id"]] = (d["official_id"], [_day(x) for x in d["telework_dates"]])
        elif kind == _type("engagement", "permission_withdrawn") and d["engagement_id"] in dates:
            official, days = dates[d["engagement_id"]]
            cut = _day(d["effective_date"])
            dates[d["engagement_id"]] = (official, [x for x in days if x < cut])
        elif kind == _type("engagement", "progress_report_submitted") and first <= _when(e) <= last:
            reports += 1
            on_time += not d["late"]
        elif kind == _type("engagement", "goals_assessed") and first <= _when(e) <= last:
            for a in d["assessments"]:
                assessed += 1
                achieved += a["result"] == "achieved"
        elif (
            kind == _type("attendance", "attendance_flagged")
            and d["flag"] == "no_check_in"
            and first <= _day(d["day"]) <= last
        ):
            missing += 1
    teleworking = set()
    for official, days in dates.values():
        in_year = [x for x in days if first <= x <= last]
        if in_year:
            teleworking.add(official)
            result.telework_days += len(in_year)
    result.eligible_officials = sum(1 for s in status.values() if s in ("may", "partly"))
    result.teleworking_officials = len(teleworking)
    result.participation_rate = min(
        1.0, _rate(len(teleworking), result.eligible_officials or len(teleworking))
    )
    result.reports_on_time_rate = _rate(on_time, reports)
    result.goals_met_rate = _rate(achieved, assessed)
    result.attendance_missing_rate = min(1.0, _rate(missing, result.telework_days))
    return result
