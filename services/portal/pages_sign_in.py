"""Pages to sign in and out: the demo form, the agency's OpenID Connect provider, language."""

import contextlib
import logging
import secrets
from typing import Annotated, Literal

from fastapi import FastAPI, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.portal.actions import Refused
from services.portal.i18n import (
    t,
)
from services.portal.oidc import PENDING_TTL, SignInFailed
from services.portal.sessions import Session
from services.portal.web import (
    COOKIE,
    LOGIN_CSRF,
    OIDC_STATE,
    Ui,
    address_of,
    caller,
    forged,
    lang_of,
    secure_request,
)
from services.shared import clock


def add_routes(app: FastAPI, ui: Ui) -> None:
    log = logging.getLogger(__name__)
    portal = ui.portal
    page = ui.page
    backends = ui.portal.b

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
