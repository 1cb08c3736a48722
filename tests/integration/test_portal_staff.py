"""Issue #16: a supervisor's staff page — the officials who report to them, eligibility in
words, each one's open case with its state linking its page; nobody else's."""

import httpx
import pytest

from tests.support.portal import bearer, browser_session, selected_for_necessity
from tests.support.stack import Stack

pytestmark = pytest.mark.integration


async def test_a_supervisor_sees_their_staff(stack: Stack) -> None:
    async with httpx.AsyncClient(base_url=stack.url, timeout=60) as c:
        sup = await bearer(c, "supervisor1@onde.example.go.th")
        eid = await selected_for_necessity(c, sup, "D0102")
        await browser_session(c, "supervisor1@onde.example.go.th")
        page = (await c.get("/ui/staff")).text
        assert "D0102" in page and "D0103" in page  # D0101's two officials
        assert "D0202" not in page  # another division's
        assert f"/ui/engagements/{eid}" in page and "จัดทำข้อตกลง" in page
        await browser_session(c, "official1@onde.example.go.th")
        r = await c.get("/ui/staff")
        assert r.status_code == 303 and r.headers["location"] == "/home"
