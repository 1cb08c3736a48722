"""Issue #16, R-MON-3: IT support's queue. An official asks for help; IT support of the agency
sees it among the open requests, takes it, answers and closes it — each step an event in the
portal's log — and the official reads the answer on their requests and in their inbox. Nobody
else may work the request; a closed request takes no more answers."""

import asyncio
import re

import httpx
import pytest
from sqlalchemy import select

from services.shared.db import event_log
from tests.support.portal import bearer, browser_session
from tests.support.stack import Stack

pytestmark = pytest.mark.integration


async def test_it_support_works_a_help_request_to_its_end(stack: Stack) -> None:
    async with httpx.AsyncClient(base_url=stack.url, timeout=60) as c:
        official = await bearer(c, "official1@onde.example.go.th")
        it = await bearer(c, "itsupport@onde.example.go.th")
        hr = await bearer(c, "hr@onde.example.go.th")
        r = await c.post(
            "/api/support", json={"topic": "VPN", "detail": "เชื่อมต่อ VPN ไม่ได้"}, headers=official
        )
        assert r.status_code == 201, r.text
        rid = r.json()["request_id"]
        # Blank is not a request, through the API or the home page's form (which recorded a
        # blank one as "-").
        r = await c.post("/api/support", json={"topic": "VPN", "detail": "  "}, headers=official)
        assert r.status_code == 422, r.text
        async with httpx.AsyncClient(base_url=stack.url, timeout=60) as page:
            csrf = await browser_session(page, "official1@onde.example.go.th")
            r = await page.post("/ui/help", data={"csrf": csrf, "topic": " ", "detail": ""})
            assert r.status_code == 303 and 'data-status="422"' in (await page.get("/home")).text

        queue = (await c.get("/api/support?status=open", headers=it)).json()["requests"]
        assert [q["request_id"] for q in queue] == [rid]
        assert queue[0]["detail"] == "เชื่อมต่อ VPN ไม่ได้" and queue[0]["official_id"] == "D0102"
        assert (await c.get("/api/support", headers=hr)).json()["requests"] == []  # not theirs
        for who in (official, hr):  # only IT support works requests
            r = await c.post(f"/api/support/{rid}/take", headers=who)
            assert r.status_code == 403, r.text

        r = await c.post(f"/api/support/{rid}/take", headers=it)
        assert r.status_code == 200 and r.json()["taken_by"] == "D0303"
        r = await c.post(f"/api/support/{rid}/reply", json={"text": "  "}, headers=it)
        assert r.status_code == 422
        r = await c.post(
            f"/api/support/{rid}/reply", json={"text": "กรุณาติดตั้งโปรแกรมรุ่นใหม่"}, headers=it
        )
        assert r.status_code == 200 and r.json()["replies"][0]["text"].startswith("กรุณา")
        r = await c.post(f"/api/support/{rid}/close", json={"resolution": "ใช้ได้แล้ว"}, headers=it)
        assert r.status_code == 200 and r.json()["status"] == "closed"
        r = await c.post(f"/api/support/{rid}/reply", json={"text": "อีกครั้ง"}, headers=it)
        assert r.status_code == 409

        mine = (await c.get("/api/support", headers=official)).json()["requests"]
        assert mine[0]["status"] == "closed" and len(mine[0]["replies"]) == 1
        async with stack.backends.sessions() as s:
            kinds = (
                await s.execute(
                    select(event_log.c.type)
                    .where(event_log.c.stream_id == f"help-{rid}")
                    .order_by(event_log.c.version)
                )
            ).scalars()
            assert [k.split(".")[4] for k in kinds] == [
                "help_requested",
                "help_taken",
                "help_replied",
                "help_closed",
            ]
        # The answer reaches the official's inbox (through the notification service).
        async with asyncio.timeout(120):
            while True:
                box = (await c.get("/api/inbox", headers=official)).json()
                if any(rid in item["subject"] for item in box["items"]):
                    break
                await asyncio.sleep(0.3)

        # IT support's page: the queue with its forms; the official's: their requests.
        r = await c.post(
            "/api/login", json={"email": "itsupport@onde.example.go.th", "password": "demo"}
        )
        c.cookies.set("telework_session", r.json()["token"])
        page = (await c.get("/ui/support")).text
        assert rid in page and "กรุณาติดตั้งโปรแกรมรุ่นใหม่" in page
        r = await c.post(
            "/api/support", json={"topic": "อีเมล", "detail": "ส่งไม่ได้"}, headers=official
        )
        second = r.json()["request_id"]
        csrf = re.search(r'name="csrf" value="([^"]+)"', (await c.get("/home")).text)
        assert csrf is not None
        r = await c.post(f"/ui/support/{second}/take", data={"csrf": csrf.group(1)})
        assert r.status_code == 303 and r.headers["location"] == "/ui/support"
        taken = (await c.get("/api/support?status=taken", headers=it)).json()["requests"]
        assert [q["request_id"] for q in taken] == [second]
