"""Pages of everyday work: the home page with its task list, an engagement's page, and the
forms that start, act on, check in, assign, order in batch and ask for help."""

from datetime import date
from typing import Any, Literal

from fastapi import FastAPI, Request
from fastapi.responses import Response
from pydantic import ValidationError

from contracts.evaluation import MODE_NAMES, READINESS_ITEMS
from services.portal.actions import Refused
from services.portal.evaluation import questions_for, respondent_of
from services.portal.forms import (
    form_to_body,
    listing,
    shared_place,
    this_fiscal_year,
)
from services.portal.i18n import (
    STATES,
    state_name,
    t,
)
from services.portal.reads import side_panels
from services.portal.tasks import is_closed, task_list
from services.portal.web import (
    ItemId,
    Ui,
    caller,
    lang_of,
)
from workflows.engagement.models import AgreementTemplate


def add_routes(app: FastAPI, ui: Ui) -> None:
    portal = ui.portal
    page = ui.page
    shown_once = ui.shown_once
    done = ui.done

    @app.get("/home", include_in_schema=False)
    async def home(request: Request) -> Response:
        c = await caller(request)
        items = await portal.visible(c.actor)
        roles = {g.role.value for g in c.actor.grants}
        extras = await side_panels(portal, c, roles, request.query_params.get("history"))
        lang = lang_of(request)
        respondent = respondent_of(c.actor)
        return page(
            request,
            "home.html",
            my_agency=next((g.agency for g in c.actor.grants if g.role.value == "official"), ""),
            survey_questions={
                q: texts[0 if lang == "th" else 1] for q, texts in questions_for(respondent).items()
            },
            fiscal_year_now=this_fiscal_year(),
            states=list(STATES),
            modes=MODE_NAMES,
            readiness_items=READINESS_ITEMS,
            me=c.actor,
            roles=roles,
            **listing(items, request.query_params),
            closed=[i for i in items if is_closed(i)],
            tasks=task_list(items),
            today=date.today(),
            **await shown_once(c),
            **extras,
        )

    @app.post("/ui/assignments", include_in_schema=False)
    async def ui_assign(request: Request) -> Response:
        """The bulk assignment form (issue #19): a unit or a list, one agreement template."""
        from services.portal import assignments

        c = await caller(request)
        # Its own field names (a_…): the engagement forms on the same page use the plain ones.
        raw = await request.form()
        form: dict[str, Any] = {str(k).removeprefix("a_"): v for k, v in raw.items()}
        form["weekday"] = [str(v) for v in raw.getlist("a_weekday")]
        try:
            body = form_to_body("draft", form)
            template = AgreementTemplate.model_validate(
                {"goals": body["goals"], "schedule": body["schedule"]}
            )
        except ValidationError as exc:
            err = exc.errors()[0]
            raise Refused(422, f"{'.'.join(map(str, err['loc']))}: {err['msg']}") from None
        except KeyError as exc:
            raise Refused(422, f"กรุณากรอก {exc.args[0]} / {exc.args[0]} is required") from None
        listed = [x for x in str(form.get("official_ids", "")).replace(",", " ").split() if x]
        result = await assignments.assign(
            portal,
            c.actor,
            c.token,
            c.lang,
            str(form.get("agency", ""))[:64],
            listed or None,
            str(form.get("necessity_reason", ""))[:2000],
            template,
            str(form.get("request_key") or "") or None,
        )
        refused = "; ".join(f"{k}: {v}" for k, v in list(result["refused"].items())[:10])
        return await done(
            c,
            f"{result['assignment_id']}: {result['assigned']}"
            + (f" — {refused}" if refused else ""),
        )

    @app.post("/ui/batch", include_in_schema=False)
    async def ui_batch(request: Request) -> Response:
        c = await caller(request)
        ids = [str(v) for v in (await request.form()).getlist("engagement_id")]
        if not ids:
            raise Refused(422, "เลือกอย่างน้อยหนึ่งเรื่อง / choose at least one")
        answers = await portal.batch_order(c.actor, c.token, ids)
        numbers = {a["detail"]["order_number"] for a in answers.values() if "detail" in a}
        return await done(c, ", ".join(sorted(numbers)) or "-")

    @app.post("/ui/help", include_in_schema=False)
    async def ui_help(request: Request) -> Response:
        c = await caller(request)
        form = await request.form()
        rid = await portal.ask_for_help(
            c.actor, str(form.get("topic") or ""), str(form.get("detail") or "")
        )
        return await done(c, f"{t('help_sent', c.lang)}: {rid}")

    @app.post("/ui/inbox/{item_id}/read", include_in_schema=False)
    async def ui_read(request: Request, item_id: ItemId) -> Response:
        c = await caller(request)
        await portal.mark_read(c.token, item_id, c.lang)
        return await done(c, "")

    @app.post("/ui/start", include_in_schema=False)
    async def ui_start(request: Request) -> Response:
        c = await caller(request)
        form = await request.form()
        official = str(form.get("official_id") or "") or None
        selection = "necessity" if official and official != c.actor.subject else "voluntary"
        result = await portal.start(
            c.actor,
            c.token,
            official,
            selection,
            str(form.get("reason") or "") or None,
            str(form.get("request_key") or "")[:200] or None,
        )
        return await done(c, result["engagement_id"])

    @app.post("/ui/check/{direction}", include_in_schema=False)
    async def ui_check(request: Request, direction: Literal["in", "out"]) -> Response:
        c = await caller(request)
        result = await portal.check(
            c.actor, c.token, direction, "web", None, c.lang, shared_place(await request.form())
        )
        said = "checked_in_at" if direction == "in" else "checked_out_at"
        return await done(c, f"{t(said, c.lang)} {result['at'][11:16]}")

    @app.post("/ui/engagements/{engagement_id}/{action}", include_in_schema=False)
    async def ui_act(request: Request, engagement_id: str, action: str) -> Response:
        c = await caller(request)
        raw = await request.form()
        form: dict[str, Any] = dict(raw)
        form["traits"] = [str(v) for v in raw.getlist("trait")]
        form["weekday"] = [str(v) for v in raw.getlist("weekday")]
        form["readiness"] = [str(v) for v in raw.getlist("readiness")]
        for repeated in ("goal", "indicator", "target", "due"):  # a row per goal
            form[repeated] = [str(v) for v in raw.getlist(repeated)]
        try:
            body = form_to_body(action, form)
            ack = await portal.act(c.actor, c.token, engagement_id, action, body)
        except ValidationError as exc:
            err = exc.errors()[0]
            raise Refused(422, f"{'.'.join(map(str, err['loc']))}: {err['msg']}") from None
        except KeyError as exc:
            raise Refused(422, f"กรุณากรอก {exc.args[0]} / {exc.args[0]} is required") from None
        return await done(c, state_name(ack.state.value, c.lang), str(form.get("back") or ""))

    @app.get("/ui/engagements/{engagement_id}", include_in_schema=False)
    async def engagement_page(request: Request, engagement_id: str) -> Response:
        """One engagement on its own page (issue #16): its card with the actions the caller may
        take, the telework days as a B.E. calendar, each report with its text and review, the
        assessment goal by goal. Whoever may read the engagement may open it."""
        from services.portal.telework_calendar import month_grids
        from services.portal.versions import versions

        c = await caller(request)
        item = await portal.item(c.actor, engagement_id)
        s = item["summary"]
        goals = {g.goal_id: g for g in s.goals}
        return page(
            request,
            "engagement.html",
            me=c.actor,
            item=item,
            roles={g.role.value for g in c.actor.grants},
            months=month_grids(s.planned_dates, c.lang),
            versions=versions(await portal.read_model.drafted(engagement_id)),
            assessed=[(goals.get(a.goal_id), a) for a in s.assessments],
            back=f"/ui/engagements/{engagement_id}",
            today=date.today(),
            **await shown_once(c),
        )
