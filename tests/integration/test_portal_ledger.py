"""Issue #16, R-ATT-3: the attendance ledger from the portal — as JSON, as CSV for Excel (UTF-8
with a byte-order mark, Thai headers, B.E. dates) and as a page — for those of the agency who
may read it, and an official's own rows; everyone else refused by attendance itself."""

import asyncio
from datetime import timedelta

import httpx
import pytest

from tests.support.portal import bearer
from tests.support.stack import Stack, deciding_head

pytestmark = pytest.mark.integration


async def test_the_ledger_for_those_who_may_read_it(stack: Stack) -> None:
    today = await stack.to_working_morning()
    async with httpx.AsyncClient(base_url=stack.url, timeout=60) as c:
        sup = await bearer(c, "supervisor1@onde.example.go.th")
        official = await bearer(c, "official2@onde.example.go.th")
        hr = await bearer(c, "hr@onde.example.go.th")
        other_division = await bearer(c, "supervisor2@onde.example.go.th")
        account, _ = await deciding_head(stack.env)
        head = await bearer(c, f"{account}@onde.example.go.th")
        r = await c.post(
            "/api/engagements",
            json={"official_id": "D0103", "selection": "necessity", "necessity_reason": "x"},
            headers=sup,
        )
        eid = r.json()["engagement_id"]
        draft = {
            "goals": [
                {
                    "goal_id": "G1",
                    "description": "จัดทำคู่มือ",
                    "indicator": "text",
                    "target": "คู่มือ 1 เล่ม",
                    "due": (today + timedelta(days=300)).isoformat(),
                }
            ],
            "schedule": {
                "kind": "regular_weekdays",
                "start": today.isoformat(),
                "months": 1,
                "weekdays": [today.weekday()],
            },
        }
        acks = {"agreement_version": 1, "ethics_acknowledged": True}
        for action, body, who in (
            ("draft", draft, sup),
            ("accept", {**acks, "security_acknowledged": True}, official),
            ("accept", acks, sup),
            ("propose", {}, sup),
            ("decide_order", {"issue": True}, head),
        ):
            r = await c.post(f"/api/engagements/{eid}/actions/{action}", json=body, headers=who)
            assert r.status_code == 200, (action, r.text)

        be = f"{today.day:02d}/{today.month:02d}/{today.year + 543}"
        last = today + timedelta(days=40)
        period = {"agency": "ONDE-STRAT", "from": be, "to": last.isoformat()}
        async with asyncio.timeout(120):  # attendance learns the order's days from the stream
            while True:
                r = await c.get("/api/attendance/ledger", params=period, headers=hr)
                assert r.status_code == 200, r.text
                mine = [row for row in r.json()["rows"] if row["official_id"] == "D0103"]
                if mine:
                    break
                await asyncio.sleep(0.5)
        assert all(row["scheduled"] for row in mine)
        assert r.json()["headers"][0] == "วันที่"

        csv = await c.get("/api/attendance/ledger", params={**period, "format": "csv"}, headers=hr)
        assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
        assert csv.content.startswith("\ufeff".encode())  # Excel reads Thai only with the BOM
        text = csv.content.decode("utf-8-sig")
        assert text.splitlines()[0].startswith("วันที่,รหัสข้าราชการ")
        assert f"{today.year + 543}" in text and "D0103" in text

        own = {**period, "official_id": "D0103"}
        # Their own supervisor reads their rows; a supervisor of another division does not.
        assert (await c.get("/api/attendance/ledger", params=own, headers=sup)).status_code == 200
        r = await c.get("/api/attendance/ledger", params=own, headers=other_division)
        assert r.status_code == 403, r.text
        assert (
            await c.get("/api/attendance/ledger", params=own, headers=official)
        ).status_code == 200
        for who in (official, other_division, sup):  # the agency's ledger is not theirs to read
            r = await c.get("/api/attendance/ledger", params=period, headers=who)
            assert r.status_code == 403, r.text
        backwards = {**period, "from": last.isoformat(), "to": today.isoformat()}
        r = await c.get("/api/attendance/ledger", params=backwards, headers=hr)
        assert r.status_code == 422

        # The page, signed in with a session: the table, and the CSV link.
        r = await c.post("/api/login", json={"email": "hr@onde.example.go.th", "password": "demo"})
        c.cookies.set("telework_session", r.json()["token"])
        shown = (await c.get("/ui/ledger", params=period)).text
        assert "บัญชีลงเวลาปฏิบัติราชการ" in shown and "D0103" in shown and "ledger-csv" in shown

        # The head's dashboard counts the case under its division; an official has none.
        r = await c.post(
            "/api/login", json={"email": f"{account}@onde.example.go.th", "password": "demo"}
        )
        c.cookies.set("telework_session", r.json()["token"])
        board = await c.get("/ui/dashboard")
        assert (
            board.status_code == 200
            and "ONDE-STRAT" in board.text
            and "ภาพรวมส่วนราชการ" in board.text
        )
        r = await c.post(
            "/api/login", json={"email": "official2@onde.example.go.th", "password": "demo"}
        )
        c.cookies.set("telework_session", r.json()["token"])
        refused = await c.get("/ui/dashboard")
        assert refused.status_code == 303 and refused.headers["location"] == "/home"
