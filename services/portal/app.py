"""The portal: public HTTP API (`/api`, OpenAPI at `/docs`) and Thai-first web pages.

Every route authenticates by bearer token or session cookie and authorizes with the shared
`can(...)`; errors are 4xx with a reason in the caller's language."""

import contextlib
import json
import logging
import re
import secrets
import time
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Depends, FastAPI, Form, Header, Query, Request, UploadFile
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from fastapi_offline import FastAPIOffline
from pydantic import BaseModel, Field, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from contracts.evaluation import MODE_NAMES, READINESS_ITEMS, Mode
from contracts.events.engagement import Goal, ScheduleSpec
from contracts.events.evaluation import ReadinessItem
from contracts.places import DAY_PART_NAMES, PLACE_NAMES, RULE_SET_NAMES, Place
from contracts.requests.notification import SetPreferences
from contracts.selection import READINESS, TRAITS
from services.portal.actions import IMPORT_WAIT_S, CrossSite, Portal, Refused, parse_day
from services.portal.deps import Backends
from services.portal.evaluation import questions_for, respondent_of
from services.portal.i18n import (
    STATES,
    allowance_text,
    event_text,
    rule_text,
    show_date,
    state_name,
    t,
    type_text,
)
from services.portal.imports import ImportPreviews
from services.portal.oidc import PENDING_TTL, SignInFailed
from services.portal.sessions import Session
from services.portal.support import SupportDesk
from services.portal.tasks import is_closed, task_list
from services.shared import clock, telemetry
from services.shared.auth import AuthError
from services.shared.authz import Actor
from services.shared.clock import BANGKOK
from workflows.engagement.models import AgreementTemplate

HERE = Path(__file__).parent
COOKIE = "telework_session"
templates = Jinja2Templates(directory=str(HERE / "templates"))
# A fresh key in each start form: a double submit or a browser retry starts one engagement.
templates.env.globals["new_key"] = lambda: uuid.uuid4().hex
# The selection checklists (R-SEL-2), worded in Thai and English.
templates.env.globals["selection_traits"] = TRAITS
templates.env.globals["selection_readiness"] = READINESS
templates.env.globals["work_places"] = PLACE_NAMES
templates.env.globals["day_parts"] = DAY_PART_NAMES
templates.env.globals["rule_sets"] = RULE_SET_NAMES

log = logging.getLogger(__name__)
# Row ids fit a signed 64-bit integer on every database; a larger one is a 422, not a fault.
ItemId = Annotated[int, PathParam(ge=1, le=2**63 - 1)]


def lang_of(request: Request) -> str:
    chosen = request.query_params.get("lang") or request.cookies.get("lang")
    if chosen in ("th", "en"):
        return chosen
    return "en" if request.headers.get("accept-language", "th").startswith("en") else "th"


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
LOGIN_CSRF = "telework_login_csrf"
OIDC_STATE = "telework_oidc_state"  # binds a sign-in at the provider to this browser


class Caller:
    def __init__(self, actor: Actor, token: str, lang: str, session: Session | None = None) -> None:
        self.actor, self.token, self.lang, self.session = actor, token, lang, session


def same_origin(request: Request) -> bool:
    """A browser's Origin (or, lacking it, Referer) names this site; none at all is a
    non-browser client, which carries no ambient cookie worth forging with."""
    claimed = request.headers.get("origin") or request.headers.get("referer")
    if not claimed or claimed == "null":
        return claimed is None
    here = request.headers.get("host", request.url.netloc)
    return urlsplit(claimed).netloc == here


def forged(request: Request, expected: str, given: str | None) -> bool:
    """A cookie-authenticated change not made from our own page (issue #14: CSRF)."""
    return not same_origin(request) or not given or not secrets.compare_digest(given, expected)


MAX_UPLOAD = 5_000_000  # one HR export file; a larger one is refused, never cut short


async def read_upload(f: Any) -> bytes:
    raw: bytes = await f.read(MAX_UPLOAD + 1)
    if len(raw) > MAX_UPLOAD:
        raise Refused(
            413,
            f"ไฟล์ {f.filename} ใหญ่เกิน {MAX_UPLOAD // 1_000_000} MB กรุณาแบ่งไฟล์ / "
            f"{f.filename} is over {MAX_UPLOAD // 1_000_000} MB; split it",
        )
    return raw


def export_text(raw: bytes, name: str | None) -> str:
    return read_export(raw, name)[0]


def read_export(raw: bytes, name: str | None) -> tuple[str, str]:
    """An HR export as text, and the encoding it came in: UTF-8 (with or without BOM), or
    Windows-874, in which Thai Excel saves CSV. Anything else is refused before a byte is
    imported, never stored garbled."""
    try:
        text = raw.decode("utf-8")
        return (text[1:], "UTF-8 (BOM)") if text.startswith("\ufeff") else (text, "UTF-8")
    except UnicodeDecodeError:
        pass
    try:
        text = raw.decode("cp874")
    except UnicodeDecodeError:
        raise Refused(
            422, f"{name}: ไม่ใช่ข้อความ UTF-8 หรือ Windows-874 / not UTF-8 or Windows-874 text"
        ) from None
    if not any("\u0e00" <= ch <= "\u0e7f" for ch in text):
        raise Refused(422, f"{name}: not UTF-8 text, and no Thai in it as Windows-874")
    return text, "Windows-874"


def address_of(request: Request) -> str:
    return request.client.host if request.client else "-"


def secure_request(request: Request, configured: bool) -> bool:
    return configured or request.url.scheme == "https"


# Where a form may send the browser back to: an engagement's page, never another site.
ENGAGEMENT_PAGE = re.compile(r"/ui/engagements/[A-Za-z0-9_.-]{1,200}")

HTTP_DURATION = telemetry.meter("telework.portal").create_histogram(
    "telework.http.server.duration",
    unit="ms",
    description="Portal requests from receipt to response, by route template, method and status",
)


