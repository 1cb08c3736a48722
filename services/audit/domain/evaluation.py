"""The yearly evaluation of telework in an agency (R-EVA-2, seed §9.3.3; issue #18), computed
from the event history alone, so an auditor can recompute it from the chain at any time.

Pure: events in (as CloudEvent dicts, in chain order), figures out. The fiscal year is the
government's, 1 October to 30 September, named by its B.E. year (2570 = 1 Oct 2026 – 30 Sep
2027). Benefits (§12) come from the commutes officials (or HR) recorded, else the agency's
defaults; the survey and technology readiness (§8.1) from their own events. What nobody
recorded is reported as zero, empty or unknown, never invented.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from contracts.evaluation import (
    EMISSION_G_PER_KM,
    MIN_ANSWERS,
    READINESS_ITEMS,
    ROUND_TRIP_CAP_KM,
)
from services.audit.domain.evaluation_measures import absence, bands, density

BE_OFFSET = 543
EVENT = "th.go.telework.{context}.{name}.v1"


def fiscal_year(year: int) -> tuple[int, date, date]:
    """(B.E. year, first day, last day); a C.E. year is taken as the year the fiscal year ends."""
    be = year if year > 2400 else year + BE_OFFSET
    ends = be - BE_OFFSET
    return be, date(ends - 1, 10, 1), date(ends, 9, 30)


def last_ended(today: date) -> int:
    """The B.E. fiscal year that ended most recently (on 30 Sep)."""
    return (today.year if today.month >= 10 else today.year - 1) + BE_OFFSET


def _type(context: str, name: str) -> str:
    return EVENT.format(context=context, name=name)


# The event types the evaluation reads (the rest of the chain is not even parsed).
ATTENDANCE_ATTENDANCE_FLAGGED = _type("attendance", "attendance_flagged")
ENGAGEMENT_GOALS_ASSESSED = _type("engagement", "goals_assessed")
ENGAGEMENT_ORDER_ISSUED = _type("engagement", "order_issued")
ENGAGEMENT_PERMISSION_WITHDRAWN = _type("engagement", "permission_withdrawn")
ENGAGEMENT_PROGRESS_REPORT_SUBMITTED = _type("engagement", "progress_report_submitted")
EVALUATION_COMMUTE_DEFAULTS_SET = _type("evaluation", "commute_defaults_set")
EVALUATION_COMMUTE_RECORDED = _type("evaluation", "commute_recorded")
EVALUATION_LESSONS_RECORDED = _type("evaluation", "lessons_recorded")
EVALUATION_READINESS_RECORDED = _type("evaluation", "readiness_recorded")
EVALUATION_SURVEY_ANSWERED = _type("evaluation", "survey_answered")
EVALUATION_SICK_LEAVE_RECORDED = _type("evaluation", "sick_leave_recorded")
EVALUATION_OFFICE_CAPACITY_SET = _type("evaluation", "office_capacity_set")
IDENTITY_AGENCY_REGISTERED = _type("identity", "agency_registered")
IDENTITY_ELIGIBILITY_DETERMINED = _type("identity", "eligibility_determined")
TYPES = (
    ATTENDANCE_ATTENDANCE_FLAGGED,
    ENGAGEMENT_GOALS_ASSESSED,
    ENGAGEMENT_ORDER_ISSUED,
    ENGAGEMENT_PERMISSION_WITHDRAWN,
    ENGAGEMENT_PROGRESS_REPORT_SUBMITTED,
    EVALUATION_COMMUTE_DEFAULTS_SET,
    EVALUATION_COMMUTE_RECORDED,
    EVALUATION_LESSONS_RECORDED,
    EVALUATION_READINESS_RECORDED,
    EVALUATION_SURVEY_ANSWERED,
    EVALUATION_SICK_LEAVE_RECORDED,
    EVALUATION_OFFICE_CAPACITY_SET,
    IDENTITY_AGENCY_REGISTERED,
    IDENTITY_ELIGIBILITY_DETERMINED,
)


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
    # Beyond the issue's keys: how the benefits were reached, and the head's words (§9.3.3).
    officials_with_own_commute: int = 0
    officials_on_agency_defaults: int = 0
    problems: str | None = None
    lessons: str | None = None
    decision: str | None = None
    # For the charts (R-EVA-3): telework days by month (YYYY-MM) and by division (the agency's
    # own units: each direct sub-agency with everything below it, and the agency itself).
    by_month: dict[str, int] = field(default_factory=dict)
    by_division: dict[str, dict[str, int]] = field(default_factory=dict)
    # Benefits of §12 beyond travel: absence (sick-leave days per person, teleworkers against
    # the others; no mean under MIN_ANSWERS people) and office density (people on site per
    # working day against the desks the agency has).
    absence: dict[str, dict[str, Any]] = field(
        default_factory=lambda: {
            "teleworkers": {"mean": None, "n": 0},
            "others": {"mean": None, "n": 0},
        }
    )
    office_density: dict[str, Any] = field(default_factory=dict)
    # Participation by frequency (the OPM data call's bands): teleworking officials by their
    # telework days per week over the weeks from their first to their last telework day.
    frequency_bands: dict[str, int] = field(
        default_factory=lambda: {"3_or_more_a_week": 0, "1_to_2_a_week": 0, "less_than_weekly": 0}
    )

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def agency_parents(events: Iterable[Mapping[str, Any]]) -> dict[str, str | None]:
    """Each agency's parent, as the identity events in the history last said."""
    return {
        e["data"]["agency_code"]: e["data"].get("parent_code")
        for e in events
        if e["type"] == IDENTITY_AGENCY_REGISTERED
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


def _divisions(events: Sequence[Mapping[str, Any]], agency: str) -> dict[str, str]:
    """Each agency below `agency` → the direct sub-agency it lies under (its division)."""
    parents = agency_parents(events)
    out: dict[str, str] = {agency: agency}
    for code in parents:
        node: str | None = code
        seen: list[str] = []
        while node is not None and node not in seen:
            if parents.get(node) == agency:
                out[code] = node
                break
            seen.append(node)
            node = parents.get(node)
    return out


def roll_up(events: Sequence[Mapping[str, Any]], agency: str, year: int) -> list[Evaluation]:
    """A ministry (or any agency) and each of its direct sub-agencies, side by side."""
    children = sorted(c for c, p in agency_parents(events).items() if p == agency)
    return [evaluate(events, agency, year), *(evaluate(events, c, year) for c in children)]


def _nearest(path: Sequence[str], by_agency: Mapping[str, Any]) -> Any:
    """What the agency or its nearest ancestor set."""
    for code in reversed(path):
        if code in by_agency:
            return by_agency[code]
    return None


@dataclass
class _Benefits:
    km: float = 0.0
    hours: float = 0.0
    baht: float = 0.0
    co2_kg: float = 0.0


def _benefits(
    days: Mapping[str, int],
    commutes: Mapping[str, Mapping[str, Any]],
    defaults: Mapping[str, Any] | None,
) -> tuple[_Benefits, int, int]:
    """§12 (R-EVA-3): each telework day saves one round trip — distance (capped), time, money
    (the fare given, else distance × the agency's baht per km) and CO₂ (distance × the factor
    of the mode; the agency may override the published factors)."""
    out, own, on_defaults = _Benefits(), 0, 0
    factors = {**EMISSION_G_PER_KM, **((defaults or {}).get("emission_g_per_km") or {})}
    per_km = float((defaults or {}).get("baht_per_km") or 0.0)
    for official, n in days.items():
        commute = commutes.get(official)
        if commute is not None:
            own += 1
        elif defaults is not None:
            commute, on_defaults = defaults, on_defaults + 1
        else:
            continue
        km = min(2 * float(commute["km_one_way"]), ROUND_TRIP_CAP_KM)
        fare = commute.get("baht_one_way")
        out.km += n * km
        out.hours += n * 2 * float(commute["minutes_one_way"]) / 60
        out.baht += n * (2 * float(fare) if fare is not None else km * per_km)
        out.co2_kg += n * km * factors.get(str(commute["mode"]), 0.0) / 1000
    return out, own, on_defaults


def _satisfaction(answers: Sequence[Mapping[str, int]]) -> dict[str, dict[str, Any]]:
    """Mean per question; fewer than MIN_ANSWERS answers show no mean (anonymity)."""
    scores: dict[str, list[int]] = {}
    for a in answers:
        for q, v in a.items():
            scores.setdefault(q, []).append(int(v))
    return {
        q: {"mean": round(sum(v) / len(v), 2) if len(v) >= MIN_ANSWERS else None, "n": len(v)}
        for q, v in sorted(scores.items())
    }


def _readiness(recorded: Mapping[str, Any] | None) -> dict[str, Any]:
    if recorded is None:
        return {"score": None, "gaps": []}
    items = recorded["items"]
    ready = [i for i in READINESS_ITEMS if items.get(i, {}).get("ready")]
    return {
        "score": round(len(ready) / len(READINESS_ITEMS), 4),
        "gaps": [i for i in READINESS_ITEMS if i not in ready],
        "version": recorded.get("version"),
        "as_of": max((str(v["checked_on"]) for v in items.values()), default=None),
    }


def evaluate(events: Sequence[Mapping[str, Any]], agency: str, year: int) -> Evaluation:
    be, first, last = fiscal_year(year)
    ours = subtree(events, agency)
    path = agency_path(events, agency)
    result = Evaluation(agency, be)
    commutes: dict[str, Mapping[str, Any]] = {}
    defaults: dict[str, Mapping[str, Any]] = {}
    readiness: dict[str, Mapping[str, Any]] = {}
    capacity: dict[str, Mapping[str, Any]] = {}
    sick: dict[str, float] = {}
    answers: list[Mapping[str, int]] = []
    lessons: Mapping[str, Any] | None = None
    status: dict[str, str] = {}
    # engagement → (official, telework dates as ISO strings: compared and cut as text, since
    # two million date objects cost more than the rest of the report)
    dates: dict[str, tuple[str, list[str]]] = {}
    first_s, last_s = first.isoformat(), last.isoformat()
    where: dict[str, str] = {}  # engagement → the agency it belongs to
    reports = on_time = assessed = achieved = missing = 0
    for e in events:
        kind, d = e["type"], e["data"]
        # The agency's own settings may come from an ancestor (a ministry's defaults).
        if kind == EVALUATION_COMMUTE_DEFAULTS_SET and _when(e) <= last:
            defaults[d["agency_code"]] = d
        elif kind == EVALUATION_READINESS_RECORDED and _when(e) <= last:
            readiness[d["agency_code"]] = d
        elif kind == EVALUATION_OFFICE_CAPACITY_SET and _when(e) <= last:
            capacity[d["agency_code"]] = d
        if e.get("agency") not in ours:
            continue
        if kind == EVALUATION_COMMUTE_RECORDED and _when(e) <= last:
            commutes[d["official_id"]] = d
        elif kind == EVALUATION_SURVEY_ANSWERED and d["fiscal_year"] == be:
            answers.append(d["answers"])
        elif kind == EVALUATION_SICK_LEAVE_RECORDED and d["fiscal_year"] == be:
            sick[d["official_id"]] = float(d["days"])  # HR's latest record counts
        elif (
            kind == EVALUATION_LESSONS_RECORDED
            and d["fiscal_year"] == be
            and d["agency_code"] == agency
        ):
            lessons = d
        if kind == IDENTITY_ELIGIBILITY_DETERMINED and _when(e) <= last:
            status[d["official_id"]] = d["status"]
        elif kind == ENGAGEMENT_ORDER_ISSUED:
            # A revision or renewal replaces the dates of the order before it.
            dates[d["engagement_id"]] = (d["official_id"], [str(x) for x in d["telework_dates"]])
            where[d["engagement_id"]] = str(e.get("agency"))
        elif kind == ENGAGEMENT_PERMISSION_WITHDRAWN and d["engagement_id"] in dates:
            official, days = dates[d["engagement_id"]]
            cut = str(d["effective_date"])[:10]
            dates[d["engagement_id"]] = (official, [x for x in days if x < cut])
        elif kind == ENGAGEMENT_PROGRESS_REPORT_SUBMITTED and first <= _when(e) <= last:
            reports += 1
            on_time += not d["late"]
        elif kind == ENGAGEMENT_GOALS_ASSESSED and first <= _when(e) <= last:
            for a in d["assessments"]:
                assessed += 1
                achieved += a["result"] == "achieved"
        elif (
            kind == ATTENDANCE_ATTENDANCE_FLAGGED
            and d["flag"] == "no_check_in"
            and first <= _day(d["day"]) <= last
        ):
            missing += 1
    per_official: dict[str, int] = {}
    span: dict[str, tuple[str, str]] = {}  # official → first and last telework day of the year
    away_on: dict[str, int] = {}  # day → officials teleworking that day
    division_of = _divisions(events, agency)
    division_people: dict[str, set[str]] = {}
    for engagement, (official, days) in dates.items():
        in_year = [x for x in days if first_s <= x <= last_s]
        if in_year:
            per_official[official] = per_official.get(official, 0) + len(in_year)
            low, high = span.get(official, (in_year[0], in_year[0]))
            span[official] = (min(low, *in_year), max(high, *in_year))
            result.telework_days += len(in_year)
            division = division_of.get(where.get(engagement, ""), agency)
            row = result.by_division.setdefault(division, {"telework_days": 0})
            row["telework_days"] += len(in_year)
            division_people.setdefault(division, set()).add(official)
            for x in in_year:
                result.by_month[x[:7]] = result.by_month.get(x[:7], 0) + 1
                away_on[x] = away_on.get(x, 0) + 1
    for division, people in division_people.items():
        result.by_division[division]["teleworking_officials"] = len(people)
    result.by_month = dict(sorted(result.by_month.items()))
    result.by_division = dict(sorted(result.by_division.items()))
    teleworking = set(per_official)
    saved, result.officials_with_own_commute, result.officials_on_agency_defaults = _benefits(
        per_official, commutes, _nearest(path, defaults)
    )
    result.km_avoided = round(saved.km, 1)
    result.hours_saved = round(saved.hours, 1)
    result.baht_saved = round(saved.baht, 2)
    result.co2_kg_avoided = round(saved.co2_kg, 1)
    result.satisfaction = _satisfaction(answers)
    result.readiness = _readiness(_nearest(path, readiness))
    if lessons is not None:
        result.problems, result.lessons = lessons["problems"], lessons["lessons"]
        result.decision = lessons["decision"]
    result.eligible_officials = sum(1 for s in status.values() if s in ("may", "partly"))
    result.teleworking_officials = len(teleworking)
    result.participation_rate = min(
        1.0, _rate(len(teleworking), result.eligible_officials or len(teleworking))
    )
    result.reports_on_time_rate = _rate(on_time, reports)
    result.goals_met_rate = _rate(achieved, assessed)
    result.attendance_missing_rate = min(1.0, _rate(missing, result.telework_days))
    result.absence = absence(sick, teleworking)
    result.frequency_bands = bands(per_official, span)
    desks = _nearest(path, capacity)
    result.office_density = density(
        len(status), away_on, first, last, int(desks["desks"]) if desks else None
    )
    return result
