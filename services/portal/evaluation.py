"""Evaluation inputs through the portal (issue #18; R-EVA-2, R-EVA-3, R-TEC-1): an official's
commute (by the official, or HR for them), the agency's commute defaults, the anonymous
satisfaction survey, the technology readiness checklist, and the head's lessons and decision.
Each becomes an event of the `evaluation` context; the yearly report is computed from them
and the rest of the audit chain (services/audit/domain/evaluation.py)."""

import csv
import hashlib
import hmac
import io
import secrets
from pathlib import Path
from typing import Any

from contracts.evaluation import (
    MIN_ANSWERS,
    QUESTIONS,
    READINESS_ITEMS,
    READINESS_VERSION,
    SURVEY,
    SURVEY_VERSION,
)
from contracts.events.evaluation import (
    CommuteDefaultsSet,
    CommuteRecorded,
    LessonsRecorded,
    OfficeCapacitySet,
    ReadinessItem,
    ReadinessRecorded,
    SickLeaveRecorded,
    SurveyAnswered,
)
from contracts.requests import identity as ask
from services.portal.actions import LOG, Portal, Refused, refusal
from services.portal.deps import BackendError
from services.shared import clock
from services.shared.authz import Actor, Resource, Role, can
from services.shared.eventlog import ConcurrencyConflict, NewEvent
from services.shared.secret_file import read_or_make
from services.shared.settings import Trust

__all__ = ["MIN_ANSWERS"]


def survey_key(data_dir: Path) -> bytes:
    """The key of the survey's one-answer-per-person hash: TELEWORK_SURVEY_KEY (hex), or a file
    made once in the data directory (every portal process of a site must share it)."""
    given = Trust().survey_key
    if given:
        return bytes.fromhex(given)
    return read_or_make(data_dir / "survey.key", lambda: secrets.token_bytes(32))


async def _agency_path(portal: Portal, agency: str, lang: str) -> tuple[str, ...]:
    """Asked with the portal's own credentials: the portal then decides with `can`."""
    try:
        found = await portal.b.query(ask.AgencyPathQuery(agency_code=agency), lang=lang)
    except BackendError as exc:
        raise refusal(exc) from None
    return tuple(found.agency_path)


def _require(actor: Actor, action: str, path: tuple[str, ...], owner: str | None = None) -> None:
    decision = can(actor, action, Resource("evaluation", path, owner=owner))
    if not decision:
        raise Refused(403, f"ไม่มีสิทธิ์ / forbidden: {decision.reason}")


async def _append(stream: str, agency: str, event: Any, portal: Portal, expected: Any) -> None:
    async with portal.b.sessions.begin() as s:
        await LOG.append(s, stream, [NewEvent(event, agency)], expected)


async def record_commute(
    portal: Portal, actor: Actor, token: str, lang: str, official_id: str, body: dict[str, Any]
) -> dict[str, Any]:
    own = [g.agency for g in actor.grants if g.role is Role.OFFICIAL]
    if official_id == actor.subject and own:
        path = await _agency_path(portal, own[0], lang)  # one's own, as the token says
    else:  # HR for an official: where identity has them now
        path = (await portal.resource(official_id)).agency_path
    _require(actor, "evaluation.commute", path, owner=official_id)
    agency = path[-1]
    event = CommuteRecorded(official_id=official_id, agency_code=agency, by=actor.subject, **body)
    await _append(f"commute-{official_id}", agency, event, portal, None)
    return {"recorded": True}


async def set_defaults(
    portal: Portal, actor: Actor, token: str, lang: str, agency: str, body: dict[str, Any]
) -> dict[str, Any]:
    _require(actor, "evaluation.manage", await _agency_path(portal, agency, lang))
    event = CommuteDefaultsSet(agency_code=agency, by=actor.subject, **body)
    await _append(f"commute-defaults-{agency}", agency, event, portal, None)
    return {"recorded": True}


