"""Assignment for necessity in bulk through the HTTP API (issue #19 item 5, R-SEL-1, R-ORD): a
supervisor assigns their unit in one action, those who may not be assigned are named, the
official is told and accepts, and the acting head issues one order for the assignment."""

import asyncio
from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from tests.integration.test_portal_api import login
from tests.support.stack import Stack, deciding_head

pytestmark = pytest.mark.integration


async def until(c: httpx.AsyncClient, url: str, headers: dict[str, str], done: Any) -> Any:
    async with asyncio.timeout(120):
        while True:
            r = await c.get(url, headers=headers)
            if r.status_code == 200 and done(r.json()):
                return r.json()
            await asyncio.sleep(0.3)


def assignment_body(start: date, agency: str) -> dict[str, Any]:
    """An assignment for necessity of `agency` with one goal, Mondays and Thursdays."""
    return {
        "agency_code": agency,
        "necessity_reason": "โรคระบาด",
        "goals": [
            {
                "goal_id": "G1",
                "description": "ทบทวนระบบงาน",
                "indicator": "percent",
                "target": "100",
                "due": (start + timedelta(days=90)).isoformat(),
            }
        ],
        "schedule": {
            "kind": "regular_weekdays",
            "start": start.isoformat(),
            "months": 2,
            "weekdays": [0, 3],
        },
    }


async def test_a_unit_assigned_in_one_action_and_ordered_once(stack: Stack) -> None:
    async with httpx.AsyncClient(base_url=stack.url, timeout=60) as c:
        sup = await login(c, "supervisor2@onde.example.go.th")  # D0201: D0202, D0203
        official = await login(c, "official3@onde.example.go.th")  # D0202
        account, _ = await deciding_head(stack.env)
        head = await login(c, f"{account}@onde.example.go.th")
        today = await stack.to_working_morning()
        start = today + timedelta(days=7 - today.weekday())  # next Monday
        body = assignment_body(start, "ONDE-DGT")
        r = await c.post("/api/assignments", json=body, headers=official)
        assert r.status_code == 403  # an official assigns nobody
        r = await c.post("/api/assignments", json={**body, "goals": []}, headers=sup)
        assert r.status_code == 422
        # Seed §9.2 (1): assigned by the necessity's reasons — blank is refused, not filled in.
        r = await c.post("/api/assignments", json={**body, "necessity_reason": "  "}, headers=sup)
        assert r.status_code == 422 and "necessity_reason" in r.json()["detail"], r.text
        r = await c.post(
            "/api/assignments", json=body, headers={**sup, "Idempotency-Key": "epidemic-1"}
        )
        assert r.status_code == 202, r.text
        assignment = r.json()
        assert assignment["assigned"] == 1
        assert assignment["refused"] == {
            "D0201": "not in your supervisor chain",
            "D0203": "work under §3.2.1 may not be done away",
        }
        again = await c.post(
            "/api/assignments", json=body, headers={**sup, "Idempotency-Key": "epidemic-1"}
        )
        assert again.json()["assignment_id"] == assignment["assignment_id"]
        assert again.json()["repeated"] is True

        aid = assignment["assignment_id"]
        progress = await until(c, f"/api/assignments/{aid}", sup, lambda p: p["finished"])
        assert progress["started"] == 1
        assert (await c.get(f"/api/assignments/{aid}", headers=official)).status_code == 403

        eid = f"{aid}-D0202"
        # Drafted from the template, the supervisor's side accepted, then open to the official.
        summary = await until(
            c,
            f"/api/engagements/{eid}",
            official,
            lambda s: s["agreement_version"] == 1 and s["state"] == "drafting",
        )
        assert summary["goals"][0]["goal_id"] == "G1"
        r = await c.post(
            f"/api/engagements/{eid}/actions/accept",
            json={
                "agreement_version": 1,
                "ethics_acknowledged": True,
                "security_acknowledged": True,
            },
            headers=official,
        )
        assert r.status_code == 200 and r.json()["state"] == "proposed", r.text

        r = await c.post(f"/api/assignments/{aid}/order", json={"issue": True}, headers=sup)
        assert r.status_code == 403
        r = await c.post(f"/api/assignments/{aid}/order", json={"issue": True}, headers=head)
        assert r.status_code == 200, r.text
        decided = r.json()
        assert decided["decided"] == 1 and decided["order_number"].startswith("ที่ ")
        assert decided["not_decided"] == {}
        r = await c.get(f"/api/engagements/{eid}", headers=official)
        assert r.json()["order_number"] == decided["order_number"]

        # The official was told, in Thai (R-SEL-1: selected; R-AGR-2: an agreement to accept).
        async with asyncio.timeout(300):
            while True:
                box = (await c.get("/api/inbox", headers=official)).json()
                if any(eid in str(item) or "ข้อตกลง" in item["subject"] for item in box["items"]):
                    break
                await asyncio.sleep(0.5)


async def test_officials_agreeing_later_get_an_order_of_their_own(stack: Stack) -> None:
    """A second decision for the same assignment is a new order with its own number (R-ORD-2:
    one number per decision), not the first one's number again."""
    ethics = {"agreement_version": 1, "ethics_acknowledged": True, "security_acknowledged": True}
    async with httpx.AsyncClient(base_url=stack.url, timeout=60) as c:
        account, _ = await deciding_head(stack.env)
        head = await login(c, f"{account}@onde.example.go.th")
        parties = {
            "D0102": (
                await login(c, "official1@onde.example.go.th"),
                await login(c, "supervisor1@onde.example.go.th"),
            ),
            "D0202": (
                await login(c, "official3@onde.example.go.th"),
                await login(c, "supervisor2@onde.example.go.th"),
            ),
        }
        today = await stack.to_working_morning()
        start = today + timedelta(days=7 - today.weekday())
        body = {**assignment_body(start, "ONDE"), "official_ids": list(parties)}
        r = await c.post("/api/assignments", json=body, headers=head)
        assert r.status_code == 202 and r.json()["assigned"] == 2, r.text
        aid = r.json()["assignment_id"]
        numbers = []
        for official_id, (official, supervisor) in parties.items():
            eid = f"{aid}-{official_id}"
            await until(c, f"/api/engagements/{eid}", official, lambda s: s["agreement_version"])
            for who, accept in ((official, ethics), (supervisor, {"agreement_version": 1})):
                r = await c.post(f"/api/engagements/{eid}/actions/accept", json=accept, headers=who)
                assert r.status_code == 200, r.text
            await until(c, f"/api/engagements/{eid}", official, lambda s: s["state"] == "proposed")
            r = await c.post(f"/api/assignments/{aid}/order", json={"issue": True}, headers=head)
            assert r.status_code == 200, r.text
            assert r.json()["decided"] == 1, r.json()
            numbers.append(r.json()["order_number"])
        assert numbers[0] != numbers[1], numbers
