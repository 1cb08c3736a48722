"""Signing in to the portal in HTTP tests: a bearer for the API, or a browser-like session
(cookie and the page's CSRF token) for forms."""

import re

import httpx

PASSWORD = "demo"  # the demo mode's one password


async def bearer(c: httpx.AsyncClient, email: str) -> dict[str, str]:
    r = await c.post("/api/login", json={"email": email, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


async def browser_session(c: httpx.AsyncClient, email: str) -> str:
    """Sign `c` in as a browser would (the session cookie); returns the CSRF token its pages
    carry."""
    r = await c.post("/api/login", json={"email": email, "password": PASSWORD})
    assert r.status_code == 200, r.text
    c.cookies.set("telework_session", r.json()["token"])
    found = re.search(r'name="csrf" value="([^"]+)"', (await c.get("/home")).text)
    assert found is not None
    return found.group(1)
