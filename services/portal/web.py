"""Plumbing every portal route shares: who is asking (`caller`, `Authed`), the page template
with the user's language, uploads, and the small checks of a browser's request."""

import logging
import re
import secrets
import uuid
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import Depends, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, ConfigDict

from contracts.places import DAY_PART_NAMES, PLACE_NAMES, RULE_SET_NAMES
from contracts.selection import READINESS, TRAITS
from services.portal.actions import CrossSite, Portal, Refused
from services.portal.i18n import (
    allowance_text,
    event_text,
    rule_text,
    show_date,
    state_name,
    t,
    type_text,
)
from services.portal.imports import ImportPreviews
from services.portal.sessions import Session
from services.shared import telemetry
from services.shared.auth import AuthError
from services.shared.authz import Actor

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


async def caller(request: Request) -> Caller:
    """Who is asking, proven: a session (cookie or bearer) the portal holds, or a signed
    token for machine clients. A cookie-borne change must come from our own page."""
    portal: Portal = request.app.state.portal
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
        actor = portal.b.verifier.verify(token)
    except AuthError as exc:
        raise Refused(401, f"ยืนยันตัวตนไม่สำเร็จ / unauthenticated: {exc}") from None
    return Caller(actor, token, lang_of(request), session)


Authed = Annotated[Caller, Depends(caller)]


class Ui:
    """What every page shares: the template with the user's language, the message a form left
    for the next page, and the way back after a form."""

    def __init__(self, portal: Portal) -> None:
        self.portal = portal
        self.previews = ImportPreviews(portal.b.sessions)

    def page(self, request: Request, name: str, **ctx: Any) -> HTMLResponse:
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
                # Forms filled in with an example only in the demo: a real official's report
                # never starts with words they did not write.
                "example": lambda k: t(f"example_{k}", lang) if self.portal.b.demo_login else "",
                **ctx,
            },
        )

    async def shown_once(self, c: Caller) -> dict[str, Any]:
        """The message a form left for the next page (from the session, never the address),
        shown once; and the session's CSRF token for the page's forms."""
        flash = c.session.flash if c.session is not None else None
        if c.session is not None and flash:
            await self.portal.sessions.set_flash(c.session.session_id, None)
        failed = bool(flash and flash.startswith("!"))
        status, _, reason = (flash or "")[1:].partition("|")
        return {
            "msg": flash if flash and not failed else None,
            "error": reason if failed else None,
            "error_status": status if failed else None,
            "csrf": c.session.csrf if c.session is not None else "",
        }

    async def done(self, c: Caller, message: str, back: str | None = None) -> Response:
        """Back to the home page — or to the engagement page the form was on — which shows
        `message` once (from the session, not the URL)."""
        if c.session is not None:
            await self.portal.sessions.set_flash(c.session.session_id, message)
        safe = back if back and ENGAGEMENT_PAGE.fullmatch(back) else "/home"
        return RedirectResponse(safe, 303)


class RequestBody(BaseModel):
    """What every API request body is: a field the API does not know is refused (422 naming
    it), never dropped — a misspelt `latitude` or `necessity_reason` would otherwise be
    accepted as if it had not been sent. The contracts' requests refuse them the same way."""

    model_config = ConfigDict(extra="forbid")


class Problem(BaseModel):
    """The one error shape of the API: the reason in the caller's language (Accept-Language);
    an unexpected error also names the request id that is in the log."""

    detail: str
    request_id: str | None = None


PROBLEMS: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "description": what}
    for status, what in (
        (401, "Not signed in, or the session ended"),
        (403, "Not yours to do (or a cross-site request)"),
        (404, "No such thing, or not yours to see"),
        (409, "Not possible in the engagement's present state"),
        (413, "Too large to take at once"),
        (422, "Invalid input: the reason names the field"),
        (429, "Too many tries: wait as Retry-After says"),
        (500, "Unexpected error: tell IT support the request id"),
        (503, "A service behind the portal is away: try again as Retry-After says"),
    )
}


PAGE, MAX_PAGE = 200, 5_000  # a page's default and largest size


class Page:
    """Pagination of a list the API returns (issue #16, item 5): `?limit=&offset=`, the whole
    count in `X-Total-Count`, and the next page in an RFC 8288 `Link` header. The body stays
    the list itself, so a client that reads one page of a small list needs nothing new."""

    def __init__(
        self,
        request: Request,
        response: Response,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="How many at most")] = PAGE,
        offset: Annotated[int, Query(ge=0, description="How many to skip")] = 0,
    ) -> None:
        self.request, self.response, self.limit, self.offset = request, response, limit, offset
        self.total = 0

    def of(self, items: list[Any]) -> list[Any]:
        for name, value in self._headers(len(items)).items():
            self.response.headers[name] = value
        self.total = len(items)
        return items[self.offset : self.offset + self.limit]

    def headers(self) -> dict[str, str]:
        """The same headers, for a route that answers with a Response of its own."""
        return self._headers(self.total)

    def _headers(self, total: int) -> dict[str, str]:
        found = {"X-Total-Count": str(total)}
        following = self.offset + self.limit
        if following < total:
            url = self.request.url.include_query_params(limit=self.limit, offset=following)
            found["Link"] = f'<{url.path}?{url.query}>; rel="next"'
        return found


Paged = Annotated[Page, Depends(Page)]
