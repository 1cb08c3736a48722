"""Pages of the yearly evaluation and of notification preferences."""

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import Response
from pydantic import ValidationError

from contracts.evaluation import READINESS_ITEMS
from contracts.events.evaluation import ReadinessItem
from services.portal.actions import Refused
from services.portal.forms import (
    CommuteForm,
    this_fiscal_year,
    whole_number,
)
from services.portal.i18n import (
    t,
)
from services.portal.web import (
    Ui,
    caller,
    export_text,
    lang_of,
    read_upload,
)
from services.shared import clock


def add_routes(app: FastAPI, ui: Ui) -> None:
    portal = ui.portal
    page = ui.page
    done = ui.done

    @app.get("/ui/evaluation", include_in_schema=False)
    async def ui_evaluation(request: Request) -> Response:
        """The yearly evaluation page (issue #18): figures, survey, readiness, and two charts
        drawn as SVG by the server (no script, no CDN), each with its table."""
        from services.documents.domain import evaluation_report as er
        from services.portal import evaluation

        c = await caller(request)
        q = request.query_params
        own = next((g.agency for g in c.actor.grants if g.role.value != "service"), "")
        agency = (q.get("agency") or own)[:64]
        year_default = this_fiscal_year()
        try:
            year = int(q.get("fiscal_year") or year_default)
        except ValueError:
            raise Refused(422, "ปีงบประมาณไม่ถูกต้อง / fiscal_year must be a year") from None
        roll = q.get("roll_up") == "1"
        reports = await evaluation.reports(portal, c.token, c.lang, agency, year, roll)
        lang = lang_of(request)
        charts = [
            [
                {
                    "title": t("by_month", lang),
                    "bars": er.bars(r["by_month"], lambda k: er.month_label(k, lang)),
                },
                {
                    "title": t("by_division", lang),
                    "bars": er.bars({k: v["telework_days"] for k, v in r["by_division"].items()}),
                },
            ]
            for r in reports
        ]
        return page(
            request,
            "evaluation.html",
            me=c.actor,
            csrf=c.session.csrf if c.session is not None else "",
            agency=agency,
            fiscal_year=year,
            roll_up=roll,
            reports=reports,
            titles=[er.title(r, lang) for r in reports],
            charts=charts,
            figures=er.FIGURES,
            figure=er.figure,
            shown=er.shown,
            question_text=er.question_text,
            readiness_text=er.readiness_text,
        )

    @app.post("/ui/evaluation/survey", include_in_schema=False)
    async def ui_survey(request: Request) -> Response:
        from services.portal import evaluation

        c = await caller(request)
        form = dict(await request.form())
        answers = {
            k[2:]: whole_number(v, k[2:], 1, 5) for k, v in form.items() if str(k).startswith("q_")
        }
        year = whole_number(form.get("fiscal_year", this_fiscal_year()), "fiscal_year", 2533, 2743)
        await evaluation.answer_survey(portal, c.actor, c.lang, year, answers)
        return await done(c, t("send", c.lang) + " ✓")

    @app.post("/ui/evaluation/commute", include_in_schema=False)
    async def ui_commute(request: Request) -> Response:
        from services.portal import evaluation

        c = await caller(request)
        form = dict(await request.form())
        try:
            fields = CommuteForm.model_validate(form).model_dump()
        except ValidationError as exc:
            err = exc.errors()[0]
            raise Refused(422, f"{'.'.join(map(str, err['loc']))}: {err['msg']}") from None
        await evaluation.record_commute(portal, c.actor, c.token, c.lang, c.actor.subject, fields)
        return await done(c, t("save", c.lang) + " ✓")

    @app.post("/ui/notification-preferences", include_in_schema=False)
    async def ui_notification_preferences(request: Request) -> Response:
        c = await caller(request)
        form = await request.form()
        body: dict[str, Any] = {k: form.get(k) == "on" for k in ("email", "inbox", "daily_digest")}
        quiet = {k: str(form.get(k) or "").strip() for k in ("quiet_from", "quiet_until")}
        if any(quiet.values()):  # both or neither: the service says which is missing
            body |= {k: v or None for k, v in quiet.items()}
        await portal.ask_as(c.token, "notification", "set_preferences", body, c.lang)
        return await done(c, t("save", c.lang) + " ✓")

    @app.post("/ui/evaluation/sick-leave", include_in_schema=False)
    async def ui_sick_leave(request: Request) -> Response:
        from services.portal import evaluation

        c = await caller(request)
        form = await request.form()
        upload = form.get("sick_leave_file")
        try:
            year = int(str(form.get("sick_leave_year", "")))
        except ValueError:
            raise Refused(422, "ปีงบประมาณไม่ถูกต้อง / fiscal year must be a B.E. year") from None
        if isinstance(upload, str) or upload is None or not upload.filename:
            raise Refused(422, "เลือกไฟล์ / choose the HR system's file")
        name = upload.filename
        rows = evaluation.sick_leave_rows(export_text(await read_upload(upload), name), name)
        result = await evaluation.record_sick_leave(portal, c.actor, year, rows)
        return await done(c, f"{t('save', c.lang)} ✓ ({result['recorded']})")

    @app.post("/ui/evaluation/readiness", include_in_schema=False)
    async def ui_readiness(request: Request) -> Response:
        from services.portal import evaluation

        c = await caller(request)
        form = dict(await request.form())
        checked = clock.today()  # Bangkok's day: past midnight there, not yet in UTC
        items = {
            item: ReadinessItem(
                ready=form.get(f"ready_{item}") == "on",
                evidence=str(form.get(f"evidence_{item}", ""))[:1000],
                checked_on=checked,
            )
            for item in READINESS_ITEMS
        }
        await evaluation.record_readiness(
            portal, c.actor, c.token, c.lang, str(form.get("agency", ""))[:64], items
        )
        return await done(c, t("save", c.lang) + " ✓")
