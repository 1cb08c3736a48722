"""An agency's OpenID Connect provider for the tests: IdentityPython's pyop (the OpenID Provider
library SATOSA runs on, built on pyoidc) behind a small Starlette app, on a free port.

The protocol — discovery, authorization with PKCE, code exchange with client authentication,
signed ID tokens, userinfo — is pyop's, not ours; this module only gives it HTTP endpoints and a
login form where a test types who signs in. `requests` records what reached the provider (the
PKCE challenge of each authorization request).
"""

import asyncio
import html
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import uvicorn
from Cryptodome.PublicKey import RSA
from jwkest.jwk import RSAKey
from pyop.authz_state import AuthorizationState
from pyop.exceptions import InvalidAuthenticationRequest, OAuthError
from pyop.provider import Provider
from pyop.subject_identifier import HashBasedSubjectIdentifierFactory
from pyop.userinfo import Userinfo
from pyop.util import should_fragment_encode
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from infra.stack import free_port
from tests.support.tls import certificates

CLIENT_ID = "telework-portal"
CLIENT_SECRET = "s3cret-of-the-portal"


@dataclass
class RunningProvider:
    issuer: str
    ca_file: str  # the provider's TLS certificate authority (OpenID Connect requires https)
    provider: Provider
    users: dict[str, dict[str, Any]]
    # Claims pyop puts in the ID token at the code exchange, per user (an employee number).
    id_token_claims: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[dict[str, str]] = field(default_factory=list)
    issued: list[dict[str, Any]] = field(default_factory=list)  # extra claims put in ID tokens

    def extra_claims_for(self, user: str) -> dict[str, Any]:
        claims = dict(self.id_token_claims.get(user, {}))
        self.issued.append(claims)
        return claims


def _headers(request: Request) -> dict[str, str]:
    # pyop looks headers up as written in the RFCs ("Authorization"); Starlette lowers them.
    return {k.title(): v for k, v in request.headers.items()}


def _app(running: RunningProvider) -> Starlette:
    provider = running.provider

    async def discovery(request: Request) -> Response:
        return JSONResponse(provider.provider_configuration.to_dict())

    async def jwks(request: Request) -> Response:
        return JSONResponse(provider.jwks)

    async def authorize(request: Request) -> Response:
        if request.method == "GET":
            query = str(request.url.query)
            running.requests.append(dict(parse_qsl(query)))
            try:
                provider.parse_authentication_request(query, _headers(request))
            except InvalidAuthenticationRequest as exc:
                return HTMLResponse(f"invalid request: {html.escape(str(exc))}", 400)
            return HTMLResponse(
                "<!doctype html><title>Agency SSO</title><form method=post>"
                f'<input type=hidden name=q value="{html.escape(query)}">'
                "<label>User <input name=username></label>"
                "<button id=sso-login>Sign in</button></form>"
            )
        form = await request.form()
        query, user = str(form.get("q", "")), str(form.get("username", ""))
        auth_req = provider.parse_authentication_request(query, _headers(request))
        if user not in running.users:
            return HTMLResponse("unknown user", 401)
        response = provider.authorize(auth_req, user)
        url = response.request(auth_req["redirect_uri"], should_fragment_encode(auth_req))
        return RedirectResponse(url, 303)

    async def token(request: Request) -> Response:
        body = (await request.body()).decode()
        try:
            answer = provider.handle_token_request(
                body,
                _headers(request),
                extra_id_token_claims=lambda user, _: running.extra_claims_for(user),
            )
        except OAuthError as exc:
            return JSONResponse(
                {"error": exc.oauth_error, "error_description": str(exc)}, status_code=400
            )
        except Exception as exc:  # pyop's client-authentication errors
            return JSONResponse(
                {"error": "invalid_client", "error_description": str(exc)}, status_code=401
            )
        return JSONResponse(answer.to_dict())

    async def userinfo(request: Request) -> Response:
        body = (await request.body()).decode()
        try:
            answer = provider.handle_userinfo_request(body, _headers(request))
        except Exception as exc:
            return JSONResponse({"error": "invalid_token", "error_description": str(exc)}, 401)
        return JSONResponse(answer.to_dict())

    return Starlette(
        routes=[
            Route("/.well-known/openid-configuration", discovery),
            Route("/jwks", jwks),
            Route("/authorize", authorize, methods=["GET", "POST"]),
            Route("/token", token, methods=["POST"]),
            Route("/userinfo", userinfo, methods=["GET", "POST"]),
        ]
    )


