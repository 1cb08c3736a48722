"""Signing in to the portal in HTTP tests: a bearer for the API, or a browser-like session
(cookie and the page's CSRF token) for forms."""

import re
from datetime import date, timedelta
from typing import Any

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


def agreement_draft(today: date, weekdays: tuple[int, ...] = (0, 3)) -> dict[str, Any]:
    """An agreement as the API takes it: one goal due in 300 days, telework on `weekdays` for
    three months from the day after tomorrow."""
    return {
        "goals": [
            {
                "goal_id": "G1",
                "description": "วิเคราะห์นโยบาย",
                "indicator": "percent",
                "target": "100",
                "due": (today + timedelta(days=300)).isoformat(),
            }
        ],
        "schedule": {
            "kind": "regular_weekdays",
            "start": (today + timedelta(days=2)).isoformat(),
            "months": 3,
            "weekdays": list(weekdays),
        },
    }


async def selected_for_necessity(
    c: httpx.AsyncClient, headers: dict[str, str], official: str
) -> str:
    """A supervisor starts an engagement for one of their staff, selected for necessity; its id."""
    r = await c.post(
        "/api/engagements",
        json={"official_id": official, "selection": "necessity", "necessity_reason": "x"},
        headers=headers,
    )
    assert r.status_code == 201, r.text
    return str(r.json()["engagement_id"])
