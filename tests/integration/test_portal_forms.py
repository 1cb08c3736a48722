"""Web forms against the whole platform (issue #16 findings)."""

import re
from typing import Any

import httpx
import nats
import pytest

from services.shared import rpc
from services.shared.auth import service_actor
from tests.support.stack import Stack

pytestmark = pytest.mark.integration


async def policy_in_force(stack: Stack, nats_url: str, agency: str) -> dict[str, Any]:
    """The policy identity now holds for `agency`, asked as the portal (a service) asks."""
    nc = await nats.connect(nats_url)
    try:
        token = stack.issuer.issue(service_actor("portal"))
        answer: dict[str, Any] = await rpc.request(
            nc, "identity", "policy_in_force", {"agency_code": agency}, token
        )
        return answer
    finally:
        await nc.close()


async def test_the_policy_form_keeps_what_it_does_not_show(
    stack: Stack, private_nats_url: str
) -> None:
    """The demo policy makes §3.1.3 posts 'partly'; publishing from the form (which shows only
    dates and counts) used to drop that, turning two officials from partly to may."""
    async with httpx.AsyncClient(base_url=stack.url, timeout=60) as c:
        r = await c.post("/api/login", json={"email": "hr@onde.example.go.th", "password": "demo"})
        c.cookies.set("telework_session", r.json()["token"])
        csrf = re.search(r'name="csrf" value="([^"]+)"', (await c.get("/home")).text)
        assert csrf is not None
        r = await c.post(
            "/ui/policy",
            data={
                "csrf": csrf.group(1),
                "agency_code": "ONDE",
                "effective_from": "2026-01-01",
                "cadence": "21",
                "grace": "3",
                "per_week": "2",
            },
        )
        assert r.status_code == 303
        bad = await c.post(
            "/ui/policy",
            data={
                "csrf": csrf.group(1),
                "agency_code": "ONDE",
                "effective_from": "",
                "cadence": "x",
            },
        )
        assert bad.status_code == 303 and 'data-status="422"' in (await c.get("/home")).text
    policy = await policy_in_force(stack, private_nats_url, "ONDE")
    assert policy["version"] == 2
    assert policy["document"]["report_cadence_days"] == 21
    assert policy["document"]["categories"] == {"3.1.3": "partly"}


async def test_hr_records_a_departure_and_publishes_a_2565_policy_from_the_page(
    stack: Stack, private_nats_url: str
) -> None:
    """Issue #14 (an official who left, from HR's page, only with the box ticked) and issue #19
    (the policy form's rule set and depth)."""
    async with httpx.AsyncClient(base_url=stack.url, timeout=60) as c:
        r = await c.post("/api/login", json={"email": "hr@onde.example.go.th", "password": "demo"})
        c.cookies.set("telework_session", r.json()["token"])
        home = (await c.get("/home")).text
        assert "/ui/officials/D0203/deactivate" in home
        csrf = re.search(r'name="csrf" value="([^"]+)"', home)
        assert csrf is not None
        r = await c.post("/ui/officials/D0203/deactivate", data={"csrf": csrf.group(1)})
        assert r.status_code == 303 and 'data-status="422"' in (await c.get("/home")).text
        r = await c.post(
            "/ui/officials/D0203/deactivate", data={"csrf": csrf.group(1), "confirm": "on"}
        )
        assert r.status_code == 303
        assert "D0203" in (await c.get("/home")).text  # the flash message names who left
        r = await c.post(
            "/ui/policy",
            data={
                "csrf": csrf.group(1),
                "agency_code": "ONDE",
                "effective_from": "2026-01-01",
                "cadence": "7",
                "grace": "2",
                "per_week": "2",
                "rule_set": "pmo-2565",
                "min_office_days": "2",
                "notice_days": "3",
                "half_days": "on",
                "location_evidence": "on",
            },
        )
        assert r.status_code == 303
    async with httpx.AsyncClient(base_url=stack.url) as c:
        r = await c.post(
            "/api/login", json={"email": "official4@onde.example.go.th", "password": "demo"}
        )
    assert r.status_code == 401  # sign-in ended with the departure
    policy = await policy_in_force(stack, private_nats_url, "ONDE")
    doc = policy["document"]
    assert (doc["rule_set"], doc["min_office_days_per_week"]) == ("pmo-2565", 2)
    assert (doc["request_notice_working_days"], doc["half_days"]) == (3, True)
    assert doc["location_evidence"] == "optional"
    assert doc["categories"] == {"3.1.3": "partly"}  # still kept