async def set_desks(
    portal: Portal, actor: Actor, lang: str, agency: str, desks: int
) -> dict[str, Any]:
    """The desks at the agency's office, for office density (§12): head or HR."""
    _require(actor, "evaluation.manage", await _agency_path(portal, agency, lang))
    event = OfficeCapacitySet(agency_code=agency, desks=desks, by=actor.subject)
    await _append(f"office-capacity-{agency}", agency, event, portal, None)
    return {"recorded": True}


async def record_sick_leave(
    portal: Portal, actor: Actor, fiscal_year: int, rows: dict[str, float]
) -> dict[str, Any]:
    """HR's sick-leave days per official for a fiscal year (absence, §12). Every official must
    be in HR's agencies; none is recorded when one is not (named), so nothing half-applies."""
    paths = {}
    for official_id in rows:
        paths[official_id] = (await portal.resource(official_id)).agency_path
    outside = sorted(
        o
        for o, path in paths.items()
        if not can(actor, "evaluation.absence", Resource("evaluation", path, owner=o))
    )
    if outside:
        raise Refused(
            403,
            "ไม่มีสิทธิ์บันทึกวันลาของข้าราชการนอกหน่วยงาน / forbidden: not in your agencies: "
            + ", ".join(outside[:20]),
        )
    async with portal.b.sessions.begin() as s:
        for official_id, days in rows.items():
            agency = paths[official_id][-1]
            event = SickLeaveRecorded(
                official_id=official_id,
                agency_code=agency,
                fiscal_year=fiscal_year,
                days=days,
                by=actor.subject,
            )
            await LOG.append(
                s, f"sick-leave-{official_id}-{fiscal_year}", [NewEvent(event, agency)], None
            )
    return {"recorded": len(rows)}


def sick_leave_rows(text: str, name: str) -> dict[str, float]:
    """HR's file of sick-leave days (`official_id,days`, a header row), every bad line named
    by its number; nothing is taken from a file with one."""
    # newline="": the csv module reads \r, \n and \r\n itself (a lone \r, from an old
    # spreadsheet, was a 500: "new-line character seen in unquoted field").
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        return _sick_leave_rows(reader, name)
    except csv.Error as exc:  # a field past the csv module's limit, say
        raise Refused(422, f"{name}:{reader.reader.line_num}: not a CSV line ({exc})") from None


def _sick_leave_rows(reader: "csv.DictReader[str]", name: str) -> dict[str, float]:
    if not reader.fieldnames or not {"official_id", "days"} <= set(reader.fieldnames):
        raise Refused(422, f"{name}: the first row must name the columns official_id,days")
    rows: dict[str, float] = {}
    for line, row in enumerate(reader, start=2):
        official = (row.get("official_id") or "").strip()
        try:
            days = float((row.get("days") or "").strip())
        except ValueError:
            raise Refused(422, f"{name}:{line}: days {row.get('days')!r} is not a number") from None
        if not official or len(official) > 64:
            raise Refused(422, f"{name}:{line}: no official_id")
        if not 0 <= days <= 366:
            raise Refused(422, f"{name}:{line}: days must be 0–366")
        if official in rows:
            raise Refused(422, f"{name}:{line}: {official} appears twice")
        rows[official] = days
    if not rows:
        raise Refused(422, f"{name}: no rows")
    if len(rows) > 5000:
        raise Refused(413, f"{name}: at most 5,000 officials per file")
    return rows


def respondent_of(actor: Actor) -> str:
    """Supervisors answer the supervisors' questions, everyone else the officials'."""
    return "supervisor" if any(g.role is Role.SUPERVISOR for g in actor.grants) else "official"


def questions_for(respondent: str) -> dict[str, tuple[str, str]]:
    return {q: (th, en) for q, (who, th, en) in QUESTIONS.items() if respondent in who}


