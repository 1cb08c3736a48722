"""Sign-in through the agency's OpenID Connect provider (issue #14 item 1, R-SEC-3), against a
real provider implementation (pyop, tests/support/oidc_provider.py) and the whole platform:
authorization code + PKCE, the state spent once and bound to the browser, the official matched
by a configurable claim, roles from identity only, and nothing of this when it is not set up."""

import ssl
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from services.portal.oidc import OidcClient, OidcSettings
from tests.support.oidc_provider import RunningProvider, agency_provider, settings_for
from tests.support.stack import Stack

pytestmark = pytest.mark.integration
HEAD_GRANT = [{"role": "head_of_agency", "agency": "ONDE"}]
USERS = {
    # login name at the provider → its userinfo claims
    "kitti": {"email": "official1@onde.example.go.th", "email_verified": True},
    "stranger": {"email": "nobody@elsewhere.example.com", "email_verified": True},
    "unverified": {"email": "official2@onde.example.go.th", "email_verified": False},
    "boss": {"email": "someone@sso.example.go.th", "email_verified": True},
}


@pytest.fixture
def provider(stack: Stack, tmp_path: Path) -> Iterator[RunningProvider]:
    with agency_provider(stack, USERS, tmp_path) as running:
        # A provider may add any claim to its tokens: a role in one must count for nothing.
        running.id_token_claims["kitti"] = {"grants": HEAD_GRANT, "roles": ["head_of_agency"]}
        running.id_token_claims["boss"] = {"employee_id": "D0001"}
        yield running


def settings(running: RunningProvider, stack: Stack) -> OidcSettings:
    return settings_for(running, stack.url + "/login/oidc/callback")  # type: ignore[no-any-return]


async def at_provider(portal: httpx.AsyncClient, user: str, ca: str) -> str:
    """Start at the portal, sign in at the provider as `user`; the address the provider sends
    the browser back to."""
    r = await portal.get("/login/oidc")
    assert r.status_code == 303, r.text
    async with httpx.AsyncClient(verify=ssl.create_default_context(cafile=ca)) as browser_at_sso:
        form = await browser_at_sso.get(r.headers["location"])
        assert form.status_code == 200 and "sso-login" in form.text
        query = parse_qs(urlsplit(r.headers["location"]).query)
        back = await browser_at_sso.post(
            r.headers["location"].split("?")[0],
            data={"q": urlsplit(r.headers["location"]).query, "username": user},
        )
    assert back.status_code == 303, back.text
    assert query["redirect_uri"] == [portal.base_url.join("/login/oidc/callback").__str__()]
    return str(back.headers["location"])


async def sign_in(portal: httpx.AsyncClient, user: str, ca: str) -> httpx.Response:
    return await portal.get(await at_provider(portal, user, ca))


async def test_sign_in_with_the_agencys_provider(stack: Stack, provider: RunningProvider) -> None:
    async with httpx.AsyncClient(base_url=stack.url) as portal:
        login = await portal.get("/login")
        assert 'id="login-oidc"' in login.text and "บัญชีของหน่วยงาน" in login.text

        callback = await at_provider(portal, "kitti", provider.ca_file)
        # PKCE S256 and a nonce went to the provider; never a verifier.
        sent = provider.requests[-1]
        assert sent["code_challenge_method"] == "S256" and len(sent["code_challenge"]) == 43
        assert sent["nonce"] and sent["state"] and "code_verifier" not in sent
        assert sent["scope"] == "openid email"

        r = await portal.get(callback)
        assert r.status_code == 303 and r.headers["location"] == "/home", r.text
        me = (await portal.get("/api/me")).json()
        assert provider.issued[-1]["grants"] == HEAD_GRANT  # the ID token did carry it
        # Matched by the e-mail the provider vouched for (from its userinfo endpoint); the roles
        # are identity's: the provider's "head of agency" claim gave nothing.
        assert me["official_id"] == "D0102"
        assert {g["role"] for g in me["grants"]} == {"official"}, me
        home = await portal.get("/home")
        assert home.status_code == 200 and 'action="/logout"' in home.text

        # The same answer from the provider again: the state is spent.
        again = await portal.get(callback)
        assert again.status_code == 400 and "เริ่มใหม่" in again.text


async def test_a_sign_in_finishes_only_in_the_browser_that_started_it(
    stack: Stack, provider: RunningProvider
) -> None:
    async with (
        httpx.AsyncClient(base_url=stack.url) as attacker,
        httpx.AsyncClient(base_url=stack.url) as victim,
    ):
        # Login CSRF: the attacker's own finished sign-in, delivered to another browser.
        callback = await at_provider(attacker, "kitti", provider.ca_file)
        r = await victim.get(callback)
        assert r.status_code == 400 and "ไม่ได้เริ่มจากเบราว์เซอร์นี้" in r.text
        assert (await victim.get("/api/me")).status_code == 401
        # A forged state with the attacker's cookie is not one the portal issued.
        tampered = callback.replace("state=", "state=x")
        assert (await attacker.get(tampered)).status_code == 400
        # The person declined at the provider.
        declined = await attacker.get("/login/oidc/callback?error=access_denied&state=x")
        assert declined.status_code == 400 and "ไม่ยืนยัน" in declined.text


async def test_only_officials_in_the_registry_with_a_verified_email(
    stack: Stack, provider: RunningProvider
) -> None:
    async with httpx.AsyncClient(base_url=stack.url) as portal:
        r = await sign_in(portal, "stranger", provider.ca_file)
        assert r.status_code == 403 and "ทะเบียนบุคลากร" in r.text
        r = await sign_in(portal, "unverified", provider.ca_file)
        assert r.status_code == 403 and "ยืนยันอีเมล" in r.text
        assert (await portal.get("/api/me")).status_code == 401


async def test_the_official_may_be_matched_by_another_claim(
    stack: Stack, provider: RunningProvider
) -> None:
    # An agency whose provider carries the official number in the ID token (TELEWORK_OIDC_CLAIM
    # + TELEWORK_OIDC_MATCH=official_id).
    stack.backends.oidc = OidcClient(
        replace(settings(provider, stack), claim="employee_id", match="official_id"),
        stack.backends.sessions,
    )
    async with httpx.AsyncClient(base_url=stack.url) as portal:
        r = await sign_in(portal, "boss", provider.ca_file)
        assert r.status_code == 303, r.text
        me: dict[str, Any] = (await portal.get("/api/me")).json()
        assert me["official_id"] == "D0001"


async def test_a_provider_that_names_another_issuer_is_not_trusted(
    stack: Stack, provider: RunningProvider
) -> None:
    # Discovery at the configured address answering for another issuer (Discovery §4.3).
    provider.provider.configuration_information["issuer"] = "https://evil.example"
    async with httpx.AsyncClient(base_url=stack.url) as portal:
        r = await portal.get("/login/oidc")
        assert r.status_code == 503 and "ไม่ตอบสนอง" in r.text


async def test_without_a_provider_there_is_no_agency_sign_in(stack: Stack) -> None:
    async with httpx.AsyncClient(base_url=stack.url) as portal:
        assert 'id="login-oidc"' not in (await portal.get("/login")).text
        r = await portal.get("/login/oidc")
        assert r.status_code == 404 and "ยังไม่ได้ตั้งค่า" in r.text
        r = await portal.get("/login/oidc/callback?code=x&state=y")
        assert r.status_code == 404
