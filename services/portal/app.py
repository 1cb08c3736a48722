"""The portal: public HTTP API (`/api`, OpenAPI at `/docs`) and Thai-first web pages.

Every route authenticates by bearer token or session cookie and authorizes with the shared
`can(...)`; errors are 4xx with a reason in the caller's language."""

import contextlib
import logging
import time
import uuid
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline
from starlette.exceptions import HTTPException as StarletteHTTPException

from services.portal import (
    api_engagements,
    api_evaluation,
    api_oversight,
    api_people,
    pages_evaluation,
    pages_hr,
    pages_meetings,
    pages_oversight,
    pages_sign_in,
    pages_work,
)
from services.portal.actions import CrossSite, Portal, Refused
from services.portal.deps import Backends
from services.portal.i18n import in_language
from services.portal.refusals import backend_away
from services.portal.web import (
    COOKIE,
    HERE,
    HTTP_DURATION,
    PROBLEMS,
    Ui,
    lang_of,
)
from services.shared.db import database_unavailable


def create_app(backends: Backends) -> FastAPI:
    portal = Portal(backends)
    log = logging.getLogger(__name__)
    # Swagger UI and ReDoc served by the portal itself: /docs works with no internet.
    app = FastAPIOffline(
        title="Telework portal API",
        version="1",
        description="ระบบปฏิบัติราชการนอกสถานที่ — public API. Authenticate with "
        "`Authorization: Bearer <token>` (POST /api/login).",
    )
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    @app.middleware("http")
    async def timed(request: Request, call_next: Any) -> Response:
        """Each request's duration by route template (never the path itself: ids are personal
        data and unbounded), method and status: `telework_http_server_duration` on /metrics."""
        started = time.perf_counter()
        response: Response = await call_next(request)
        route = request.scope.get("route")
        HTTP_DURATION.record(
            (time.perf_counter() - started) * 1000,
            {
                "route": getattr(route, "path", "unmatched"),
                "method": request.method,
                "status": response.status_code,
            },
        )
        return response

    @app.exception_handler(Refused)
    async def refused(request: Request, exc: Refused) -> Response:
        headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else None
        reason = in_language(exc.reason, lang_of(request))
        if request.url.path.startswith("/api"):
            return JSONResponse({"detail": reason}, status_code=exc.status, headers=headers)
        if exc.status == 401:
            return RedirectResponse("/login", status_code=303)
        if isinstance(exc, CrossSite):  # nothing of the forged request reaches the session
            return HTMLResponse(exc.reason, status_code=403)
        # The page shows the reason from the session, never from the address (issue #14).
        with contextlib.suppress(Exception):
            await portal.sessions.set_flash(
                request.cookies.get(COOKIE, ""), f"!{exc.status}|{reason}"
            )
        return RedirectResponse("/home", status_code=303)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        """A page for people, JSON for programs (a raw JSON 404 in a browser, issue #16)."""
        if request.url.path.startswith("/api") or exc.status_code != 404:
            return JSONResponse(
                {"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers
            )
        th = lang_of(request) == "th"
        text = "ไม่พบหน้าที่ต้องการ" if th else "There is no such page"
        home = "กลับหน้าหลัก" if th else "Back to the home page"
        return HTMLResponse(
            f'<!doctype html><html lang="{"th" if th else "en"}"><meta charset="utf-8">'
            f'<link rel="stylesheet" href="/static/style.css"><main><h1>{text}</h1>'
            f'<p><a href="/home">{home}</a></p></main></html>',
            status_code=404,
        )

    def portal_database_away(request: Request) -> Response:
        """The portal's own database (sessions, read models) is away: 503 with Retry-After.
        A page says so itself; sending it to /home, as other refusals are, would loop."""
        log.warning("request: %s portal database unavailable", request.method)
        away = backend_away("พอร์ทัล (portal)")
        headers = {"Retry-After": str(away.retry_after)}
        if request.url.path.startswith("/api"):
            return JSONResponse(
                {"detail": in_language(away.reason, lang_of(request))},
                status_code=503,
                headers=headers,
            )
        th, en = away.reason.split(" / ", 1)
        text = th if lang_of(request) == "th" else en
        return HTMLResponse(
            f'<!doctype html><html lang="{lang_of(request)}"><meta charset="utf-8">'
            f'<link rel="stylesheet" href="/static/style.css"><main><h1>{text}</h1></main></html>',
            status_code=503,
            headers=headers,
        )

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        """Never a plain-text 500: a reason in the user's language with a request id, and the
        same id in the log with the route template and the cause's class — not the path or
        the message, which may hold personal data — for IT support to find it."""
        if database_unavailable(exc):
            return portal_database_away(request)
        request_id = uuid.uuid4().hex[:12]
        route = getattr(request.scope.get("route"), "path", "unmatched")
        log.error(
            "request %s: %s %s failed: %s", request_id, request.method, route, type(exc).__name__
        )
        th = lang_of(request) == "th"
        if request.url.path.startswith("/api"):
            return JSONResponse(
                {
                    "detail": in_language(
                        "ระบบขัดข้อง กรุณาลองใหม่ภายหลัง / internal error; please try again",
                        lang_of(request),
                    ),
                    "request_id": request_id,
                },
                status_code=500,
                headers={"X-Request-Id": request_id},
            )
        text = (
            ("ระบบขัดข้อง กรุณาลองใหม่ภายหลัง", "แจ้งเจ้าหน้าที่ไอทีพร้อมรหัสอ้างอิง", "กลับหน้าหลัก")
            if th
            else (
                "Something went wrong; please try again",
                "Tell IT support the reference",
                "Back to the home page",
            )
        )
        return HTMLResponse(
            f'<!doctype html><html lang="{"th" if th else "en"}"><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<title>{text[0]}</title><link rel="stylesheet" href="/static/style.css">'
            f'<main><h1>{text[0]}</h1><p>{text[1]}: <strong id="request-id">{request_id}</strong>'
            f'</p><p><a href="/home">{text[2]}</a></p></main></html>',
            status_code=500,
            headers={"X-Request-Id": request_id},
        )

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        reason = f"{where}: {first.get('msg', 'invalid')}"
        th = lang_of(request) == "th"
        return JSONResponse(
            {"detail": ("ข้อมูลไม่ถูกต้อง: " if th else "invalid: ") + reason}, status_code=422
        )

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        """Liveness: the process answers (an orchestrator restarts it when it does not)."""
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> Response:
        """Readiness: NATS, the portal's database and Temporal all reachable; 503 naming what
        is not, so a load balancer sends no user here meanwhile (issue #15)."""
        from sqlalchemy import text
        from temporalio.service import RPCError, RPCStatusCode

        down = []
        if not backends.nats.is_connected:
            down.append("nats")
        try:
            async with backends.sessions() as s:
                await s.execute(text("SELECT 1"))
        except Exception:
            down.append("database")
        try:
            await backends.temporal.service_client.check_health(timeout=timedelta(seconds=2))
        except RPCError as exc:
            if exc.status != RPCStatusCode.UNIMPLEMENTED:  # a server without the health API
                down.append("temporal")
        except Exception:
            down.append("temporal")
        body = {"status": "not ready" if down else "ready", "down": down}
        return JSONResponse(body, status_code=503 if down else 200)

    app.state.portal = portal
    api = APIRouter(prefix="/api", responses=PROBLEMS)
    for routes in (api_people, api_engagements, api_evaluation, api_oversight):
        routes.add_routes(api, portal)
    app.include_router(api)
    api_engagements.document_action_bodies(app)
    ui = Ui(portal)
    for pages in (
        pages_sign_in,
        pages_work,
        pages_evaluation,
        pages_hr,
        pages_oversight,
        pages_meetings,
    ):
        pages.add_routes(app, ui)
    return app