async def answer_survey(
    portal: Portal,
    actor: Actor,
    lang: str,
    fiscal_year: int,
    answers: dict[str, int],
) -> dict[str, Any]:
    """Once per person and fiscal year; the event names the agency and the role answered as,
    never the person. Supervisors answer the supervisors' questions, everyone else the
    officials'."""
    official = [g for g in actor.grants if g.role is Role.OFFICIAL]
    if not official:
        raise Refused(403, "ไม่มีสิทธิ์ / forbidden: only officials answer the survey")
    agency = official[0].agency
    respondent = respondent_of(actor)
    asked = questions_for(respondent)
    if set(answers) != set(asked):
        raise Refused(
            422,
            f"ตอบให้ครบทุกข้อ / answer exactly the {respondent}s' questions: "
            + ", ".join(sorted(asked)),
        )
    if any(not 1 <= v <= 5 for v in answers.values()):
        raise Refused(422, "คะแนน 1–5 / each answer is 1 (disagree) to 5 (agree)")
    key = portal.b.survey_key
    if not key:
        raise Refused(503, "ยังไม่ได้ตั้งค่ากุญแจแบบสำรวจ / the survey key is not configured")
    tag = hmac.new(
        key, f"{SURVEY}\n{SURVEY_VERSION}\n{fiscal_year}\n{actor.subject}".encode(), hashlib.sha256
    ).hexdigest()[:32]
    event = SurveyAnswered(
        agency_code=agency,
        survey=SURVEY,
        version=SURVEY_VERSION,
        fiscal_year=fiscal_year,
        respondent=respondent,
        answers=answers,
    )
    try:
        await _append(f"survey-{tag}", agency, event, portal, 0)
    except ConcurrencyConflict:
        raise Refused(
            409, "ตอบแบบสำรวจของปีนี้แล้ว / you have already answered this year's survey"
        ) from None
    return {"answered": True, "respondent": respondent}


async def record_readiness(
    portal: Portal,
    actor: Actor,
    token: str,
    lang: str,
    agency: str,
    items: dict[str, ReadinessItem],
) -> dict[str, Any]:
    _require(actor, "evaluation.readiness", await _agency_path(portal, agency, lang))
    unknown = sorted(set(items) - set(READINESS_ITEMS))
    if unknown:
        raise Refused(
            422,
            f"ไม่รู้จักรายการ / unknown items {', '.join(unknown)}; known: "
            + ", ".join(READINESS_ITEMS),
        )
    if any(i.checked_on > clock.today() for i in items.values()):
        raise Refused(422, "วันที่ตรวจต้องไม่เป็นวันในอนาคต / checked_on is in the future")
    event = ReadinessRecorded(
        agency_code=agency, version=READINESS_VERSION, items=items, by=actor.subject
    )
    await _append(f"readiness-{agency}", agency, event, portal, None)
    missing = [i for i in READINESS_ITEMS if i not in items]
    return {"recorded": True, "not_answered": missing}


async def record_lessons(
    portal: Portal, actor: Actor, token: str, lang: str, agency: str, body: dict[str, Any]
) -> dict[str, Any]:
    _require(actor, "evaluation.manage", await _agency_path(portal, agency, lang))
    event = LessonsRecorded(agency_code=agency, by=actor.subject, **body)
    await _append(f"lessons-{agency}-{body['fiscal_year']}", agency, event, portal, None)
    return {"recorded": True}


async def reports(
    portal: Portal, token: str, lang: str, agency: str, year: int, roll_up: bool
) -> list[dict[str, Any]]:
    """The yearly figures, computed by the audit service from its chain, asked in the caller's
    own name (it decides who may read them); rolled up, each direct sub-agency follows."""
    found = await portal.ask_as(
        token,
        "audit",
        "evaluation",
        {"agency_code": agency, "fiscal_year": year, "roll_up": roll_up},
        lang,
        timeout=120.0,
    )
    return list(found["reports"])