def create_app(backends: Backends) -> FastAPI:
    portal = Portal(backends)
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

    async def caller(request: Request) -> Caller:
        """Who is asking, proven: a session (cookie or bearer) the portal holds, or a signed
        token for machine clients. A cookie-borne change must come from our own page."""
        header = request.headers.get("authorization", "")
        from_cookie = not header.startswith("Bearer ")
        secret = request.cookies.get(COOKIE, "") if from_cookie else header[7:].strip()
        session = None
        if not from_cookie and secret.count(".") == 2:
            token = secret  # a signed token: a service, or `telework token issue` by an operator
        else:
            session = await portal.session(secret)
            if session is None:
                raise Refused(401, "ยังไม่ได้เข้าสู่ระบบหรือหมดเวลา / not signed in, or signed out")
            token = session.token
            if from_cookie and request.method not in SAFE_METHODS:
                given = request.headers.get("x-csrf-token")
                if given is None and "form" in request.headers.get("content-type", ""):
                    given = str((await request.form()).get("csrf") or "")
                if forged(request, session.csrf, given):
                    raise CrossSite()
        try:
            actor = backends.verifier.verify(token)
        except AuthError as exc:
            raise Refused(401, f"ยืนยันตัวตนไม่สำเร็จ / unauthenticated: {exc}") from None
        return Caller(actor, token, lang_of(request), session)

    Authed = Annotated[Caller, Depends(caller)]

    @app.exception_handler(Refused)
    async def refused(request: Request, exc: Refused) -> Response:
        headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else None
        if request.url.path.startswith("/api"):
            return JSONResponse({"detail": exc.reason}, status_code=exc.status, headers=headers)
        if exc.status == 401:
            return RedirectResponse("/login", status_code=303)
        if isinstance(exc, CrossSite):  # nothing of the forged request reaches the session
            return HTMLResponse(exc.reason, status_code=403)
        # The page shows the reason from the session, never from the address (issue #14).
        with contextlib.suppress(Exception):
            await portal.sessions.set_flash(
                request.cookies.get(COOKIE, ""), f"!{exc.status}|{exc.reason}"
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

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        """Never a plain-text 500: a reason in the user's language with a request id, and the
        same id in the log with the route template and the cause's class — not the path or
        the message, which may hold personal data — for IT support to find it."""
        request_id = uuid.uuid4().hex[:12]
        route = getattr(request.scope.get("route"), "path", "unmatched")
        log.error(
            "request %s: %s %s failed: %s", request_id, request.method, route, type(exc).__name__
        )
        th = lang_of(request) == "th"
        if request.url.path.startswith("/api"):
            return JSONResponse(
                {
                    "detail": "ระบบขัดข้อง กรุณาลองใหม่ภายหลัง / internal error; please try again",
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

    api = APIRouter(prefix="/api")

    class Login(BaseModel):
        email: str = Field(max_length=320)
        password: str = Field(max_length=200)

    @api.post("/login", summary="Sign in (demo mode only: password demo)")
    async def login(body: Login, request: Request) -> dict[str, Any]:
        """A session token for `Authorization: Bearer`: opaque, ended by /api/logout or when
        the official leaves, and carrying no role a revocation would not reach."""
        if not same_origin(request):
            raise CrossSite()
        session, who = await portal.sign_in(body.email, body.password, address_of(request))
        return {"token": session.session_id, "official_id": who["official_id"]}

    @api.post("/logout", summary="End this session at once")
    async def api_logout(c: Authed) -> dict[str, Any]:
        if c.session is not None:
            await portal.sessions.close(c.session.session_id)
        return {"signed_out": True}

    class Grant(BaseModel):
        official_id: str = Field(max_length=64)
        role: Literal[
            "supervisor", "hr_officer", "it_support", "auditor", "system_admin", "head_of_agency"
        ]
        agency_code: str = Field(max_length=64)
        valid_from: datetime | None = None
        valid_to: datetime | None = None

    @api.post("/identity/grants", status_code=201)
    async def grant_role(body: Grant, c: Authed) -> dict[str, Any]:
        """Grant a role (the head of agency, or the administrator the head appointed; never to
        oneself)."""
        return await portal.ask_as(
            c.token,
            "identity",
            "grant_role",
            body.model_dump(mode="json", exclude_none=True),
            c.lang,
        )

    @api.get("/identity/grants")
    async def list_grants(agency: Annotated[str, Query(max_length=64)], c: Authed) -> Any:
        """The roles granted in an agency and below, in force or to come (the head of agency
        or the administrator)."""
        return await portal.ask_as(
            c.token, "identity", "grants_list", {"agency_code": agency}, c.lang
        )

    @api.delete("/identity/grants/{grant_id}")
    async def revoke_role(grant_id: Annotated[str, PathParam(max_length=64)], c: Authed) -> Any:
        return await portal.ask_as(
            c.token, "identity", "revoke_role", {"grant_id": grant_id}, c.lang
        )

    class Acting(BaseModel):
        official_id: str = Field(max_length=64)
        agency_code: str = Field(max_length=64)
        valid_from: datetime
        valid_to: datetime

    @api.post("/identity/acting-heads", status_code=201)
    async def appoint_acting_head(body: Acting, c: Authed) -> dict[str, Any]:
        """รักษาราชการแทน for a period: the head of agency's act, never HR's."""
        return await portal.ask_as(
            c.token, "identity", "appoint_acting_head", body.model_dump(mode="json"), c.lang
        )

    @api.post("/identity/acting-heads/{grant_id}/end")
    async def end_acting_head(grant_id: Annotated[str, PathParam(max_length=64)], c: Authed) -> Any:
        return await portal.ask_as(
            c.token, "identity", "end_acting_head", {"grant_id": grant_id}, c.lang
        )

    class ActingSupervisor(BaseModel):
        supervisor_id: str = Field(max_length=64, description="The supervisor who is away")
        acting_id: str = Field(max_length=64, description="Who acts for them meanwhile")
        valid_from: datetime
        valid_to: datetime

    @api.post("/identity/acting-supervisors", status_code=201)
    async def appoint_acting_supervisor(body: ActingSupervisor, c: Authed) -> dict[str, Any]:
        """ปฏิบัติหน้าที่แทน while a supervisor is away (issue #19): appointed by one of the
        absent supervisor's own supervisors or the head; the appointee holds the supervisor's
        powers over their staff for the period."""
        return await portal.ask_as(
            c.token, "identity", "appoint_acting_supervisor", body.model_dump(mode="json"), c.lang
        )

    @api.post("/identity/acting-supervisors/{grant_id}/end")
    async def end_acting_supervisor(
        grant_id: Annotated[str, PathParam(max_length=64)], c: Authed
    ) -> Any:
        """End early: by whoever may appoint, or the supervisor on their return."""
        return await portal.ask_as(
            c.token, "identity", "end_acting_supervisor", {"grant_id": grant_id}, c.lang
        )

    @api.post("/identity/officials/{official_id}/deactivate")
    async def deactivate(
        official_id: Annotated[str, PathParam(max_length=64)], c: Authed
    ) -> dict[str, Any]:
        """An official who left: their roles end, and so do their sessions, at once."""
        result = await portal.ask_as(
            c.token, "identity", "deactivate_official", {"official_id": official_id}, c.lang
        )
        result["sessions_ended"] = await portal.sessions.close_all_of(official_id)
        return result

    @api.get("/me")
    async def me(c: Authed) -> dict[str, Any]:
        return {
            "official_id": c.actor.subject,
            "grants": [{"role": g.role.value, "agency": g.agency} for g in c.actor.grants],
        }

    class Start(BaseModel):
        official_id: str | None = Field(default=None, max_length=64)
        selection: Literal["voluntary", "necessity"] = "voluntary"
        necessity_reason: str | None = Field(default=None, max_length=500)

    @api.post("/engagements", status_code=201)
    async def start(
        body: Start,
        c: Authed,
        idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
    ) -> dict[str, Any]:
        """Start an engagement. With an `Idempotency-Key` header, a retry (after a timeout,
        say) returns the engagement the first request made instead of a second one."""
        return await portal.start(
            c.actor,
            c.token,
            body.official_id,
            body.selection,
            body.necessity_reason,
            idempotency_key,
        )

    class Assignment(BaseModel):
        """Assignment for necessity in bulk (issue #19, item 5): a unit (with its sub-units),
        or a list within it, with one agreement template."""

        agency_code: str = Field(max_length=64)
        official_ids: list[str] | None = Field(default=None, max_length=100_000)
        necessity_reason: str = Field(min_length=1, max_length=2000)
        goals: list[Goal] = Field(min_length=1, max_length=20)
        schedule: ScheduleSpec
        work_location: Place = "residence"

    @api.post("/assignments", status_code=202)
    async def assign(
        body: Assignment,
        c: Authed,
        idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
    ) -> dict[str, Any]:
        """Assign a unit or a list for necessity in one action: one engagement each, the
        agreement drafted from the template, everyone notified; those who may not be assigned
        are named with the reason. The engagements start in the background."""
        from services.portal import assignments

        return await assignments.assign(
            portal,
            c.actor,
            c.token,
            c.lang,
            body.agency_code,
            body.official_ids,
            body.necessity_reason,
            AgreementTemplate(
                goals=body.goals, schedule=body.schedule, work_location=body.work_location
            ),
            idempotency_key,
        )

    @api.get("/assignments/{assignment_id}")
    async def assignment_progress(
        assignment_id: Annotated[str, PathParam(max_length=60)], c: Authed
    ) -> dict[str, Any]:
        from services.portal import assignments

        summary = await assignments.progress(portal, c.actor, assignment_id)
        return summary.model_dump(mode="json")

    class BatchDecision(BaseModel):
        issue: bool = True
        reasons: str = Field(default="", max_length=2000)

    @api.post("/assignments/{assignment_id}/order")
    async def order_assignment(
        assignment_id: Annotated[str, PathParam(max_length=60)], body: BatchDecision, c: Authed
    ) -> dict[str, Any]:
        """The head's one decision (one order number) for every engagement of the assignment
        that both parties have agreed so far."""
        from services.portal import assignments

        return await assignments.order(
            portal, c.actor, c.token, assignment_id, body.issue, body.reasons
        )

    @api.get("/engagements")
    async def list_engagements(c: Authed) -> list[dict[str, Any]]:
        return [
            {**e["summary"].model_dump(mode="json"), "mine": e["mine"]}
            for e in await portal.visible(c.actor)
        ]

    @api.get("/engagements/{engagement_id}")
    async def get_engagement(engagement_id: str, c: Authed) -> dict[str, Any]:
        return (await portal.summary(c.actor, engagement_id)).model_dump(mode="json")

    @api.get(
        "/engagements/{engagement_id}/order.pdf",
        response_class=Response,
        responses={200: {"content": {"application/pdf": {}}}},
    )
    async def order_pdf(engagement_id: str, c: Authed) -> Response:
        """The head's order as a Thai official document (issue #17): the unsigned draft of
        the layout; signing and e-saraban come next."""
        pdf = await portal.order_document(c.actor, engagement_id)
        return Response(
            pdf,
            media_type="application/pdf",
            headers={"Content-Disposition": f'inline; filename="order-{engagement_id}.pdf"'},
        )

    def record_pdf(kind: str, what: str) -> None:
        async def get(engagement_id: str, c: Authed) -> Response:
            pdf = await portal.record_document(c.actor, engagement_id, kind)
            return Response(
                pdf,
                media_type="application/pdf",
                headers={"Content-Disposition": f'inline; filename="{kind}-{engagement_id}.pdf"'},
            )

        get.__doc__ = f"{what} as a signed บันทึกข้อความ (issue #17); issued once."
        api.add_api_route(
            f"/engagements/{{engagement_id}}/{kind}.pdf",
            get,
            methods=["GET"],
            name=f"{kind}_pdf",
            response_class=Response,
            responses={200: {"content": {"application/pdf": {}}}},
        )

    class Correspondence(BaseModel):
        letter_id: str = Field(min_length=1, max_length=100)
        status: Literal["sent", "received", "accepted", "rejected", "invalid", "failed"]
        accept_id: str | None = Field(default=None, max_length=100)
        reason: str = Field(default="", max_length=500)

    @api.post("/documents/{document_id}/correspondence", status_code=202)
    async def correspondence(
        document_id: Annotated[str, PathParam(max_length=150)], body: Correspondence, c: Authed
    ) -> dict[str, str]:
        """What became of a document sent through e-saraban (the bridge's service token only;
        docs/esaraban.md). Recorded once per status."""
        await portal.record_correspondence(
            c.actor, document_id, body.status, body.letter_id, body.accept_id, body.reason
        )
        return {"document_id": document_id, "status": body.status}

    record_pdf("agreement", "The current agreement version, once both parties accepted it,")
    record_pdf("termination", "The head's decision to end telework early or recall,")
    record_pdf("assessment", "The final assessment of the goals,")

    @api.post("/engagements/{engagement_id}/actions/{action}")
    async def act(
        engagement_id: str, action: str, body: dict[str, Any], c: Authed
    ) -> dict[str, Any]:
        from pydantic import ValidationError

        try:
            ack = await portal.act(c.actor, c.token, engagement_id, action, body)
        except ValidationError as exc:
            err = exc.errors()[0]
            raise Refused(422, f"{'.'.join(map(str, err['loc']))}: {err['msg']}") from None
        return ack.model_dump(mode="json")

    class Check(BaseModel):
        channel: Literal["web", "mobile", "api"] = "api"
        idempotency_key: str | None = Field(default=None, min_length=8, max_length=100)
        # Never required; kept only where the agency's policy turns location evidence on,
        # and then coarsened to its grid (issue #19).
        latitude: float | None = Field(default=None, ge=-90, le=90)
        longitude: float | None = Field(default=None, ge=-180, le=180)

        def place(self) -> dict[str, float] | None:
            if self.latitude is None or self.longitude is None:
                return None
            return {"latitude": self.latitude, "longitude": self.longitude}

    @api.post("/attendance/check-in")
    async def check_in(body: Check, c: Authed) -> dict[str, Any]:
        return await portal.check(
            c.actor, c.token, "in", body.channel, body.idempotency_key, c.lang, body.place()
        )

    @api.post("/attendance/check-out")
    async def check_out(body: Check, c: Authed) -> dict[str, Any]:
        return await portal.check(
            c.actor, c.token, "out", body.channel, body.idempotency_key, c.lang, body.place()
        )

    @api.get("/inbox")
    async def inbox(c: Authed) -> dict[str, Any]:
        return await portal.inbox(c.token, c.lang)

    @api.post("/inbox/{item_id}/read")
    async def read(item_id: ItemId, c: Authed) -> dict[str, Any]:
        return await portal.mark_read(c.token, item_id, c.lang)

    # Evaluation inputs (issue #18): commutes, defaults, survey, readiness, lessons.
    class Commute(BaseModel):
        official_id: str | None = Field(default=None, max_length=64, description="Default: you")
        km_one_way: float = Field(ge=0, le=500)
        minutes_one_way: float = Field(ge=0, le=600)
        mode: Mode
        baht_one_way: float | None = Field(default=None, ge=0, le=10_000)

    @api.post("/evaluation/commute", status_code=201)
    async def record_commute(body: Commute, c: Authed) -> dict[str, Any]:
        """Your commute (or, for HR, an official's): home–office distance, time and mode, for
        the benefits of §12."""
        from services.portal import evaluation

        fields = body.model_dump(exclude={"official_id"})
        return await evaluation.record_commute(
            portal, c.actor, c.token, c.lang, body.official_id or c.actor.subject, fields
        )

    class CommuteDefaults(BaseModel):
        agency_code: str = Field(max_length=64)
        km_one_way: float = Field(ge=0, le=500)
        minutes_one_way: float = Field(ge=0, le=600)
        mode: Mode
        baht_per_km: float = Field(ge=0, le=100)
        emission_g_per_km: dict[Mode, float] = Field(default_factory=dict)

    @api.post("/evaluation/commute-defaults", status_code=201)
    async def commute_defaults(body: CommuteDefaults, c: Authed) -> dict[str, Any]:
        """The agency's defaults for officials who recorded no commute (head or HR)."""
        from services.portal import evaluation

        fields = body.model_dump(exclude={"agency_code"})
        return await evaluation.set_defaults(
            portal, c.actor, c.token, c.lang, body.agency_code, fields
        )

    class Desks(BaseModel):
        agency_code: str = Field(max_length=64)
        desks: int = Field(ge=1, le=1_000_000)

    @api.post("/evaluation/desks", status_code=201)
    async def set_desks(body: Desks, c: Authed) -> dict[str, Any]:
        """The desks at the agency's office, for office density (§12): head or HR."""
        from services.portal import evaluation

        return await evaluation.set_desks(portal, c.actor, c.lang, body.agency_code, body.desks)

    class SickLeaveRow(BaseModel):
        official_id: str = Field(max_length=64)
        days: float = Field(ge=0, le=366)

    class SickLeave(BaseModel):
        fiscal_year: int = Field(ge=2533, le=2743)
        rows: list[SickLeaveRow] = Field(min_length=1, max_length=5000)

    @api.post("/evaluation/sick-leave", status_code=201)
    async def record_sick_leave(body: SickLeave, c: Authed) -> dict[str, Any]:
        """HR: sick-leave days per official for a fiscal year (B.E.), for absence (§12)."""
        from services.portal import evaluation

        rows = {r.official_id: r.days for r in body.rows}
        if len(rows) != len(body.rows):
            raise Refused(422, "ข้าราชการซ้ำ / an official appears twice")
        return await evaluation.record_sick_leave(portal, c.actor, body.fiscal_year, rows)

    @api.post("/evaluation/sick-leave/import", status_code=201)
    async def import_sick_leave(
        c: Authed,
        fiscal_year: Annotated[int, Form(ge=2533, le=2743)],
        file: UploadFile,
    ) -> dict[str, Any]:
        """HR: the same from a file exported by the HR system (CSV `official_id,days`, UTF-8
        or Windows-874)."""
        from services.portal import evaluation

        name = file.filename or "sick-leave.csv"
        rows = evaluation.sick_leave_rows(export_text(await read_upload(file), name), name)
        return await evaluation.record_sick_leave(portal, c.actor, fiscal_year, rows)

    @api.get("/notification-preferences")
    async def get_notification_preferences(c: Authed) -> dict[str, Any]:
        """How you are told: e-mail, the inbox, a daily digest of e-mails."""
        return await portal.ask_as(c.token, "notification", "preferences", {}, c.lang)

    @api.put("/notification-preferences")
    async def put_notification_preferences(body: SetPreferences, c: Authed) -> dict[str, Any]:
        """Your own choice (at least e-mail or the inbox stays on)."""
        return await portal.ask_as(
            c.token, "notification", "set_preferences", body.model_dump(), c.lang
        )

    @api.get("/evaluation/survey")
    async def survey_questions(c: Authed) -> dict[str, Any]:
        """This year's satisfaction survey for you (officials' or supervisors' questions)."""
        from services.portal import evaluation

        respondent = evaluation.respondent_of(c.actor)
        asked = evaluation.questions_for(respondent)
        pick = 0 if c.lang == "th" else 1
        return {
            "respondent": respondent,
            "scale": "1–5",
            "questions": {q: texts[pick] for q, texts in asked.items()},
        }

    class SurveyAnswers(BaseModel):
        fiscal_year: int = Field(ge=2533, le=2743, description="B.E., e.g. 2570")
        answers: dict[str, int]

    @api.post("/evaluation/survey", status_code=201)
    async def answer_survey(body: SurveyAnswers, c: Authed) -> dict[str, Any]:
        """Anonymous: the event names your agency and role, never you; once a year."""
        from services.portal import evaluation

        return await evaluation.answer_survey(
            portal, c.actor, c.lang, body.fiscal_year, body.answers
        )

    class Readiness(BaseModel):
        agency_code: str = Field(max_length=64)
        items: dict[str, ReadinessItem] = Field(min_length=1)

    @api.post("/evaluation/readiness", status_code=201)
    async def record_readiness(body: Readiness, c: Authed) -> dict[str, Any]:
        """The agency's technology readiness (§8.1), item by item with evidence and date."""
        from services.portal import evaluation

        return await evaluation.record_readiness(
            portal, c.actor, c.token, c.lang, body.agency_code, body.items
        )

    class Lessons(BaseModel):
        agency_code: str = Field(max_length=64)
        fiscal_year: int = Field(ge=2533, le=2743)
        problems: str = Field(max_length=8000)
        lessons: str = Field(max_length=8000)
        decision: Literal["continue", "change"]

    @api.post("/evaluation/lessons", status_code=201)
    async def record_lessons(body: Lessons, c: Authed) -> dict[str, Any]:
        """Problems, lessons and the decision to continue or change the policy (§9.3.3)."""
        from services.portal import evaluation

        fields = body.model_dump(exclude={"agency_code"})
        return await evaluation.record_lessons(
            portal, c.actor, c.token, c.lang, body.agency_code, fields
        )

    @api.get("/evaluation/report")
    async def evaluation_report(
        agency: str, fiscal_year: int, c: Authed, roll_up: bool = False
    ) -> dict[str, Any]:
        """The yearly evaluation from the audit chain (head, HR, auditors): JSON with the
        issue's keys, plus by month and by division; rolled up, each direct sub-agency too."""
        from services.portal import evaluation

        return {
            "reports": await evaluation.reports(
                portal, c.token, c.lang, agency, fiscal_year, roll_up
            )
        }

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
        responses={200: {"content": {"application/json": {}, "text/csv": {}}}},
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

    @api.get("/identity/eligibility")
    async def eligibility(agency: str, c: Authed) -> dict[str, Any]:
        return await portal.ask_as(
            c.token, "identity", "eligibility_list", {"agency_code": agency}, c.lang
        )

    class PolicyIn(BaseModel):
        agency_code: str = Field(max_length=64)
        document: dict[str, Any]

    @api.post("/identity/policies", status_code=201)
    async def publish_policy(body: PolicyIn, c: Authed) -> dict[str, Any]:
        return await portal.ask_as(c.token, "identity", "publish_policy", body.model_dump(), c.lang)

    @api.post("/identity/import")
    async def import_hr_file(
        c: Authed, files: list[UploadFile], partial: bool = False, preview: bool = False
    ) -> dict[str, Any]:
        """The HR export (CSV files, see docs/identity.md); nothing is imported on error
        unless `partial`; `preview` checks every row and counts what would change, and
        changes nothing."""
        texts = {}
        for f in files[:4]:
            texts[f.filename or "file.csv"] = export_text(await read_upload(f), f.filename)
        return await portal.ask_as(
            c.token,
            "identity",
            "import_csv",
            {"files": texts, "partial": partial, "preview": preview},
            c.lang,
            IMPORT_WAIT_S,
        )

    class Batch(BaseModel):
        engagement_ids: list[str] = Field(min_length=1, max_length=500)

    @api.post("/orders/batch")
    async def batch(body: Batch, c: Authed) -> dict[str, Any]:
        return await portal.batch_order(c.actor, c.token, body.engagement_ids)

    @api.get("/audit/status")
    async def audit_status(c: Authed) -> dict[str, Any]:
        return await portal.ask_as(c.token, "audit", "status", {}, c.lang)

    @api.get("/audit/history")
    async def audit_history(
        c: Authed,
        engagement_id: str | None = None,
        official_id: str | None = None,
        agency: str | None = None,
        start: Annotated[str | None, Query(alias="from")] = None,
        end: Annotated[str | None, Query(alias="to")] = None,
    ) -> dict[str, Any]:
        """Replay for auditors (R-INT-2): by engagement, official or agency, within a period
        (dd/mm/B.E. or ISO days, Bangkok); each question is itself recorded in the chain."""
        return await audit_history_of(portal, c, engagement_id, official_id, agency, start, end)

    class Help(BaseModel):
        topic: str = Field(min_length=1, max_length=200)
        detail: str = Field(min_length=1, max_length=4000)

    @api.post("/support", status_code=201)
    async def support(body: Help, c: Authed) -> dict[str, Any]:
        agency = next((g.agency for g in c.actor.grants if g.role.value == "official"), None)
        if agency is None:
            raise Refused(403, "only officials ask for help here")
        return {"request_id": await portal.ask_for_help(c.actor, agency, body.topic, body.detail)}

    desk = SupportDesk(backends.sessions)

    @api.get("/support")
    async def support_queue(
        c: Authed, status: Literal["open", "taken", "closed"] | None = None
    ) -> dict[str, Any]:
        """IT support: the help requests of the agencies they serve, newest first; anyone
        else: their own, with the answers (R-MON-3)."""
        return {"requests": [r.as_json() for r in await desk.visible(c.actor, status)]}

    class HelpAnswer(BaseModel):
        text: str = Field(min_length=1, max_length=4000)

    class HelpClosing(BaseModel):
        resolution: str = Field(default="", max_length=4000)

    @api.post("/support/{request_id}/take")
    async def take_help(request_id: str, c: Authed) -> dict[str, Any]:
        return (await desk.take(c.actor, request_id)).as_json()

    @api.post("/support/{request_id}/reply")
    async def reply_help(request_id: str, body: HelpAnswer, c: Authed) -> dict[str, Any]:
        return (await desk.reply(c.actor, request_id, body.text)).as_json()

    @api.post("/support/{request_id}/close")
    async def close_help(request_id: str, body: HelpClosing, c: Authed) -> dict[str, Any]:
        return (await desk.close(c.actor, request_id, body.resolution)).as_json()

    app.include_router(api)
    add_pages(app, portal, caller, backends)
    return app


def add_pages(app: FastAPI, portal: Portal, caller: Any, backends: Backends) -> None:
    previews = ImportPreviews(backends.sessions)

    def page(request: Request, name: str, **ctx: Any) -> HTMLResponse:
        lang = lang_of(request)
        return templates.TemplateResponse(
            request,
            name,
            {
                "lang": lang,
                "t": lambda k: t(k, lang),
                "state_name": lambda s: state_name(s, lang),
                "show_date": lambda d: show_date(d, lang),
                "event_text": lambda name: event_text(name, lang),
                "type_text": lambda event_type: type_text(event_type, lang),
                "allowance": lambda status: allowance_text(status, lang),
                "rule_text": lambda rule: rule_text(rule, lang),
                "weekday_names": list(
                    enumerate(
                        ["จ.", "อ.", "พ.", "พฤ.", "ศ."]
                        if lang == "th"
                        else ["Mon", "Tue", "Wed", "Thu", "Fri"]
                    )
                ),
                # Dates in forms as Thai people write them: day/month/B.E. year.
                "be_day": lambda d: f"{d.day:02d}/{d.month:02d}/{d.year + 543}",
                **ctx,
            },
        )

    async def shown_once(c: Caller) -> dict[str, Any]:
        """The message a form left for the next page (from the session, never the address),
        shown once; and the session's CSRF token for the page's forms."""
        flash = c.session.flash if c.session is not None else None
        if c.session is not None and flash:
            await portal.sessions.set_flash(c.session.session_id, None)
        failed = bool(flash and flash.startswith("!"))
        status, _, reason = (flash or "")[1:].partition("|")
        return {
            "msg": flash if flash and not failed else None,
            "error": reason if failed else None,
            "error_status": status if failed else None,
            "csrf": c.session.csrf if c.session is not None else "",
        }

    @app.get("/", include_in_schema=False)
    async def root() -> RedirectResponse:
        return RedirectResponse("/home", status_code=303)

    @app.get("/login", include_in_schema=False)
    async def login_page(request: Request) -> HTMLResponse:
        return login_form_page(request, None)

    def login_form_page(request: Request, error: str | None, status: int = 200) -> HTMLResponse:
        # Sign-in has its own CSRF token (double submit): there is no session to hold one yet.
        token = secrets.token_urlsafe(24)
        response = page(
            request,
            "login.html",
            error=error,
            csrf=token,
            demo=backends.demo_login,
            oidc=backends.oidc is not None,
        )
        response.status_code = status
        response.set_cookie(
            LOGIN_CSRF,
            token,
            httponly=True,
            samesite="strict",
            secure=secure_request(request, backends.secure_cookies),
            max_age=3600,
        )
        return response

    @app.post("/login", include_in_schema=False)
    async def login_form(
        request: Request,
        email: Annotated[str, Form(max_length=320)],
        password: Annotated[str, Form(max_length=200)],
        csrf: Annotated[str, Form(max_length=100)] = "",
    ) -> Response:
        if forged(request, request.cookies.get(LOGIN_CSRF, ""), csrf):
            return login_form_page(request, t("csrf_refused", lang_of(request)), 403)
        try:
            session, _ = await portal.sign_in(email, password, address_of(request))
        except Refused as exc:
            refusal = login_form_page(request, exc.reason, exc.status)
            if exc.retry_after:
                refusal.headers["Retry-After"] = str(exc.retry_after)
            return refusal
        return signed_in(request, session)

    def signed_in(request: Request, session: Session) -> Response:
        response = RedirectResponse("/home", status_code=303)
        response.set_cookie(
            COOKIE,
            session.session_id,
            httponly=True,
            samesite="lax",
            secure=secure_request(request, backends.secure_cookies),
        )
        response.delete_cookie(LOGIN_CSRF)
        response.delete_cookie(OIDC_STATE, path="/login/oidc")
        return response

    @app.get("/login/oidc", include_in_schema=False)
    async def oidc_begin(request: Request) -> Response:
        """To the agency's identity provider (code + PKCE, services/portal/oidc.py)."""
        lang = lang_of(request)
        if backends.oidc is None:
            return login_form_page(request, t("oidc_not_set_up", lang), 404)
        try:
            url, state = await backends.oidc.begin(clock.now())
        except SignInFailed as exc:
            log.warning("OIDC sign-in could not start: %s", exc.detail)
            return login_form_page(request, t(exc.key, lang), exc.status)
        response = RedirectResponse(url, status_code=303)
        # Lax: the provider sends the browser back with a top-level GET, which carries it.
        response.set_cookie(
            OIDC_STATE,
            state,
            httponly=True,
            samesite="lax",
            secure=secure_request(request, backends.secure_cookies),
            max_age=int(PENDING_TTL.total_seconds()),
            path="/login/oidc",
        )
        return response

    @app.get("/login/oidc/callback", include_in_schema=False)
    async def oidc_callback(
        request: Request,
        state: Annotated[str, Query(max_length=200)] = "",
        code: Annotated[str, Query(max_length=4000)] = "",
        error: Annotated[str, Query(max_length=200)] = "",
    ) -> Response:
        lang = lang_of(request)
        if backends.oidc is None:
            return login_form_page(request, t("oidc_not_set_up", lang), 404)
        bound = request.cookies.get(OIDC_STATE, "")
        try:
            if error or not code:  # the person declined, or the provider refused
                raise SignInFailed("oidc_refused", 400, f"provider said {error or 'no code'}")
            who = await backends.oidc.finish(state, bound, code, clock.now())
            session, _ = await portal.sign_in_as(who.value, backends.oidc.settings.match)
        except SignInFailed as exc:
            log.info("OIDC sign-in refused: %s", exc.detail)  # no claim values: no personal data
            return login_form_page(request, t(exc.key, lang), exc.status)
        except Refused as exc:
            return login_form_page(request, exc.reason, exc.status)
        return signed_in(request, session)

    @app.post("/logout", include_in_schema=False)
    async def logout(request: Request) -> Response:
        with contextlib.suppress(Refused):
            c = await caller(request)
            if c.session is not None:
                await portal.sessions.close(c.session.session_id)
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(COOKIE)
        return response

    @app.get("/lang/{lang}", include_in_schema=False)
    async def switch(lang: Literal["th", "en"]) -> Response:
        response = RedirectResponse("/home", status_code=303)
        response.set_cookie("lang", lang, samesite="lax", max_age=365 * 86400)
        return response

    async def done(c: Caller, message: str, back: str | None = None) -> Response:
        """Back to the home page — or to the engagement page the form was on — which shows
        `message` once (from the session, not the URL)."""
        if c.session is not None:
            await portal.sessions.set_flash(c.session.session_id, message)
        return RedirectResponse(back if back and ENGAGEMENT_PAGE.fullmatch(back) else "/home", 303)

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
            str(form.get("necessity_reason", "")).strip()[:2000] or "-",
            template,
            str(form.get("request_key") or "") or None,
        )
        refused = "; ".join(f"{k}: {v}" for k, v in list(result["refused"].items())[:10])
        return await done(
            c,
            f"{result['assignment_id']}: {result['assigned']}"
            + (f" — {refused}" if refused else ""),
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
        body = {k: form.get(k) == "on" for k in ("email", "inbox", "daily_digest")}
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
        from contracts.events.evaluation import ReadinessItem
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

    @app.post("/ui/batch", include_in_schema=False)
    async def ui_batch(request: Request) -> Response:
        c = await caller(request)
        ids = [str(v) for v in (await request.form()).getlist("engagement_id")]
        if not ids:
            raise Refused(422, "เลือกอย่างน้อยหนึ่งเรื่อง / choose at least one")
        answers = await portal.batch_order(c.actor, c.token, ids)
        numbers = {a["detail"]["order_number"] for a in answers.values() if "detail" in a}
        return await done(c, ", ".join(sorted(numbers)) or "-")

    @app.post("/ui/import", include_in_schema=False)
    async def ui_import(request: Request) -> Response:
        """HR's import, first as a preview (issue #16): each file's encoding as detected, every
        refused row with its reason, and what would change — nothing applied until HR confirms
        the very files previewed."""
        c = await caller(request)
        form = await request.form()
        texts, encodings = {}, {}
        for f in form.getlist("files"):
            if isinstance(f, str) or not f.filename:
                continue
            texts[f.filename], encodings[f.filename] = read_export(await read_upload(f), f.filename)
        if not texts:
            raise Refused(422, "กรุณาเลือกไฟล์ / choose the files to import")
        result = await portal.ask_as(
            c.token,
            "identity",
            "import_csv",
            {"files": texts, "partial": False, "preview": True},
            c.lang,
            IMPORT_WAIT_S,
        )
        preview_id = None if result["errors"] else await previews.keep(c.actor, texts)
        return page(
            request,
            "import.html",
            me=c.actor,
            encodings=encodings,
            result=result,
            preview_id=preview_id,
            csrf=c.session.csrf if c.session is not None else "",
        )

    @app.post("/ui/import/{preview_id}/apply", include_in_schema=False)
    async def ui_import_apply(request: Request, preview_id: str) -> Response:
        """Import the files HR previewed, as they were previewed (kept 30 minutes, for the
        one who previewed them); checked again by identity as it imports."""
        c = await caller(request)
        if not {g.role.value for g in c.actor.grants} & {"hr_officer", "system_admin"}:
            raise Refused(403, "การนำเข้าเป็นงานของฝ่ายบุคคล / importing is HR's")
        texts = await previews.take(c.actor, preview_id)
        result = await portal.ask_as(
            c.token,
            "identity",
            "import_csv",
            {"files": texts, "partial": False},
            c.lang,
            IMPORT_WAIT_S,
        )
        if result["errors"]:  # the directory changed since the preview
            first = result["errors"][0]
            raise Refused(422, f"{len(result['errors'])} ✗ — {first['where']}: {first['reason']}")
        counts = ", ".join(f"{k} {v}" for k, v in sorted(result["counts"].items()))
        return await done(c, f"{t('imported', c.lang)}: {counts}")

    @app.post("/ui/help", include_in_schema=False)
    async def ui_help(request: Request) -> Response:
        c = await caller(request)
        form = await request.form()
        agency = next((g.agency for g in c.actor.grants if g.role.value == "official"), "")
        rid = await portal.ask_for_help(
            c.actor, agency, str(form.get("topic") or "-"), str(form.get("detail") or "-")
        )
        return await done(c, f"{t('help_sent', c.lang)}: {rid}")

    @app.post("/ui/inbox/{item_id}/read", include_in_schema=False)
    async def ui_read(request: Request, item_id: ItemId) -> Response:
        c = await caller(request)
        await portal.mark_read(c.token, item_id, c.lang)
        return await done(c, "")

    @app.post("/ui/policy", include_in_schema=False)
    async def ui_policy(request: Request) -> Response:
        c = await caller(request)
        form = await request.form()
        effective = str(form.get("effective_from") or "")
        agency = str(form.get("agency_code") or "")[:64]
        changes = {
            "effective_from": parse_day(effective).isoformat(),
            "report_cadence_days": whole_number(form.get("cadence", 7), "cadence", 1, 90),
            "grace_period_days": whole_number(form.get("grace", 2), "grace", 0, 30),
            "max_days_per_week": whole_number(form.get("per_week", 2), "per_week", 1, 5),
        }
        if form.get("rule_set") is not None:  # the form's rule-set part (issue #19)
            changes |= {
                "rule_set": "pmo-2565" if form.get("rule_set") == "pmo-2565" else "onde-manual",
                "work_locations": [],  # every place the rule set names
                "min_office_days_per_week": whole_number(
                    form.get("min_office_days") or 0, "min_office_days", 0, 4
                ),
                "request_notice_working_days": whole_number(
                    form.get("notice_days") or 0, "notice_days", 0, 30
                ),
                "half_days": form.get("half_days") == "on",
                "location_evidence": "optional" if form.get("location_evidence") else "off",
            }
        # The form edits the policy in force: what it does not show (category overrides, extra
        # holidays…) is kept, never silently dropped (issue #16).
        try:
            current = await portal.ask_as(
                c.token, "identity", "policy_in_force", {"agency_code": agency}, c.lang
            )
            doc = {**current["document"], **changes}
        except Refused as exc:
            if exc.status != 404:
                raise
            doc = changes  # the agency's first policy
        result = await portal.ask_as(
            c.token,
            "identity",
            "publish_policy",
            {"agency_code": agency, "document": doc},
            c.lang,
        )
        return await done(c, f"{t('policy_published', c.lang)} v{result['version']}")

    @app.post("/ui/officials/{official_id}/deactivate", include_in_schema=False)
    async def ui_deactivate(request: Request, official_id: str) -> Response:
        """HR: an official who left (issue #14). The box must be ticked: it cannot be undone
        from the page."""
        c = await caller(request)
        form = await request.form()
        if form.get("confirm") != "on":
            raise Refused(422, t("confirm_left", c.lang))
        await portal.ask_as(
            c.token, "identity", "deactivate_official", {"official_id": official_id[:64]}, c.lang
        )
        return await done(c, f"{t('deactivated', c.lang)}: {official_id[:64]}")

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

    @app.get("/ui/roles", include_in_schema=False)
    async def roles_page(request: Request) -> Response:
        """Role administration (issue #16): the roles granted in the agency and below, a role
        granted or revoked, an acting head appointed or ended — the head of agency's (or the
        administrator's) acts, under identity's separation of duties (never to oneself)."""
        c = await caller(request)
        own = next(
            (
                g.agency
                for g in c.actor.grants
                if g.role.value in ("head_of_agency", "system_admin")
            ),
            "",
        )
        agency = request.query_params.get("agency") or own
        if not agency:
            raise Refused(403, "การมอบบทบาทเป็นของหัวหน้าส่วนราชการ / granting roles is the head's")
        found = await portal.ask_as(
            c.token, "identity", "grants_list", {"agency_code": agency}, c.lang
        )
        return page(
            request,
            "roles.html",
            me=c.actor,
            agency=agency,
            grants=found["grants"],
            grantable=["supervisor", "hr_officer", "it_support", "auditor", "system_admin"],
            **await shown_once(c),
        )

    @app.post("/ui/roles/{action}", include_in_schema=False)
    async def ui_roles(request: Request, action: str) -> Response:
        c = await caller(request)
        form = {k: str(v) for k, v in (await request.form()).items()}
        agency = form.get("agency_code", "")

        def instant(field: str) -> str:
            day = parse_day(form.get(field, ""))
            return datetime(day.year, day.month, day.day, tzinfo=BANGKOK).isoformat()

        if action == "grant":
            body: dict[str, Any] = {
                "official_id": form.get("official_id", ""),
                "role": form.get("role", ""),
                "agency_code": agency,
            }
            if form.get("valid_to"):
                body["valid_to"] = instant("valid_to")
            command = "grant_role"
        elif action == "revoke":
            body, command = {"grant_id": form.get("grant_id", "")}, "revoke_role"
        elif action == "acting_head":
            body = {
                "official_id": form.get("official_id", ""),
                "agency_code": agency,
                "valid_from": instant("valid_from"),
                "valid_to": instant("valid_to"),
            }
            command = "appoint_acting_head"
        elif action == "end_acting_head":
            body, command = {"grant_id": form.get("grant_id", "")}, "end_acting_head"
        else:
            raise Refused(404, f"ไม่มีคำสั่ง {action} / no such action")
        await portal.ask_as(c.token, "identity", command, body, c.lang)
        if c.session is not None:
            await portal.sessions.set_flash(c.session.session_id, t("saved", c.lang))
        return RedirectResponse(f"/ui/roles?agency={quote(agency)}" if agency else "/ui/roles", 303)

    @app.get("/ui/meetings", include_in_schema=False)
    async def meetings_page(request: Request) -> Response:
        """Meeting secretaries (issue #16): plan an electronic meeting and have it checked
        against the law of its day; then record who joined and check it as held."""
        c = await caller(request)
        managing = ("supervisor", "head_of_agency", "hr_officer")
        own = next((g.agency for g in c.actor.grants if g.role.value in managing), "")
        return page(
            request,
            "meetings.html",
            me=c.actor,
            agency=own,
            suggested=f"MTG-{clock.today().isoformat()}-{uuid.uuid4().hex[:4].upper()}",
            today=clock.today(),
            result=None,
            meeting_id=None,
            **await shown_once(c),
        )

    @app.post("/ui/meetings/{step}", include_in_schema=False)
    async def ui_meetings(request: Request, step: str) -> Response:
        c = await caller(request)
        form = {k: str(v) for k, v in (await request.form()).items()}
        if step != "plan":
            raise Refused(404, f"ไม่มีคำสั่ง {step} / no such step")
        day = parse_day(form.get("day", ""))
        hour, _, minute = (form.get("time") or "09:00").partition(":")
        try:
            starts = datetime(
                day.year, day.month, day.day, int(hour), int(minute or 0), tzinfo=BANGKOK
            )
            total = int(form.get("members_total") or 0)
        except ValueError:
            raise Refused(
                422, "เวลาหรือจำนวนกรรมการไม่ถูกต้อง / a time or a count is not a number"
            ) from None
        body = {
            "meeting_id": form.get("meeting_id", ""),
            "agency": form.get("agency", ""),
            "title": form.get("title", ""),
            "starts_at": starts.isoformat(),
            "meeting": meeting_facts(form, total),
        }
        result = await portal.ask_as(c.token, "meetings", "plan", body, c.lang)
        return await meeting_result(request, c, form.get("meeting_id", ""), result)

    @app.post("/ui/meetings/{meeting_id}/{step}", include_in_schema=False)
    async def ui_meeting_step(request: Request, meeting_id: str, step: str) -> Response:
        c = await caller(request)
        form = {k: str(v) for k, v in (await request.form()).items()}
        if step == "attendance":
            mode = form.get("mode", "remote")
            body: dict[str, Any] = {
                "meeting_id": meeting_id,
                "member": form.get("member", ""),
                "action": form.get("action", "joined"),
                "mode": mode,
                "in_kingdom": form.get("abroad") != "on",
                "av_continuous": form.get("av_continuous") == "on",
            }
            if mode == "in_person":
                body["venue"] = form.get("venue") or None
            await portal.ask_as(c.token, "meetings", "record_attendance", body, c.lang)
            result = None
        elif step == "check":
            result = await portal.ask_as(
                c.token, "meetings", "check", {"meeting_id": meeting_id, "phase": "after"}, c.lang
            )
        else:
            raise Refused(404, f"ไม่มีคำสั่ง {step} / no such step")
        return await meeting_result(request, c, meeting_id, result)

    async def meeting_result(
        request: Request, c: Caller, meeting_id: str, result: dict[str, Any] | None
    ) -> Response:
        return page(
            request,
            "meetings.html",
            me=c.actor,
            agency="",
            suggested="",
            today=clock.today(),
            result=result,
            meeting_id=meeting_id,
            **await shown_once(c),
        )

    @app.get("/ui/staff", include_in_schema=False)
    async def staff_page(request: Request) -> Response:
        """A supervisor's staff (issue #16): each official in their chain (or acted for) with
        their eligibility in words and their open case — its state, reports late or missing —
        linking the case's page. Identity decides who is one's staff."""
        c = await caller(request)
        roles = {g.role.value for g in c.actor.grants}
        if "supervisor" not in roles:
            raise Refused(403, "หน้านี้สำหรับผู้บังคับบัญชา / for supervisors")
        agency = next(g.agency for g in c.actor.grants if g.role.value == "supervisor")
        found = await portal.ask_as(
            c.token, "identity", "eligibility_list", {"agency_code": agency}, c.lang
        )
        cases: dict[str, dict[str, Any]] = {}
        for item in await portal.visible(c.actor):
            if not is_closed(item):
                cases.setdefault(item["official_id"], item)
        staff = [o for o in found["officials"] if o["official_id"] != c.actor.subject]
        return page(
            request,
            "staff.html",
            me=c.actor,
            staff=staff,
            cases=cases,
            **await shown_once(c),
        )

    @app.get("/ui/dashboard", include_in_schema=False)
    async def dashboard_page(request: Request) -> Response:
        """The agency dashboard (issue #16): for the head or acting head and HR, over the
        cases they may read — who teleworks today, cases by state, late and missing reports,
        by division and in all."""
        from services.portal.dashboard import dashboard

        c = await caller(request)
        roles = {g.role.value for g in c.actor.grants}
        if not roles & {"head_of_agency", "hr_officer"}:
            raise Refused(403, "แดชบอร์ดสำหรับหัวหน้าส่วนราชการและฝ่ายบุคคล / for the head and HR")
        board = dashboard(await portal.visible(c.actor), clock.today())
        return page(
            request,
            "dashboard.html",
            me=c.actor,
            board=board,
            total=board.total,
            states=list(STATES),
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

    @app.get("/ui/ledger", include_in_schema=False)
    async def ledger_page(request: Request) -> Response:
        """The attendance ledger as a page (issue #16): a period and an agency (or one
        official), the rows as a table, and the same as CSV for Excel."""
        c = await caller(request)
        q = request.query_params
        own = next((g.agency for g in c.actor.grants if g.role.value != "service"), "")
        today = clock.today()
        agency = q.get("agency") or own
        start = q.get("from") or f"01/{today.month:02d}/{today.year + 543}"
        end = q.get("to") or f"{today.day:02d}/{today.month:02d}/{today.year + 543}"
        roles = {g.role.value for g in c.actor.grants}
        # An official with no other role reads only their own rows.
        official = q.get("official_id") or (c.actor.subject if roles == {"official"} else None)
        rows: list[list[str]] | None = None
        headers: list[str] = []
        error = None
        if q.get("agency"):
            try:
                answer = await ledger_response(portal, c, agency, start, end, official, "json")
                found = json.loads(bytes(answer.body))
                rows, headers = found["cells"], found["headers"]
            except Refused as exc:
                if exc.status in (401, 403):
                    raise  # as every page: back home with the reason
                error = exc.reason  # a date that cannot be read: said beside the form
        return page(
            request,
            "ledger.html",
            me=c.actor,
            agency=agency,
            start=start,
            end=end,
            official=official or "",
            rows=rows,
            headers=headers,
            error=error,
            csrf=c.session.csrf if c.session is not None else "",
        )

    @app.get("/ui/engagements/{engagement_id}", include_in_schema=False)
    async def engagement_page(request: Request, engagement_id: str) -> Response:
        """One engagement on its own page (issue #16): its card with the actions the caller may
        take, the telework days as a B.E. calendar, each report with its text and review, the
        assessment goal by goal. Whoever may read the engagement may open it."""
        from services.portal.telework_calendar import month_grids

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
            assessed=[(goals.get(a.goal_id), a) for a in s.assessments],
            back=f"/ui/engagements/{engagement_id}",
            today=date.today(),
            **await shown_once(c),
        )


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


async def audit_history_of(
    portal: Portal,
    c: Caller,
    engagement_id: str | None,
    official_id: str | None,
    agency: str | None,
    start: str | None,
    end: str | None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        k: v
        for k, v in (
            ("engagement_id", engagement_id),
            ("official_id", official_id),
            ("agency", agency),
        )
        if v
    }
    if start:  # from the start of that day in Bangkok …
        first = parse_day(start)
        body["start"] = datetime(first.year, first.month, first.day, tzinfo=BANGKOK).isoformat()
    if end:  # … to the end of that day
        last = parse_day(end) + timedelta(days=1)
        body["end"] = datetime(last.year, last.month, last.day, tzinfo=BANGKOK).isoformat()
    return await portal.ask_as(c.token, "audit", "history", body, c.lang, timeout=30)


async def ledger_response(
    portal: Portal,
    c: Caller,
    agency: str,
    start: str,
    end: str,
    official_id: str | None,
    format: str,
) -> Response:
    """The ledger from attendance, asked in the caller's name, as JSON or CSV for Excel."""
    first, last = parse_day(start), parse_day(end)  # a 422 with the reason when unreadable
    body: dict[str, Any] = {
        "agency": agency,
        "start": first.isoformat(),
        "end": last.isoformat(),
        "format": format,
        "lang": c.lang,
    }
    if official_id:
        body["official_id"] = official_id
    try:
        result = await portal.ask_as(c.token, "attendance", "ledger", body, c.lang, timeout=30)
    except Refused as exc:
        # A supervisor reads the rows of their own staff: the chain is identity's to say.
        if exc.status != 403 or not official_id:
            raise
        result = await portal.staff_ledger(c.actor, official_id, body, c.lang)
    if format == "csv":
        name = f"ledger-{agency}-{first.isoformat()}-{last.isoformat()}.csv"
        return Response(
            "\ufeff" + str(result["csv"]),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    return JSONResponse(result)


async def side_panels(
    portal: Portal, c: Caller, roles: set[str], history_of: str | None
) -> dict[str, Any]:
    """Inbox for everyone; eligibility and policy for HR; chain status for auditors. A panel
    whose service does not answer is left out rather than failing the page."""
    out: dict[str, Any] = {
        "inbox": None,
        "prefs": None,
        "eligible": None,
        "chain": None,
        "history": None,
    }
    with contextlib.suppress(Refused):
        out["inbox"] = await portal.inbox(c.token, c.lang)
    with contextlib.suppress(Refused):
        out["prefs"] = await portal.ask_as(c.token, "notification", "preferences", {}, c.lang)
    if "hr_officer" in roles:
        agency = next(g.agency for g in c.actor.grants if g.role.value == "hr_officer")
        out["hr_agency"] = agency
        with contextlib.suppress(Refused):
            out["eligible"] = (
                await portal.ask_as(
                    c.token, "identity", "eligibility_list", {"agency_code": agency}, c.lang
                )
            )["officials"]
    if "auditor" in roles:
        with contextlib.suppress(Refused):
            out["chain"] = await portal.ask_as(c.token, "audit", "status", {}, c.lang)
        if history_of:
            with contextlib.suppress(Refused):
                out["history"] = (
                    await portal.ask_as(
                        c.token, "audit", "history", {"engagement_id": history_of}, c.lang
                    )
                )["events"]
    return out


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
        return {"reasons": form["reasons"], "evidence": [form.get("evidence") or "-"]}
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
                        "result": form.get("result", "achieved"),
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
