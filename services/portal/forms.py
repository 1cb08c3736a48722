"""Forms as people fill them in, turned into what the services take: B.E. dates, weekday
boxes, goals as lists, numbers with reasons; lists cut into pages. Pure: no I/O."""

from typing import Any

from pydantic import BaseModel, Field

from contracts.evaluation import Mode
from contracts.places import PLACE_NAMES, RULE_SET_NAMES
from services.portal.actions import Refused, parse_day
from services.portal.i18n import show_date, t
from services.portal.tasks import is_closed
from services.shared import clock

PAGE_SIZE = 25


def meeting_facts(form: dict[str, str], total: int) -> dict[str, Any]:
    """The meeting as the meetings service takes it, from the secretary's form: one attendee
    a line — "name, VENUE" in person, "name, ออนไลน์" (or "remote") from elsewhere, and a
    third field "ต่างประเทศ" (or "abroad") when outside the Kingdom."""
    remote_words = {"", "ออนไลน์", "online", "remote", "ทางไกล"}
    attendees = []
    for line in (form.get("attendees") or "").splitlines():
        parts = [p.strip() for p in line.split(",")]
        if not parts[0]:
            continue
        where = parts[1] if len(parts) > 1 else ""
        abroad = any(p.lower() in ("abroad", "ต่างประเทศ") for p in parts[2:])
        attendee: dict[str, Any] = {
            "member": parts[0],
            "mode": "remote" if where.lower() in remote_words else "in_person",
            "in_kingdom": not abroad,
            "identity_verified": form.get("identity_verified") == "on",
        }
        if attendee["mode"] == "in_person":
            attendee["venue"] = where
        attendees.append(attendee)
    return {
        "meeting_kind": form.get("meeting_kind") or "committee",
        "classified": form.get("classified") == "on",
        "members_total": total,
        "recording": form.get("recording") or "audio_video",
        "attendees": attendees,
        "secret": form.get("secret") == "on",
        "traffic_data_kept": form.get("traffic_data_kept") == "on",
        "held_on": parse_day(form.get("day", "")).isoformat(),
    }