async def test_the_official_reads_the_agreement_before_accepting(stack: Stack) -> None:
    """Issue #16: goals, period, telework days and the place are shown with the case, in Thai
    (B.E.) or English, before anyone accepts, proposes or orders."""
    async with httpx.AsyncClient(base_url=stack.url, timeout=60) as c:

        async def bearer(email: str) -> dict[str, str]:
            r = await c.post("/api/login", json={"email": email, "password": "demo"})
            return {"Authorization": f"Bearer {r.json()['token']}"}

        sup = await bearer("supervisor1@onde.example.go.th")
        r = await c.post(
            "/api/engagements",
            json={"official_id": "D0102", "selection": "necessity", "necessity_reason": "x"},
            headers=sup,
        )
        eid = r.json()["engagement_id"]
        today = await stack.today()
        start = today.replace(year=today.year + 1, day=1)
        draft = {
            "goals": [
                {
                    "goal_id": "G1",
                    "description": "จัดทำรายงานวิเคราะห์นโยบายดิจิทัล",
                    "indicator": "percent",
                    "target": "100",
                    "due": start.replace(month=12).isoformat(),
                }
            ],
            "schedule": {
                "kind": "regular_weekdays",
                "start": start.isoformat(),
                "months": 2,
                "weekdays": [1],
            },
            "work_location": "coworking_space",
        }
        r = await c.post(f"/api/engagements/{eid}/actions/draft", json=draft, headers=sup)
        assert r.status_code == 200, r.text
        r = await c.post(
            "/api/login", json={"email": "official1@onde.example.go.th", "password": "demo"}
        )
        c.cookies.set("telework_session", r.json()["token"])
        page = (await c.get("/home")).text
        assert "จัดทำรายงานวิเคราะห์นโยบายดิจิทัล" in page
        assert "ข้อตกลงฉบับที่ 1" in page and "พื้นที่ทำงานร่วมที่ส่วนราชการจัดให้" in page
        assert str(start.year + 543) in page  # B.E. dates in Thai
        english = (await c.get("/home?lang=en")).text
        assert "co-working space the agency provides" in english


async def test_the_policy_editor_starts_from_the_version_in_force_and_shows_the_difference(
    stack: Stack, private_nats_url: str
) -> None:
    """Issue #16: HR's form is filled from the version in force; "see what changes first"
    shows each changed field beside its value in force and publishes nothing; publishing then
    names what changed."""
    before = await policy_in_force(stack, private_nats_url, "ONDE")
    doc = before["document"]
    async with httpx.AsyncClient(base_url=stack.url, timeout=60) as c:
        r = await c.post("/api/login", json={"email": "hr@onde.example.go.th", "password": "demo"})
        c.cookies.set("telework_session", r.json()["token"])
        home = (await c.get("/home")).text
        assert f"v{before['version']}" in home
        assert f'name="cadence" value="{doc["report_cadence_days"]}"' in home
        csrf = re.search(r'name="csrf" value="([^"]+)"', home)
        assert csrf is not None
        form = {
            "csrf": csrf.group(1),
            "agency_code": "ONDE",
            "effective_from": "2026-01-01",
            "cadence": str(doc["report_cadence_days"] + 7),
            "grace": str(doc["grace_period_days"]),
            "per_week": str(doc["max_days_per_week"]),
            "rule_set": doc.get("rule_set", "onde-manual"),
        }
        preview = await c.post("/ui/policy", data={**form, "preview": "1"})
        assert preview.status_code == 200
        changes = preview.text[preview.text.index('id="policy-changes"') :]
        assert "รอบรายงาน" in changes and str(doc["report_cadence_days"] + 7) in changes
        assert "ระยะผ่อนผัน" not in changes  # unchanged fields are not listed
        assert (await policy_in_force(stack, private_nats_url, "ONDE"))["version"] == before[
            "version"
        ]  # nothing published by looking
        r = await c.post("/ui/policy", data=form)
        assert r.status_code == 303
        shown = (await c.get("/home")).text
        assert f"v{before['version'] + 1}" in shown and "รอบรายงาน (วัน)" in shown
    after = await policy_in_force(stack, private_nats_url, "ONDE")
    assert after["document"]["report_cadence_days"] == doc["report_cadence_days"] + 7
    assert after["document"]["categories"] == doc["categories"]  # kept as it was
