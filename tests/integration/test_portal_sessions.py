"""Sessions and sign-in (R-SEC-3, issue #14): logout and departure end a session at once, a
revoked role stops working at the next refresh, a cross-site form changes nothing, a brute
force is slowed (never locks the account for good), and messages come from the server."""

import re

import httpx
import pytest

from services.portal import sessions as portal_sessions
from tests.support.stack import Stack

pytestmark = pytest.mark.integration


async def sign_in(client: httpx.AsyncClient, email: str) -> str:
    r = await client.post("/api/login", json={"email": email, "password": "demo"})
    assert r.status_code == 200, r.text
    return str(r.json()["token"])


def bearer(session: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {session}"}


async def test_logout_revocation_and_departure_take_effect(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every request refreshes: what would happen within REFRESH_S happens at once here.
    monkeypatch.setattr(portal_sessions, "REFRESH_S", 0)
    async with httpx.AsyncClient(base_url=stack.url, timeout=60) as c:
        official = await sign_in(c, "official1@onde.example.go.th")
        assert (await c.get("/api/me", headers=bearer(official))).status_code == 200
        assert (await c.post("/api/logout", headers=bearer(official))).status_code == 200
        # Replaying the session after logout: refused.
        assert (await c.get("/api/me", headers=bearer(official))).status_code == 401

        head = await sign_in(c, "head@onde.example.go.th")
        auditor = await sign_in(c, "auditor@onde.example.go.th")
        assert (await c.get("/api/audit/status", headers=bearer(auditor))).status_code == 200
        me = (await c.get("/api/me", headers=bearer(auditor))).json()
        assert {"role": "auditor", "agency": "ONDE"} in me["grants"]
        async with stack.identity() as s:
            from sqlalchemy import select

            from services.identity.adapters.tables import grants

            grant_id = (
                await s.execute(select(grants.c.grant_id).where(grants.c.official_id == "D0304"))
            ).scalar_one()
        r = await c.delete(f"/api/identity/grants/{grant_id}", headers=bearer(head))
        assert r.status_code == 200, r.text
        assert (await c.get("/api/audit/status", headers=bearer(auditor))).status_code == 403

        # HR deactivates an official who left: their open session ends at once.
        hr = await sign_in(c, "hr@onde.example.go.th")
        leaver = await sign_in(c, "official2@onde.example.go.th")
        r = await c.post("/api/identity/officials/D0103/deactivate", headers=bearer(hr))
        assert r.status_code == 200 and r.json()["sessions_ended"] == 1, r.text
        assert (await c.get("/api/me", headers=bearer(leaver))).status_code == 401
        r = await c.post(
            "/api/login", json={"email": "official2@onde.example.go.th", "password": "demo"}
        )
        assert r.status_code == 401


async def test_cookies_csrf_and_messages(stack: Stack) -> None:
    async with httpx.AsyncClient(base_url=stack.url, timeout=60) as c:
        page = await c.get("/login")
        assert "httponly" in page.headers["set-cookie"].lower()
        token = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert token is not None
        # A sign-in form posted without its token (from another site, say) is refused.
        r = await c.post(
            "/login", data={"email": "official1@onde.example.go.th", "password": "demo"}
        )
        assert r.status_code == 403
        token = re.search(r'name="csrf" value="([^"]+)"', r.text)  # the refusal's fresh form
        assert token is not None
        r = await c.post(
            "/login",
            data={
                "email": "official1@onde.example.go.th",
                "password": "demo",
                "csrf": token.group(1),
            },
        )
        assert r.status_code == 303
        cookie = r.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=lax" in cookie
        home = await c.get("/home")
        csrf = re.search(r'name="csrf" value="([^"]+)"', home.text)
        assert csrf is not None

        # The same form from another origin, with the victim's cookie but no token: refused,
        # and no help request is made.
        forged = await c.post(
            "/ui/help",
            data={"topic": "x", "detail": "y"},
            headers={"Origin": "https://evil.example"},
        )
        assert forged.status_code == 403
        # Even with a stolen token, another origin is refused.
        forged = await c.post(
            "/ui/help",
            data={"topic": "x", "detail": "y", "csrf": csrf.group(1)},
            headers={"Origin": "https://evil.example"},
        )
        assert forged.status_code == 403
        box = (await c.get("/api/inbox", headers={"X-CSRF-Token": csrf.group(1)})).json()
        ok = await c.post("/ui/help", data={"topic": "VPN", "detail": "y", "csrf": csrf.group(1)})
        assert ok.status_code == 303 and ok.headers["location"] == "/home"
        shown = (await c.get("/home")).text
        assert re.search(r'id="msg">[^<]*HELP-', shown)
        assert box is not None

        # Text in the address is never shown as a message.
        page = await c.get("/home?error=<b>ระบบถูกปิด</b>&msg=call+0800")
        assert "ระบบถูกปิด" not in page.text and "0800" not in page.text


async def test_brute_force_is_slowed_not_locked_out(stack: Stack) -> None:
    async with httpx.AsyncClient(base_url=stack.url, timeout=60) as c:
        statuses = []
        for _ in range(8):
            r = await c.post(
                "/api/login", json={"email": "head@onde.example.go.th", "password": "guess"}
            )
            statuses.append(r.status_code)
        assert statuses[:3] == [401, 401, 401]
        assert 429 in statuses
        blocked = await c.post(
            "/api/login", json={"email": "head@onde.example.go.th", "password": "demo"}
        )
        assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) >= 1
        # Another account from the same address is not held up by it.
        assert (await sign_in(c, "hr@onde.example.go.th")).count(".") == 0


async def test_password_sign_in_is_refused_outside_demo_mode(stack: Stack) -> None:
    """`make run` turns demo mode on and says so; anywhere else the password form is off."""
    from dataclasses import replace

    from services.portal.app import create_app

    assert stack.backends is not None and stack.backends.demo_login
    app = create_app(replace(stack.backends, demo_login=False))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://portal") as c:
        r = await c.post(
            "/api/login", json={"email": "head@onde.example.go.th", "password": "demo"}
        )
        assert r.status_code == 403 and "demo" in r.json()["detail"]
        assert "password demo" not in (await c.get("/login?lang=en")).text