@contextmanager
def oidc_provider(
    redirect_uri: str, users: dict[str, dict[str, Any]], folder: Path
) -> Iterator[RunningProvider]:
    """A provider on https://127.0.0.1 (its CA in `folder`) that knows one client (the portal,
    confidential, with `redirect_uri`) and `users` (login name → userinfo claims)."""
    port = free_port()
    issuer = f"https://127.0.0.1:{port}"
    pem = certificates(folder)
    provider = Provider(
        RSAKey(key=RSA.generate(2048), alg="RS256", kid="sso-1"),
        {
            "issuer": issuer,
            "authorization_endpoint": issuer + "/authorize",
            "jwks_uri": issuer + "/jwks",
            "token_endpoint": issuer + "/token",
            "userinfo_endpoint": issuer + "/userinfo",
            "scopes_supported": ["openid", "email", "profile"],
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code"],
            "subject_types_supported": ["public"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic"],
            "code_challenge_methods_supported": ["S256"],
            "claims_parameter_supported": True,
        },
        AuthorizationState(HashBasedSubjectIdentifierFactory("salt-of-the-test-provider")),
        {
            CLIENT_ID: {
                "client_secret": CLIENT_SECRET,
                "redirect_uris": [redirect_uri],
                "response_types": ["code"],
                "token_endpoint_auth_method": "client_secret_basic",
            }
        },
        Userinfo(users),
    )
    running = RunningProvider(issuer, str(pem["ca"]), provider, users)
    server = uvicorn.Server(
        uvicorn.Config(
            _app(running),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            ssl_certfile=str(pem["cert"]),
            ssl_keyfile=str(pem["key"]),
        )
    )
    thread = threading.Thread(target=lambda: asyncio.run(server.serve()), daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test OIDC provider did not start")
        time.sleep(0.05)
    try:
        yield running
    finally:
        server.should_exit = True
        thread.join(10)


@contextmanager
def agency_provider(
    stack: Any, users: dict[str, dict[str, Any]], folder: Path
) -> Iterator[RunningProvider]:
    """A provider for the in-process platform of tests/support/stack.py, its portal set up to
    sign in through it (as TELEWORK_OIDC_* would)."""
    from services.portal.oidc import OidcClient

    callback = stack.url + "/login/oidc/callback"
    with oidc_provider(callback, users, folder) as running:
        stack.backends.oidc = OidcClient(settings_for(running, callback), stack.backends.sessions)
        try:
            yield running
        finally:
            stack.backends.oidc = None


def settings_for(running: RunningProvider, redirect_uri: str) -> Any:
    from services.portal.oidc import OidcSettings

    return OidcSettings(
        issuer=running.issuer,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        redirect_uri=redirect_uri,
        ca_file=running.ca_file,
    )


def portal_settings_env(running: RunningProvider, redirect_uri: str) -> dict[str, str]:
    """The portal's TELEWORK_OIDC_* for this provider."""
    return {
        "TELEWORK_OIDC_ISSUER": running.issuer,
        "TELEWORK_OIDC_CLIENT_ID": CLIENT_ID,
        "TELEWORK_OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "TELEWORK_OIDC_REDIRECT_URI": redirect_uri,
        "TELEWORK_OIDC_CA": running.ca_file,
    }
