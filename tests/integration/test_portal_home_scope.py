"""Issue #16, item 6: a home page asks about the cases in the caller's scope only. An
official's page used to ask identity for the supervisor chain of each of the platform's 200
newest cases (and Temporal for each summary); now cases outside the caller's agencies are
narrowed away before any remote call, identity is asked once for all the chains left, and the
summaries are asked for side by side."""

import asyncio
from collections import Counter
from typing import Any

import httpx
import pytest

from services.portal.base import PortalBase
from tests.support.portal import bearer
from tests.support.stack import Stack

pytestmark = pytest.mark.integration


async def test_an_officials_home_page_asks_about_their_own_case_only(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with httpx.AsyncClient(base_url=stack.url, timeout=60) as c:
        one = await bearer(c, "official1@onde.example.go.th")
        three = await bearer(c, "official3@onde.example.go.th")
        mine = (await c.post("/api/engagements", json={}, headers=one)).json()["engagement_id"]
        theirs = (await c.post("/api/engagements", json={}, headers=three)).json()
        asked: Counter[str] = Counter()
        questions: list[set[str]] = []
        resources = PortalBase.resources

        async def counted(self: Any, official_ids: set[str]) -> Any:
            questions.append(set(official_ids))
            asked.update(official_ids)
            return await resources(self, official_ids)

        monkeypatch.setattr(PortalBase, "resources", counted)
        listed = await c.get("/api/engagements", headers=one)
        assert listed.status_code == 200
        assert [e["engagement_id"] for e in listed.json()] == [mine]
        official1 = listed.json()[0]["official_id"]
        assert set(asked) == {official1}, asked  # nobody else's chain was asked for

        asked.clear()
        hr = await bearer(c, "hr@onde.example.go.th")
        seen = {e["engagement_id"] for e in (await c.get("/api/engagements", headers=hr)).json()}
        assert {mine, theirs["engagement_id"]} <= seen  # HR reads the agency's cases
        assert max(asked.values()) == 1  # one chain per official, however many cases
        assert len(questions) == 2  # one question to identity per page, not one per case


async def test_a_summary_is_asked_again_only_when_the_case_changed(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    from temporalio.client import WorkflowHandle

    async with httpx.AsyncClient(base_url=stack.url, timeout=60) as c:
        one = await bearer(c, "official1@onde.example.go.th")
        sup = await bearer(c, "supervisor1@onde.example.go.th")
        eid = (await c.post("/api/engagements", json={}, headers=one)).json()["engagement_id"]
        asked: list[str] = []
        query = WorkflowHandle.query

        async def counted(self: Any, *args: Any, **kwargs: Any) -> Any:
            asked.append(self.id)
            return await query(self, *args, **kwargs)

        monkeypatch.setattr(WorkflowHandle, "query", counted)
        # Until the case waits for a person, its own steps lengthen its history: asked again.
        async with asyncio.timeout(30):
            while True:
                asked.clear()
                again = (await c.get("/api/engagements", headers=one)).json()
                if not asked:
                    break
                await asyncio.sleep(0.1)
        assert again[0]["state"] == "awaiting_selection"  # kept, and not asked for
        r = await c.post(f"/api/engagements/{eid}/actions/select", json={}, headers=sup)
        assert r.status_code == 200
        moved = (await c.get("/api/engagements", headers=one)).json()
        assert asked == [eid] and moved[0]["state"] != "awaiting_selection"  # never behind
