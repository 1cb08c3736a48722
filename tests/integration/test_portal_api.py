"""The public HTTP API (issue #9): bearer tokens, `can(...)` on every route, 4xx with a reason
in the caller's language, the engagement story through HTTP."""

import asyncio
import json
from typing import Any

import httpx
import pytest

from services.documents.adapters.signing import verify
from tests.support.stack import Stack, deciding_head

pytestmark = pytest.mark.integration


def pdf_text(pdf: bytes) -> str:
    import io
    import unicodedata

    from pypdf import PdfReader

    raw = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    kept = "".join(ch for ch in raw if unicodedata.category(ch) != "Cc")  # SARA AM quirk
    return kept.replace("\n", "")


async def login(client: httpx.AsyncClient, email: str) -> dict[str, str]:
    r = await client.post("/api/login", json={"email": email, "password": "demo"})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


async def test_story_over_http_with_refusals(stack: Stack) -> None:
    async with httpx.AsyncClient(base_url=stack.url, timeout=30) as c:
        assert (await c.get("/api/me")).status_code == 401
        bad = await c.post("/api/login", json={"email": "head@onde.example.go.th", "password": "x"})
        assert bad.status_code == 401 and "รหัสผ่าน" in bad.json()["detail"]
        official = await login(c, "official1@onde.example.go.th")
        sup = await login(c, "supervisor1@onde.example.go.th")
        other_sup = await login(c, "supervisor2@onde.example.go.th")
        account, _ = await deciding_head(stack.env)
        acting = await login(c, f"{account}@onde.example.go.th")

        # A field the API does not know is refused and named, never dropped: a misspelt
        # `latitude` would otherwise be a check-in without its location, silently.
        for path, body in (
            ("/api/attendance/check-in", {"channel": "web", "latitud": 13.75}),
            ("/api/engagements", {"selecton": "necessity"}),
        ):
            r = await c.post(path, json=body, headers=official)
            assert r.status_code == 422, r.text
            assert next(iter(body.keys() - {"channel"})) in r.json()["detail"]
        r = await c.post(
            "/api/engagements",
            json={"official_id": "D0102", "selection": "necessity", "necessity_reason": " "},
            headers=sup,
        )
        assert r.status_code == 422 and "necessity_reason" in r.json()["detail"], r.text
        r = await c.post("/api/engagements", json={}, headers=official)
        assert r.status_code == 201
        eid = r.json()["engagement_id"]
        r = await c.post(f"/api/engagements/{eid}/actions/select", json={}, headers=other_sup)
        assert r.status_code == 403 and "forbidden" in r.json()["detail"]
        assert "ไม่มีสิทธิ์" in r.json()["detail"]  # Thai first, the English kept
        r = await c.post(
            f"/api/engagements/{eid}/actions/select",
            json={},
            headers={**other_sup, "Accept-Language": "en"},
        )
        assert r.status_code == 403 and r.json()["detail"].startswith("forbidden"), r.text
        r = await c.post(f"/api/engagements/{eid}/actions/select", json={}, headers=sup)
        assert r.json()["state"] == "drafting"
        today = await stack.to_working_morning()  # whatever the real date (issue #21, 11)
        draft = {
            "goals": [
                {
                    "goal_id": "G1",
                    "description": "วิเคราะห์นโยบาย",
                    "indicator": "percent",
                    "target": "100",
                    "due": today.replace(year=today.year + 1).isoformat(),
                }
            ],
            "schedule": {
                "kind": "regular_weekdays",
                "start": today.isoformat(),
                "months": 6,
                "weekdays": [0, 1, 2],
            },
        }
        r = await c.post(f"/api/engagements/{eid}/actions/draft", json=draft, headers=sup)
        assert r.status_code == 409 and "exceed" in r.json()["detail"]  # 3 days > policy's 2
        draft["schedule"]["weekdays"] = sorted({today.weekday(), (today.weekday() + 3) % 5})
        r = await c.post(
            f"/api/engagements/{eid}/actions/draft",
            json=draft,
            headers={**sup, "Accept-Language": "en"},
        )
        assert r.status_code == 200
        r = await c.post(
            f"/api/engagements/{eid}/actions/accept",
            json={"agreement_version": "one"},
            headers=official,
        )
        assert r.status_code == 422
        await c.post(
            f"/api/engagements/{eid}/actions/accept",
            json={
                "agreement_version": 1,
                "ethics_acknowledged": True,
                "security_acknowledged": True,
            },
            headers=official,
        )
        await c.post(
            f"/api/engagements/{eid}/actions/accept", json={"agreement_version": 1}, headers=sup
        )
        await c.post(f"/api/engagements/{eid}/actions/propose", json={}, headers=sup)
        r = await c.post(
            f"/api/engagements/{eid}/actions/decide_order", json={"issue": True}, headers=sup
        )
        assert r.status_code == 403
        r = await c.post(
            f"/api/engagements/{eid}/actions/decide_order", json={"issue": True}, headers=acting
        )
        assert r.json()["detail"]["order_number"].startswith("ที่ ")
        r = await c.get(f"/api/engagements/{eid}", headers=official)
        assert r.json()["state"] in ("ordered", "active")
        # Attendance learns the official and the order's days from the stream, which this
        # session's earlier tests have made long: wait for it on a loaded machine.
        async with asyncio.timeout(120):
            while True:
                r = await c.post(
                    "/api/attendance/check-in", json={"channel": "mobile"}, headers=official
                )
                if r.status_code != 404:
                    break
                await asyncio.sleep(0.5)
        assert r.status_code == 200, r.text
        again = await c.post("/api/attendance/check-in", json={}, headers=official)
        assert again.status_code == 409
        r = await c.post(
            "/api/support", json={"topic": "VPN", "detail": "ต่อไม่ได้"}, headers=official
        )
        assert r.status_code == 201 and r.json()["request_id"].startswith("HELP-")
        # The order reaches the official's inbox (R-ORD-2); a generous bound for a loaded machine.
        async with asyncio.timeout(300):
            while True:
                box = (await c.get("/api/inbox", headers=official)).json()
                if any("ที่ " in item["subject"] for item in box["items"]):
                    break
                await asyncio.sleep(0.2)
        assert box["unread"] >= 1
        first = box["items"][0]["id"]
        assert (await c.post(f"/api/inbox/{first}/read", headers=official)).json()["marked"]
        hr = await login(c, "hr@onde.example.go.th")
        eligible = (await c.get("/api/identity/eligibility?agency=ONDE", headers=hr)).json()
        rules = {o["official_id"]: o["rule"] for o in eligible["officials"]}
        assert rules["D0203"] == "§3.2.1" and len(rules) == 12
        assert (
            await c.get("/api/identity/eligibility?agency=ONDE", headers=official)
        ).status_code == 403
        officials_csv = (
            "official_id,agency_code,position_code,name_th,name_en,email,citizen_id,"
            "lang\nD0901,ONDE-DGT,COMP,นายใหม่ ใจดี,New,new@onde.example.go.th,,th\n"
        )
        r = await c.post(
            "/api/identity/import",
            headers=hr,
            files=[("files", ("officials.csv", officials_csv.encode(), "text/csv"))],
        )
        assert r.status_code == 200 and r.json()["counts"]["officials_registered"] == 1
        outside = "agency_code,parent_code,level,name_th,name_en\nMOPH,,ministry,สธ,MOPH\n"
        r = await c.post(
            "/api/identity/import",
            headers=hr,
            files=[("files", ("agencies.csv", outside.encode(), "text/csv"))],
        )
        assert r.status_code == 200 and not r.json()["applied"]
        assert r.json()["errors"] == [
            {
                "where": "agencies.csv:2",
                "reason": "only the operator adds a top-level agency",
            }
        ]
        auditor = await login(c, "auditor@onde.example.go.th")
        async with asyncio.timeout(300):  # generous: a loaded machine is slow, not wrong
            while True:
                history = (
                    await c.get(f"/api/audit/history?engagement_id={eid}", headers=auditor)
                ).json()["events"]
                if any(e["event"]["type"].endswith("order_issued.v1") for e in history):
                    break
                await asyncio.sleep(0.2)
        status = (await c.get("/api/audit/status", headers=auditor)).json()
        assert status["ok"] is True and status["checked"] > 20
        assert (await c.get("/api/audit/status", headers=hr)).status_code == 403
        # A batch: two more proposals, one order number (R-ORD-2).
        # One open case per official (issue #16): D0102's is still running.
        again = {"official_id": "D0102", "selection": "necessity", "necessity_reason": "x"}
        r = await c.post("/api/engagements", json=again, headers=sup)
        assert r.status_code == 409 and eid in r.json()["detail"]
        batch_ids = []
        people = {
            "D0103": (sup, await login(c, "official2@onde.example.go.th")),
            "D0202": (other_sup, await login(c, "official3@onde.example.go.th")),
        }
        for official_id, (chief, _) in people.items():
            r = await c.post(
                "/api/engagements",
                json={
                    "official_id": official_id,
                    "selection": "necessity",
                    "necessity_reason": "โรคระบาด",
                },
                headers=chief,
            )
            bid = r.json()["engagement_id"]
            await c.post(f"/api/engagements/{bid}/actions/draft", json=draft, headers=chief)
            batch_ids.append(bid)
        for bid, (chief, person) in zip(batch_ids, people.values(), strict=True):
            await c.post(
                f"/api/engagements/{bid}/actions/accept",
                json={
                    "agreement_version": 1,
                    "ethics_acknowledged": True,
                    "security_acknowledged": True,
                },
                headers=person,
            )
            await c.post(
                f"/api/engagements/{bid}/actions/accept",
                json={"agreement_version": 1},
                headers=chief,
            )
            await c.post(f"/api/engagements/{bid}/actions/propose", json={}, headers=chief)
        r = await c.post("/api/orders/batch", json={"engagement_ids": batch_ids}, headers=acting)
        numbers = {a["detail"]["order_number"] for a in r.json().values()}
        assert len(numbers) == 1, r.json()
        # The order as a document (issue #17): its number, the official and who signed.
        pdf = await c.get(f"/api/engagements/{batch_ids[0]}/order.pdf", headers=sup)
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
        text = pdf_text(pdf.content)
        assert next(iter(numbers)) in text and "นางสาวปิยะดา รักษ์ธรรม" in text, text[:400]
        # Issued once and signed (PAdES, the demo CA here): the same bytes every time, the
        # signature intact and trusted, and its hash chained by audit as document_issued.
        again = await c.get(f"/api/engagements/{batch_ids[0]}/order.pdf", headers=sup)
        assert again.content == pdf.content
        # One order for the batch, the officials annexed: the same document for each of them.
        assert "บัญชีรายชื่อแนบท้าย" in text and "นายธนา พัฒนา" in text, text
        other = await c.get(f"/api/engagements/{batch_ids[1]}/order.pdf", headers=other_sup)
        assert other.content == pdf.content
        checked = await verify(pdf.content, [stack.backends.document_signer.chain[0]])
        assert checked.holds, checked.summary
        assert "DEMO" in checked.signer
        async with asyncio.timeout(120):
            while not await chained(stack.audit, checked.sha256):
                await asyncio.sleep(0.2)
        # The agreement both parties accepted, as its own signed document (issue #17).
        agreement = await c.get(f"/api/engagements/{batch_ids[0]}/agreement.pdf", headers=sup)
        assert agreement.status_code == 200, agreement.text
        text = pdf_text(agreement.content).replace("\n", "")
        assert "ฉบับที่ 1" in text and "นางสาวปิยะดา รักษ์ธรรม" in text, text[:400]
        assert text.count("ยอมรับเมื่อ") == 2 and "วิเคราะห์นโยบาย" in text, text
        assert "เป้าหมาย" in text and " พ.ศ. 25" in text
        not_yet = await c.get(f"/api/engagements/{eid}/assessment.pdf", headers=official)
        assert not_yet.status_code == 404
        none = await c.get(f"/api/engagements/{eid}/order.pdf", headers=official)
        assert none.status_code in (200, 404)
        assert (
            await c.post("/api/orders/batch", json={"engagement_ids": batch_ids}, headers=sup)
        ).status_code == 403
        listed = await c.get("/api/engagements", headers=sup)
        # supervisor1 sees its own staff's cases, not supervisor2's (least visibility)
        assert sorted(e["engagement_id"] for e in listed.json()) == sorted([eid, batch_ids[0]])
        seen = (await c.get("/api/engagements", headers=other_sup)).json()
        assert [e["engagement_id"] for e in seen] == [batch_ids[1]]  # its own staff only


async def chained(audit: Any, sha256: str) -> bool:
    """Whether the audit chain holds a document_issued event for this file."""
    from sqlalchemy import select

    from contracts.events.document import DocumentIssued
    from services.audit.adapters.tables import chain

    async with audit() as s:
        rows = await s.execute(
            select(chain.c.canonical).where(chain.c.type == DocumentIssued.type_name())
        )
        return any(json.loads(r[0])["data"]["sha256"] == sha256 for r in rows)
