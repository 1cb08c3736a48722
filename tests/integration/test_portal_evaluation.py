"""Evaluation inputs through the HTTP API into the audit chain (issue #18; R-EVA-2, R-EVA-3,
R-TEC-1): commutes (one's own, or HR for an official), the anonymous survey once a year, the
technology readiness checklist, the head's lessons; the yearly figures computed from the chain."""

import asyncio
import json
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from services.audit.adapters.tables import chain
from services.audit.domain.evaluation import evaluate, fiscal_year
from services.shared.clock import today
from tests.integration.test_portal_api import login
from tests.support.stack import Stack

pytestmark = pytest.mark.integration


async def chain_events(audit: Any) -> list[dict[str, Any]]:
    async with audit() as s:
        rows = (await s.execute(select(chain.c.canonical).order_by(chain.c.position))).scalars()
        return [json.loads(bytes(r)) for r in rows]


async def test_inputs_reach_the_chain_and_the_yearly_figures(stack: Stack) -> None:
    year = today().year + 543 + (1 if today().month >= 10 else 0)  # this fiscal year, B.E.
    async with httpx.AsyncClient(base_url=stack.url, timeout=30) as c:
        official = await login(c, "official1@onde.example.go.th")  # D0102
        hr = await login(c, "hr@onde.example.go.th")
        it = await login(c, "itsupport@onde.example.go.th")
        head = await login(c, "head@onde.example.go.th")
        sup = await login(c, "supervisor1@onde.example.go.th")

        mine = {"km_one_way": 20, "minutes_one_way": 45, "mode": "car_gasoline"}
        assert (
            await c.post("/api/evaluation/commute", json=mine, headers=official)
        ).status_code == 201
        theirs = {**mine, "official_id": "D0202"}
        r = await c.post("/api/evaluation/commute", json=theirs, headers=official)
        assert r.status_code == 403
        assert (await c.post("/api/evaluation/commute", json=theirs, headers=hr)).status_code == 201
        bad = await c.post(
            "/api/evaluation/commute", json={**mine, "mode": "rocket"}, headers=official
        )
        assert bad.status_code == 422

        q = (await c.get("/api/evaluation/survey", headers=official)).json()
        assert q["respondent"] == "official" and set(q["questions"]) == {"S1", "S2", "S3", "S4"}
        assert all(any("\u0e00" <= ch <= "\u0e7f" for ch in t) for t in q["questions"].values())
        answers = {"fiscal_year": year, "answers": {"S1": 5, "S2": 4, "S3": 3, "S4": 4}}
        r = await c.post("/api/evaluation/survey", json=answers, headers=official)
        assert r.status_code == 201, r.text
        again = await c.post("/api/evaluation/survey", json=answers, headers=official)
        assert again.status_code == 409
        r = await c.post("/api/evaluation/survey", json=answers, headers=sup)
        assert r.status_code == 422 and "S5" in r.json()["detail"]  # supervisors' questions
        r = await c.post(
            "/api/evaluation/survey",
            json={"fiscal_year": year, "answers": {"S1": 9, "S5": 4, "S6": 4}},
            headers=sup,
        )
        assert r.status_code == 422

        checked = today().isoformat()
        items = {
            "network": {"ready": True, "evidence": "1 Gbps", "checked_on": checked},
            "vpn": {"ready": False, "evidence": "licences", "checked_on": checked},
        }
        body = {"agency_code": "ONDE", "items": items}
        assert (
            await c.post("/api/evaluation/readiness", json=body, headers=official)
        ).status_code == 403
        r = await c.post("/api/evaluation/readiness", json=body, headers=it)
        assert r.status_code == 201 and "secure_storage" in r.json()["not_answered"]
        unknown = {"agency_code": "ONDE", "items": {"wifi": items["vpn"]}}
        assert (
            await c.post("/api/evaluation/readiness", json=unknown, headers=it)
        ).status_code == 422
        lessons = {
            "agency_code": "ONDE",
            "fiscal_year": year,
            "problems": "VPN ไม่พอ",
            "lessons": "นัดประชุมสั้นทุกเช้า",
            "decision": "continue",
        }
        assert (
            await c.post("/api/evaluation/lessons", json=lessons, headers=sup)
        ).status_code == 403
        assert (
            await c.post("/api/evaluation/lessons", json=lessons, headers=head)
        ).status_code == 201
        # Absence and office density (§12): HR's sick-leave records, the head's desks.
        sick = {"fiscal_year": year, "rows": [{"official_id": "D0102", "days": 2.5}]}
        r = await c.post("/api/evaluation/sick-leave", json=sick, headers=head)
        assert r.status_code == 403
        r = await c.post("/api/evaluation/sick-leave", json=sick, headers=hr)
        assert r.status_code == 201 and r.json() == {"recorded": 1}
        twice = {"fiscal_year": year, "rows": sick["rows"] * 2}
        assert (
            await c.post("/api/evaluation/sick-leave", json=twice, headers=hr)
        ).status_code == 422
        # The same from the HR system's file: a bad line is named, nothing taken from it.
        bad = b"official_id,days\nD0103,2\nD0202,many\n"
        r = await c.post(
            "/api/evaluation/sick-leave/import",
            data={"fiscal_year": str(year)},
            files={"file": ("hr.csv", bad, "text/csv")},
            headers=hr,
        )
        assert r.status_code == 422 and "hr.csv:3" in r.json()["detail"], r.text
        good = "official_id,days\nD0103,1.5\n".encode("cp874")
        r = await c.post(
            "/api/evaluation/sick-leave/import",
            data={"fiscal_year": str(year)},
            files={"file": ("hr.csv", good, "text/csv")},
            headers=hr,
        )
        assert r.status_code == 201 and r.json() == {"recorded": 1}, r.text
        desks = {"agency_code": "ONDE", "desks": 40}
        assert (await c.post("/api/evaluation/desks", json=desks, headers=head)).status_code == 201

    async with asyncio.timeout(120):
        while True:
            events = await chain_events(stack.audit)
            kinds = [e["type"].split(".")[4] for e in events]
            wanted = {"survey_answered", "readiness_recorded", "lessons_recorded"}
            if wanted | {"sick_leave_recorded", "office_capacity_set"} <= set(kinds):
                break
            await asyncio.sleep(0.3)
    answered = next(e for e in events if e["type"].endswith("survey_answered.v1"))
    assert "D0102" not in json.dumps(answered) and "official_id" not in answered["data"]
    assert kinds.count("commute_recorded") == 2

    async with httpx.AsyncClient(base_url=stack.url, timeout=60) as c:
        official = await login(c, "official1@onde.example.go.th")
        auditor = await login(c, "auditor@onde.example.go.th")
        query = {"agency": "ONDE", "fiscal_year": year}
        r = await c.get("/api/evaluation/report", params=query, headers=official)
        assert r.status_code == 403
        r = await c.get(
            "/api/evaluation/report", params={**query, "roll_up": True}, headers=auditor
        )
        assert r.status_code == 200, r.text
        reports = r.json()["reports"]
        assert reports[0]["agency"] == "ONDE" and len(reports) > 1  # and its bureaus
        assert reports[0]["readiness"]["score"] == round(1 / 6, 4)
        assert reports[0]["office_density"]["desks"] == 40
        absence = reports[0]["absence"]
        assert absence["others"]["n"] + absence["teleworkers"]["n"] == 2
        assert absence["others"]["mean"] is None  # two people: no figure
        pdf = await c.get("/api/evaluation/report.pdf", params=query, headers=auditor)
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        page = await c.get("/ui/evaluation", params=query, headers=auditor)
        assert page.status_code == 200 and "<svg" in page.text and "<table>" in page.text
        assert "ความพร้อมด้านเทคโนโลยี" in page.text

    result = evaluate(events, "ONDE", fiscal_year(year)[0])
    assert result.satisfaction["S1"] == {"mean": None, "n": 1}  # one answer shows no figure
    assert result.readiness["score"] == round(1 / 6, 4)
    assert "vpn" in result.readiness["gaps"]
    assert result.decision == "continue"
