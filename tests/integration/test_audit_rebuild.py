"""R-INT-2 and issue #20, item 1: `telework audit rebuild` folds history with the engagement
aggregate's own fold and finds the live read models equal to it after a real story; a read
model changed behind the workflow's back is named, state and last event."""

import asyncio

import httpx
import pytest
from sqlalchemy import func, select, update

from services.audit.adapters.tables import chain
from services.audit.entrypoints.rebuild import compare
from tests.support.portal import agreement_draft, bearer
from tests.support.stack import Stack, deciding_head
from workflows.engagement.tables import engagements

pytestmark = pytest.mark.integration


async def chained(stack: Stack, n: int) -> None:
    """Wait until the audit chain holds at least `n` engagement events."""
    async with asyncio.timeout(120):
        while True:
            async with stack.audit() as s:
                count = (
                    await s.execute(
                        select(func.count()).where(
                            chain.c.type.startswith("th.go.telework.engagement.")
                        )
                    )
                ).scalar_one()
            if count >= n:
                return
            await asyncio.sleep(0.2)


async def test_history_and_the_read_models_agree_until_one_is_changed(stack: Stack) -> None:
    async with httpx.AsyncClient(base_url=stack.url, timeout=60) as c:
        official = await bearer(c, "official1@onde.example.go.th")
        sup = await bearer(c, "supervisor1@onde.example.go.th")
        account, _ = await deciding_head(stack.env)
        head = await bearer(c, f"{account}@onde.example.go.th")
        eid = (await c.post("/api/engagements", json={}, headers=official)).json()["engagement_id"]
        act = f"/api/engagements/{eid}/actions"
        assert (await c.post(f"{act}/select", json={}, headers=sup)).status_code == 200
        today = await stack.to_working_morning()
        draft = agreement_draft(today)
        assert (await c.post(f"{act}/draft", json=draft, headers=sup)).status_code == 200
        accepted = {"agreement_version": 1, "ethics_acknowledged": True}
        r = await c.post(
            f"{act}/accept", json={**accepted, "security_acknowledged": True}, headers=official
        )
        assert r.status_code == 200, r.text
        r = await c.post(f"{act}/accept", json={"agreement_version": 1}, headers=sup)
        assert r.status_code == 200, r.text
        assert (await c.post(f"{act}/propose", json={}, headers=sup)).status_code == 200
        r = await c.post(f"{act}/decide_order", json={"issue": True}, headers=head)
        assert r.status_code == 200, r.text

    async with stack.engagement() as s:
        last = (await s.execute(select(engagements.c.last_event))).scalars().all()
    await chained(stack, 7)
    live = (stack.engagement, stack.attendance)
    assert await compare(stack.audit, None, live) == [], last

    async with stack.engagement.begin() as s:  # behind the workflow's back
        await s.execute(
            update(engagements).where(engagements.c.engagement_id == eid).values(state="active")
        )
    [line] = await compare(stack.audit, None, live)
    assert line.startswith(f"engagement {eid}: history says") and '"state": "ordered"' in line
