"""Pages for auditors (verify, replay) and IT support (the help queue)."""

from typing import Literal

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response

from services.portal.actions import Refused
from services.portal.i18n import (
    t,
)
from services.portal.reads import audit_history_of
from services.portal.support import SupportDesk
from services.portal.web import (
    Ui,
    caller,
)


def add_routes(app: FastAPI, ui: Ui) -> None:
    portal = ui.portal
    page = ui.page
    shown_once = ui.shown_once
    backends = ui.portal.b

    @app.get("/ui/audit", include_in_schema=False)
    async def audit_page(request: Request) -> Response:
        """The auditor's page (issue #16): the chain verified (with where it breaks, if it
        does), and a replay by engagement, official or agency over a period, in words. Each
        question is recorded in the chain, as from the CLI; the CLI keeps the offline bundle."""
        c = await caller(request)
        q = request.query_params
        chain = await portal.ask_as(c.token, "audit", "status", {}, c.lang, timeout=60)
        wanted = {k: q.get(k) or None for k in ("engagement_id", "official_id", "agency")}
        events = None
        error = None
        if any(wanted.values()):
            try:
                found = await audit_history_of(
                    portal,
                    c,
                    wanted["engagement_id"],
                    wanted["official_id"],
                    wanted["agency"],
                    q.get("from") or None,
                    q.get("to") or None,
                )
                events = found["events"]
            except Refused as exc:
                if exc.status in (401, 403):
                    raise
                error = exc.reason
        return page(
            request,
            "audit.html",
            me=c.actor,
            chain=chain,
            events=events,
            query={**wanted, "from": q.get("from") or "", "to": q.get("to") or ""},
            error=error,
            csrf=c.session.csrf if c.session is not None else "",
        )

    @app.get("/ui/support", include_in_schema=False)
    async def support_page(request: Request) -> Response:
        """IT support's queue (take, answer, close), or an official's own requests with the
        answers (issue #16, R-MON-3)."""
        c = await caller(request)
        wanted = request.query_params.get("status")
        status: Literal["open", "taken", "closed"] | None = (
            wanted if wanted in ("open", "taken", "closed") else None  # type: ignore[assignment]
        )
        desk = SupportDesk(backends.sessions)
        return page(
            request,
            "support.html",
            me=c.actor,
            requests=await desk.visible(c.actor, status),
            status=status or "",
            it={g.role.value for g in c.actor.grants} >= {"it_support"},
            **await shown_once(c),
        )

    @app.post("/ui/support/{request_id}/{action}", include_in_schema=False)
    async def ui_support(request: Request, request_id: str, action: str) -> Response:
        c = await caller(request)
        form = await request.form()
        desk = SupportDesk(backends.sessions)
        if action == "take":
            await desk.take(c.actor, request_id)
        elif action == "reply":
            await desk.reply(c.actor, request_id, str(form.get("text") or ""))
        elif action == "close":
            await desk.close(c.actor, request_id, str(form.get("resolution") or ""))
        else:
            raise Refused(404, f"ไม่มีคำสั่ง {action} / no such action")
        if c.session is not None:
            await portal.sessions.set_flash(c.session.session_id, t("saved", c.lang))
        return RedirectResponse("/ui/support", 303)
