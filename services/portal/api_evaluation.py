"""The API of the yearly evaluation (R-EVA-2): commutes, desks, sick leave, survey, readiness,
lessons, reports; notification preferences and the attendance ledger."""

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Query, UploadFile
from fastapi.responses import Response
from pydantic import AwareDatetime, BaseModel, Field

from contracts.evaluation import Mode
from contracts.events.evaluation import ReadinessItem
from contracts.requests.notification import Preferences, PreferencesQuery, SetPreferences
from services.portal.actions import Portal, Refused
from services.portal.reads import ledger_response
from services.portal.web import (
    Authed,
    RequestBody,
    export_text,
    read_upload,
)


class Recorded(BaseModel):
    recorded: bool


class RowsRecorded(BaseModel):
    recorded: int = Field(description="How many officials' rows were recorded")


class Answered(BaseModel):
    answered: bool
    respondent: Literal["official", "supervisor"]


class ReadinessRecorded(BaseModel):
    recorded: bool
    not_answered: list[str] = Field(description="The §8.1 items not given this time")


class Survey(BaseModel):
    respondent: Literal["official", "supervisor"]
    scale: str
    questions: dict[str, str] = Field(description="Question id -> its words, in your language")


class Reports(BaseModel):
    reports: list[dict[str, Any]] = Field(
        description="The agency's figures (and, rolled up, each direct sub-agency's): "
        "docs/evaluation.md names every key"
    )


class LedgerRow(BaseModel):
    day: date
    official_id: str
    agency: str
    scheduled: bool = Field(description="A telework day of the official's agreement")
    check_in: AwareDatetime | None
    check_out: AwareDatetime | None
    channel: str | None
    flags: list[str] = Field(description="missing_check_in, late, … (R-ATT-2)")


class Ledger(BaseModel):
    """The attendance ledger as JSON (R-ATT-3); `?format=csv` gives the same for Excel."""

    rows: list[LedgerRow]
    headers: list[str] = Field(description="The columns' names in your language")
    cells: list[list[str]] = Field(description="Each row as the ledger page shows it")


