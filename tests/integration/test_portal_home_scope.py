"""Issue #16, item 6: a home page asks about the cases in the caller's scope only. An
official's page used to ask identity for the supervisor chain of each of the platform's 200
newest cases (and Temporal for each summary); now cases outside the caller's agencies are
narrowed away before any remote call, identity is asked once for all the chains left, and the
summaries are asked for side by side."""

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


async def test_the_home_page_asks_no_workflow_and_is_never_behind_its_own_steps(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pages read the read model (one query); a step the portal took is written through, so
    the next page shows it without waiting for its events."""
    from temporalio.client import WorkflowHandle

    async with httpx.AsyncClient(base_url=stack.url, timeout=60) as c:
        one = await bearer(c, "official1@onde.example.go.th")
        sup = await bearer(c, "supervisor1@onde.example.go.th")
        eid = (await c.post("/api/engagements", json={}, headers=one)).json()["engagement_id"]
        asked: list[str] = []
        query, describe = WorkflowHandle.query, WorkflowHandle.describe

        async def counted(self: Any, *args: Any, **kwargs: Any) -> Any:
            asked.append(self.id)
            return await query(self, *args, **kwargs)

        async def described(self: Any, *args: Any, **kwargs: Any) -> Any:
            asked.append(self.id)
            return await describe(self, *args, **kwargs)

        monkeypatch.setattr(WorkflowHandle, "query", counted)
        monkeypatch.setattr(WorkflowHandle, "describe", described)
        listed = (await c.get("/api/engagements", headers=one)).json()
        assert [e["engagement_id"] for e in listed] == [eid]
        assert listed[0]["state"] == "awaiting_selection"
        assert asked == []  # the page asked no workflow
        r = await c.post(f"/api/engagements/{eid}/actions/select", json={}, headers=sup)
        assert r.status_code == 200
        asked.clear()
        moved = (await c.get("/api/engagements", headers=one)).json()
        assert moved[0]["state"] != "awaiting_selection"  # never behind its own step
        assert asked == []


async def test_lists_come_in_pages(stack: Stack) -> None:
    """Issue #16, item 5: `limit` and `offset`, the whole count in X-Total-Count, the next
    page in a Link header; the pages together are the whole list, each case once."""
    async with httpx.AsyncClient(base_url=stack.url, timeout=60) as c:
        for who in ("official1", "official2", "official3"):
            me = await bearer(c, f"{who}@onde.example.go.th")
            r = await c.post("/api/engagements", json={}, headers=me)
            assert r.status_code == 201, (who, r.text)
        hr = await bearer(c, "hr@onde.example.go.th")
        whole = (await c.get("/api/engagements", headers=hr)).json()
        assert len(whole) >= 3
        seen: list[str] = []
        url: str | None = "/api/engagements?limit=2"
        while url is not None:
            r = await c.get(url, headers=hr)
            assert r.status_code == 200 and len(r.json()) <= 2
            assert r.headers["X-Total-Count"] == str(len(whole))
            seen += [e["engagement_id"] for e in r.json()]
            link = r.headers.get("Link")
            url = link.split(";")[0].strip("<>") if link else None
        assert seen == [e["engagement_id"] for e in whole]
        too_big = await c.get("/api/engagements?limit=100000", headers=hr)
        assert too_big.status_code == 422 and "limit" in too_big.json()["detail"]