def listing(items: list[dict[str, Any]], params: Any) -> dict[str, Any]:
    """The cases at work on the home page: searched (an official's id or name, a case id),
    filtered by state, a page at a time (issue #16)."""
    wanted = str(params.get("q") or "").strip().lower()
    state = str(params.get("state") or "")
    shown = [
        i
        for i in items
        if not is_closed(i)
        and (not state or i["summary"].state.value == state)
        and (
            not wanted
            or wanted in i["official_id"].lower()
            or wanted in (i.get("official_name") or "").lower()
            or wanted in i["summary"].engagement_id.lower()
        )
    ]
    pages = max(1, -(-len(shown) // PAGE_SIZE))
    try:
        number = min(max(1, int(params.get("page") or 1)), pages)
    except ValueError:
        number = 1
    return {
        "items": shown[(number - 1) * PAGE_SIZE : number * PAGE_SIZE],
        "search": {"q": params.get("q") or "", "state": state},
        "page_no": number,
        "pages": pages,
    }


WEEKDAYS = {
    "mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4,
    "จันทร์": 0, "อังคาร": 1, "พุธ": 2, "พฤหัสบดี": 3, "พฤหัส": 3, "ศุกร์": 4,
    "จ": 0, "อ": 1, "พ": 2, "พฤ": 3, "ศ": 4,
}  # fmt: skip


def weekday_box(value: str) -> int:
    """A ticked weekday box: 0 (Monday) to 4 (Friday)."""
    if value.strip() not in {"0", "1", "2", "3", "4"}:
        raise Refused(422, f"วันทำงานนอกสถานที่ต้องเป็นวันจันทร์ถึงศุกร์ / not a weekday: {value!r}")
    return int(value)


def weekday(text: str) -> int:
    """A telework weekday as people type it: mon…fri, Monday…, จันทร์…ศุกร์ or จ อ พ พฤ ศ."""
    key = text.strip().lower()
    found = WEEKDAYS.get(key, WEEKDAYS.get(key[:3]) if key.isascii() else None)
    if found is None:
        raise Refused(
            422,
            f"วันทำงานนอกสถานที่ต้องเป็นวันจันทร์ถึงศุกร์ ไม่ใช่ {text.strip()!r} / "
            f"telework days are Monday to Friday, not {text.strip()!r}",
        )
    return found


def shared_place(form: Any) -> dict[str, float] | None:
    """The location the browser filled in when the official ticked "share"; anything else
    (empty, not a number, off the globe) is no location, never an error: it is optional."""
    try:
        lat, lon = float(form.get("latitude", "")), float(form.get("longitude", ""))
    except (TypeError, ValueError):
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return {"latitude": lat, "longitude": lon}


def whole_number(value: Any, field: str, low: int = 1, high: int = 120) -> int:
    try:
        number = int(str(value).strip())
    except ValueError:
        number = low - 1
    if not low <= number <= high:
        raise Refused(
            422,
            f"{field} ต้องเป็นจำนวนเต็ม {low}–{high} / {field} must be a whole number "
            f"{low}–{high}, not {str(value)[:20]!r}",
        )
    return number


class CommuteForm(BaseModel):
    km_one_way: float = Field(ge=0, le=500)
    minutes_one_way: float = Field(ge=0, le=600)
    mode: Mode


def this_fiscal_year() -> int:
    """The government's fiscal year now, B.E. (1 October starts the next one)."""
    today_ = clock.today()
    return today_.year + 543 + (1 if today_.month >= 10 else 0)


def goals_of(form: dict[str, Any]) -> list[dict[str, Any]]:
    """The goal rows of the draft form (issue #16: several goals), G1, G2 … in order; a row
    left empty is no goal. A single goal as plain fields (API clients, older pages) still works."""

    def column(name: str) -> list[str]:
        value = form.get(name)
        return [str(v) for v in value] if isinstance(value, list) else [str(value or "")]

    descriptions, targets, dues = column("goal"), column("target"), column("due")
    indicators = column("indicator")
    goals: list[dict[str, Any]] = []
    for n, description in enumerate(descriptions):
        if not description.strip() and n:
            continue
        if not description.strip():
            raise KeyError("goal")
        goals.append(
            {
                "goal_id": f"G{len(goals) + 1}",
                "description": description,
                "indicator": (indicators[n] if n < len(indicators) else "") or "percent",
                "target": (targets[n] if n < len(targets) else "") or "100",
                "due": parse_day(dues[n] if n < len(dues) else "").isoformat(),
            }
        )
    return goals


def form_to_body(action: str, form: dict[str, Any]) -> dict[str, Any]:
    """The web forms are flat; the workflow takes structured updates."""
    if action in ("draft", "revise"):
        start = parse_day(str(form.get("start", "")))
        ticked = form.get("weekday") or []  # the checkboxes จ.–ศ. (values 0–4)
        if ticked:
            weekdays = sorted({weekday_box(v) for v in ticked})
        else:  # typed, as API clients and older pages send them: "mon,thu" or "จ,พฤ"
            typed = str(form.get("weekdays", "mon"))
            weekdays = [weekday(w) for w in typed.split(",") if w.strip()]
        months = whole_number(form.get("months", 6), "months")
        body: dict[str, Any] = {
            "goals": goals_of(form),
            "schedule": {
                "kind": "regular_weekdays",
                "start": start.isoformat(),
                "months": months,
                "weekdays": weekdays,
                "part": form.get("part") or "full",
            },
            "work_location": form.get("work_location") or "residence",
        }
        if action == "revise":
            body["kind"] = form.get("kind", "renewal")
        return body
    if action == "select":
        return {"traits": form.get("traits", []), "readiness": form.get("readiness", [])}
    if action == "accept":
        return {
            "agreement_version": int(form["agreement_version"]),
            "ethics_acknowledged": form.get("ethics") == "on",
            "security_acknowledged": form.get("ethics") == "on",
        }
    if action in ("decide_order", "decide_termination"):
        yes = form.get("decision") == "yes"
        key = "issue" if action == "decide_order" else "withdraw"
        out: dict[str, Any] = {key: yes, "reasons": form.get("reasons", "")}
        if action == "decide_termination" and yes and form.get("effective_date"):
            out["effective_date"] = parse_day(str(form["effective_date"])).isoformat()
        return out
    if action == "propose_termination":
        # Evidence is what the proposal rests on (seed §9.2 (6)): blank is refused by the
        # contract (at least one item), never recorded as "-".
        evidence = str(form.get("evidence") or "").strip()
        return {"reasons": form["reasons"], "evidence": [evidence] if evidence else []}
    if action == "recall":
        recall: dict[str, Any] = {"reasons": form.get("reasons", "")}
        if form.get("effective_date"):
            recall["effective_date"] = parse_day(str(form["effective_date"])).isoformat()
        return recall
    if action == "review":
        return {"report_no": int(form["report_no"]), "comment": form.get("comment", "")}
    if action == "assess":
        per_goal = sorted(k.removeprefix("result_") for k in form if k.startswith("result_"))
        if not per_goal:  # the older single-goal form
            return {
                "assessments": [
                    {
                        "goal_id": "G1",
                        # Chosen by the supervisor, never assumed (an assessment of a person).
                        "result": form.get("result", ""),
                        "comment": form.get("comment", ""),
                    }
                ]
            }
        return {
            "assessments": [
                {
                    "goal_id": goal,
                    "result": form[f"result_{goal}"],
                    "comment": str(form.get(f"comment_{goal}", "")),
                }
                for goal in per_goal
            ]
        }
    if action in ("report", "final_report"):
        return {"summary": form["summary"]}
    if action == "request_changes":
        return {"comment": form["comment"]}
    return {}


# The policy form's fields (issue #16: an editor of the version in force that shows the
# difference), each with the word that names it; what the form does not show is never changed.
POLICY_FIELDS = {
    "effective_from": "effective_from",
    "report_cadence_days": "report_every_days",
    "grace_period_days": "grace_days",
    "max_days_per_week": "max_days_a_week",
    "rule_set": "rule_set",
    "work_locations": "work_location",  # the form allows every place its rule set names
    "min_office_days_per_week": "min_office_days",
    "request_notice_working_days": "notice_days",
    "half_days": "half_days",
    "location_evidence": "location_evidence",
}


def policy_changes(
    current: dict[str, Any] | None, proposed: dict[str, Any]
) -> list[tuple[str, Any, Any]]:
    """(word, in force, after publishing) for each field of the form the new version changes;
    every field for an agency's first policy."""
    before = current or {}
    return [
        (word, before.get(field), proposed[field])
        for field, word in POLICY_FIELDS.items()
        if field in proposed and before.get(field) != proposed[field]
    ]


def policy_value(word: str, value: Any, lang: str) -> str:
    """A policy field's value as people read it: names, not codes; B.E. dates in Thai."""
    pick = 0 if lang == "th" else 1
    if value is None:
        return "-"
    if isinstance(value, bool):
        return t("yes" if value else "not_set", lang)
    if word == "rule_set":
        return str(RULE_SET_NAMES.get(value, (value, value))[pick])
    if word == "work_location":
        return ", ".join(PLACE_NAMES.get(p, (p, p))[pick] for p in value) or t("all_places", lang)
    if word == "location_evidence":
        return t("yes" if value != "off" else "not_set", lang)
    if word == "effective_from":
        return show_date(value, lang)
    return str(value)