def add_routes(api: APIRouter, portal: Portal) -> None:
    # Evaluation inputs (issue #18): commutes, defaults, survey, readiness, lessons.
    class Commute(RequestBody):
        official_id: str | None = Field(default=None, max_length=64, description="Default: you")
        km_one_way: float = Field(ge=0, le=500)
        minutes_one_way: float = Field(ge=0, le=600)
        mode: Mode
        baht_one_way: float | None = Field(default=None, ge=0, le=10_000)

    @api.post("/evaluation/commute", status_code=201)
    async def record_commute(body: Commute, c: Authed) -> Recorded:
        """Your commute (or, for HR, an official's): home–office distance, time and mode, for
        the benefits of §12."""
        from services.portal import evaluation

        fields = body.model_dump(exclude={"official_id"})
        return Recorded.model_validate(
            await evaluation.record_commute(
                portal, c.actor, c.token, c.lang, body.official_id or c.actor.subject, fields
            )
        )

    class CommuteDefaults(RequestBody):
        agency_code: str = Field(max_length=64)
        km_one_way: float = Field(ge=0, le=500)
        minutes_one_way: float = Field(ge=0, le=600)
        mode: Mode
        baht_per_km: float = Field(ge=0, le=100)
        emission_g_per_km: dict[Mode, float] = Field(default_factory=dict)

    @api.post("/evaluation/commute-defaults", status_code=201)
    async def commute_defaults(body: CommuteDefaults, c: Authed) -> Recorded:
        """The agency's defaults for officials who recorded no commute (head or HR)."""
        from services.portal import evaluation

        fields = body.model_dump(exclude={"agency_code"})
        return Recorded.model_validate(
            await evaluation.set_defaults(
                portal, c.actor, c.token, c.lang, body.agency_code, fields
            )
        )

    class Desks(RequestBody):
        agency_code: str = Field(max_length=64)
        desks: int = Field(ge=1, le=1_000_000)

    @api.post("/evaluation/desks", status_code=201)
    async def set_desks(body: Desks, c: Authed) -> Recorded:
        """The desks at the agency's office, for office density (§12): head or HR."""
        from services.portal import evaluation

        return Recorded.model_validate(
            await evaluation.set_desks(portal, c.actor, c.lang, body.agency_code, body.desks)
        )

    class SickLeaveRow(RequestBody):
        official_id: str = Field(max_length=64)
        days: float = Field(ge=0, le=366)

    class SickLeave(RequestBody):
        fiscal_year: int = Field(ge=2533, le=2743)
        rows: list[SickLeaveRow] = Field(min_length=1, max_length=5000)

    @api.post("/evaluation/sick-leave", status_code=201)
    async def record_sick_leave(body: SickLeave, c: Authed) -> RowsRecorded:
        """HR: sick-leave days per official for a fiscal year (B.E.), for absence (§12)."""
        from services.portal import evaluation

        rows = {r.official_id: r.days for r in body.rows}
        if len(rows) != len(body.rows):
            raise Refused(422, "ข้าราชการซ้ำ / an official appears twice")
        return RowsRecorded.model_validate(
            await evaluation.record_sick_leave(portal, c.actor, body.fiscal_year, rows)
        )

    @api.post("/evaluation/sick-leave/import", status_code=201)
    async def import_sick_leave(
        c: Authed,
        fiscal_year: Annotated[int, Form(ge=2533, le=2743)],
        file: UploadFile,
    ) -> RowsRecorded:
        """HR: the same from a file exported by the HR system (CSV `official_id,days`, UTF-8
        or Windows-874)."""
        from services.portal import evaluation

        name = file.filename or "sick-leave.csv"
        rows = evaluation.sick_leave_rows(export_text(await read_upload(file), name), name)
        return RowsRecorded.model_validate(
            await evaluation.record_sick_leave(portal, c.actor, fiscal_year, rows)
        )

    @api.get("/notification-preferences")
    async def get_notification_preferences(c: Authed) -> Preferences:
        """How you are told: e-mail, the inbox, a daily digest of e-mails."""
        return await portal.ask_for(c.token, PreferencesQuery, {}, c.lang)

    @api.put("/notification-preferences")
    async def put_notification_preferences(body: SetPreferences, c: Authed) -> Preferences:
        """Your own choice (at least e-mail or the inbox stays on)."""
        return await portal.ask_for(c.token, SetPreferences, body.model_dump(mode="json"), c.lang)

    @api.get("/evaluation/survey")
    async def survey_questions(c: Authed) -> Survey:
        """This year's satisfaction survey for you (officials' or supervisors' questions)."""
        from services.portal import evaluation

        respondent = evaluation.respondent_of(c.actor)
        asked = evaluation.questions_for(respondent)
        pick = 0 if c.lang == "th" else 1
        return Survey(
            respondent=respondent,
            scale="1–5",
            questions={q: texts[pick] for q, texts in asked.items()},
        )

    class SurveyAnswers(RequestBody):
        fiscal_year: int = Field(ge=2533, le=2743, description="B.E., e.g. 2570")
        answers: dict[str, int]

    @api.post("/evaluation/survey", status_code=201)
    async def answer_survey(body: SurveyAnswers, c: Authed) -> Answered:
        """Anonymous: the event names your agency and role, never you; once a year."""
        from services.portal import evaluation

        return Answered.model_validate(
            await evaluation.answer_survey(portal, c.actor, c.lang, body.fiscal_year, body.answers)
        )

    class Readiness(RequestBody):
        agency_code: str = Field(max_length=64)
        items: dict[str, ReadinessItem] = Field(min_length=1)

    @api.post("/evaluation/readiness", status_code=201)
    async def record_readiness(body: Readiness, c: Authed) -> ReadinessRecorded:
        """The agency's technology readiness (§8.1), item by item with evidence and date."""
        from services.portal import evaluation

        return ReadinessRecorded.model_validate(
            await evaluation.record_readiness(
                portal, c.actor, c.token, c.lang, body.agency_code, body.items
            )
        )

    class Lessons(RequestBody):
        agency_code: str = Field(max_length=64)
        fiscal_year: int = Field(ge=2533, le=2743)
        problems: str = Field(max_length=8000)
        lessons: str = Field(max_length=8000)
        decision: Literal["continue", "change"]

    @api.post("/evaluation/lessons", status_code=201)
    async def record_lessons(body: Lessons, c: Authed) -> Recorded:
        """Problems, lessons and the decision to continue or change the policy (§9.3.3)."""
        from services.portal import evaluation

        fields = body.model_dump(exclude={"agency_code"})
        return Recorded.model_validate(
            await evaluation.record_lessons(
                portal, c.actor, c.token, c.lang, body.agency_code, fields
            )
        )

    @api.get("/evaluation/report")
    async def evaluation_report(
        agency: str, fiscal_year: int, c: Authed, roll_up: bool = False
    ) -> Reports:
        """The yearly evaluation from the audit chain (head, HR, auditors): JSON with the
        issue's keys, plus by month and by division; rolled up, each direct sub-agency too."""
        from services.portal import evaluation

        found = await evaluation.reports(portal, c.token, c.lang, agency, fiscal_year, roll_up)
        return Reports(reports=found)

    @api.get(
        "/evaluation/report.pdf",
        response_class=Response,
        responses={200: {"content": {"application/pdf": {}}}},
    )
    async def evaluation_pdf(
        agency: str, fiscal_year: int, c: Authed, roll_up: bool = False
    ) -> Response:
        from services.documents.adapters.evaluation_pdf import render_evaluation
        from services.portal import evaluation

        found = await evaluation.reports(portal, c.token, c.lang, agency, fiscal_year, roll_up)
        return Response(
            render_evaluation(found),
            media_type="application/pdf",
            headers={
                "Content-Disposition": f'inline; filename="evaluation-{agency}-{fiscal_year}.pdf"'
            },
        )

    @api.get(
        "/attendance/ledger",
        responses={200: {"model": Ledger, "content": {"text/csv": {}}}},
    )
    async def attendance_ledger(
        c: Authed,
        agency: Annotated[str, Query(max_length=64)],
        start: Annotated[str, Query(alias="from", description="dd/mm/B.E. year, or ISO")],
        end: Annotated[str, Query(alias="to", description="dd/mm/B.E. year, or ISO")],
        official_id: Annotated[str | None, Query(max_length=64)] = None,
        format: Literal["json", "csv"] = "json",
    ) -> Response:
        """The attendance ledger (R-ATT-3) of an agency and its sub-agencies, or one official's
        rows, over at most a year: JSON, or CSV for Excel (UTF-8 with a byte-order mark, Thai
        headers and B.E. dates in Thai). Supervisors, the head, HR and auditors of the agency;
        an official for their own rows. Attendance decides who may read it."""
        return await ledger_response(portal, c, agency, start, end, official_id, format)
