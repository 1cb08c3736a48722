"""Location evidence at check-in (issue #19, item 4): accepted through the API and the page,
never required, kept only where the agency's policy turns it on, and then only coarsened."""

import asyncio
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from services.attendance.adapters.tables import attendance_days, known_policies
from tests.integration.test_portal_api import login
from tests.support.stack import Stack

pytestmark = pytest.mark.integration
BANGKOK_CITY_HALL = {"latitude": 13.75630, "longitude": 100.50180}


async def kept(stack: Stack, official_id: str) -> str | None:
    async with stack.attendance() as s:
        row = (
            await s.execute(
                select(attendance_days.c.client_location).where(
                    attendance_days.c.official_id == official_id
                )
            )
        ).one()
    return row.client_location  # type: ignore[no-any-return]


async def check_in(c: httpx.AsyncClient, body: dict[str, float], who: dict[str, str]) -> Any:
    """Once attendance has learnt the demo agency from identity's events (404 until then)."""
    async with asyncio.timeout(60):
        while True:
            r = await c.post("/api/attendance/check-in", json=body, headers=who)
            if r.status_code != 404:
                return r
            await asyncio.sleep(0.2)


async def has_policy(stack: Stack, version: int) -> bool:
    """This test's policy, by its content: tests share one NATS, and an earlier test's policy
    of the same agency and version reaches this attendance service too."""
    async with stack.attendance() as s:
        found = await s.execute(
            select(known_policies.c.document).where(
                known_policies.c.agency_code == "ONDE-DGT", known_policies.c.version == version
            )
        )
        row = found.first()
        return row is not None and row.document.get("location_evidence") == "optional"


async def test_location_is_kept_coarse_only_where_the_policy_asks(stack: Stack) -> None:
    async with httpx.AsyncClient(base_url=stack.url, timeout=30) as c:
        # The demo policy keeps no location: a given one is dropped, and none is needed.
        official1 = await login(c, "official1@onde.example.go.th")
        r = await check_in(c, BANGKOK_CITY_HALL, official1)
        assert r.status_code == 200, r.text
        assert await kept(stack, "D0102") is None
        bad = {"latitude": 123.0, "longitude": 100.5}
        r = await c.post("/api/attendance/check-in", json=bad, headers=official1)
        assert r.status_code == 422 and "latitude" in r.text

        # The head's policy turns it on (published by HR): kept, to the grid only.
        hr = await login(c, "hr@onde.example.go.th")
        today = (await stack.today()).isoformat()
        r = await c.post(
            "/api/identity/policies",
            json={
                # official4's bureau: its own policy, which no other test publishes
                "agency_code": "ONDE-DGT",
                "document": {"effective_from": today, "location_evidence": "optional"},
            },
            headers=hr,
        )
        assert r.status_code == 201, r.text
        version = r.json()["version"]
        async with asyncio.timeout(60):  # the policy reaches attendance as an event
            while not await has_policy(stack, version):
                await asyncio.sleep(0.1)
        official4 = await login(c, "official4@onde.example.go.th")
        r = await check_in(c, BANGKOK_CITY_HALL, official4)
        assert r.status_code == 200, r.text
        where = await kept(stack, "D0203")
        assert where == "13.758,100.498", where  # the 1 km cell's centre, not the point
