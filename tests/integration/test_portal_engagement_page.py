"""Issue #16: an engagement's own page — its card with the actions the caller may take, the
telework days as a B.E. calendar, each report with its text and review, the assessment goal by
goal — and the forms it brings: several goals in one draft, a review that shows the report it
reviews (and is gone once done), an assessment per goal."""

import re
from datetime import timedelta

import httpx
import pytest

from tests.support.stack import Stack, deciding_head

pytestmark = pytest.mark.integration
PASSWORD = "demo"


async def signed_in(stack: Stack, email: str) -> tuple[httpx.AsyncClient, str, dict[str, str]]:
    """A browser-like client (session cookie), its CSRF token, and a bearer for API steps."""
    c = httpx.AsyncClient(base_url=stack.url, timeout=60)
    r = await c.post("/api/login", json={"email": email, "password": PASSWORD})
    assert r.status_code == 200, r.text
    c.cookies.set("telework_session", r.json()["token"])
    csrf = re.search(r'name="csrf" value="([^"]+)"', (await c.get("/home")).text)
    assert csrf is not None
    return c, csrf.group(1), {"Authorization": f"Bearer {r.json()['token']}"}


async def test_the_engagement_page_from_draft_to_assessment(stack: Stack) -> None:
    today = await stack.to_working_morning()
    sup, sup_csrf, sup_api = await signed_in(stack, "supervisor1@onde.example.go.th")
    off, _, off_api = await signed_in(stack, "official2@onde.example.go.th")
    stranger, _, _ = await signed_in(stack, "supervisor2@onde.example.go.th")
    account, _ = await deciding_head(stack.env)
    _, _, head_api = await signed_in(stack, f"{account}@onde.example.go.th")
    try:
        r = await sup.post(
            "/api/engagements",
            json={"official_id": "D0103", "selection": "necessity", "necessity_reason": "x"},
            headers=sup_api,
        )
        eid = r.json()["engagement_id"]
        page = f"/ui/engagements/{eid}"
        due = f"{today.day:02d}/{today.month:02d}/{today.year + 544}"
        # Two goals and one row left empty, B.E. dates, the weekday boxes; sent from the page.
        form = {
            "csrf": sup_csrf,
            "back": page,
            "goal": ["ร่างแนวทางการประเมินผล", "จัดอบรมผู้ใช้งาน 3 ครั้ง", ""],
            "indicator": ["percent", "number", "percent"],
            "target": ["100", "3", ""],
            "due": [due, due, ""],
            "start": f"{today.day:02d}/{today.month:02d}/{today.year + 543}",
            "months": "2",
            "weekday": [str(today.weekday())],
        }
        r = await sup.post(f"/ui/engagements/{eid}/draft", data=form)
        assert r.status_code == 303 and r.headers["location"] == page, r.text
        summary = (await sup.get(f"/api/engagements/{eid}", headers=sup_api)).json()
        assert [(g["goal_id"], g["indicator"], g["target"]) for g in summary["goals"]] == [
            ("G1", "percent", "100"),
            ("G2", "number", "3"),
        ]
        shown = (await sup.get(page)).text
        assert "ร่างแนวทางการประเมินผล" in shown and "จัดอบรมผู้ใช้งาน 3 ครั้ง" in shown
        # The calendar: the first month in B.E., with the telework days marked.
        assert str(today.year + 543) in shown and 'class="telework"' in shown
        # The back address must be one of our engagement pages, never another site.
        r = await sup.post(
            f"/ui/engagements/{eid}/request_changes",
            data={"csrf": sup_csrf, "back": "https://evil.example/", "comment": "ขอแก้"},
        )
        assert r.status_code == 303 and r.headers["location"] == "/home"

        acks = {"agreement_version": 1, "ethics_acknowledged": True}
        for who, body in ((off_api, {**acks, "security_acknowledged": True}), (sup_api, acks)):
            r = await off.post(f"/api/engagements/{eid}/actions/accept", json=body, headers=who)
            assert r.status_code == 200, r.text
        await sup.post(f"/api/engagements/{eid}/actions/propose", json={}, headers=sup_api)
        r = await sup.post(
            f"/api/engagements/{eid}/actions/decide_order", json={"issue": True}, headers=head_api
        )
        assert r.status_code == 200, r.text
        await stack.env.sleep(timedelta(days=8))  # the first progress report falls due
        r = await off.post(
            f"/api/engagements/{eid}/actions/report",
            json={"summary": "ร่างแนวทางเสร็จร้อยละ 60"},
            headers=off_api,
        )
        assert r.status_code == 200, r.text

        # The supervisor reviews the report seeing what it says; then the button is gone.
        shown = (await sup.get(page)).text
        assert "ร่างแนวทางเสร็จร้อยละ 60" in shown and "act-review" in shown
        r = await sup.post(
            f"/ui/engagements/{eid}/review",
            data={"csrf": sup_csrf, "back": page, "report_no": "1", "comment": "ดีมาก"},
        )
        assert r.status_code == 303 and r.headers["location"] == page
        shown = (await sup.get(page)).text
        assert "act-review" not in shown and "✓ ดีมาก" in shown
        # The history names who took each step and when: the supervisor who drafted, reviewed.
        history = shown[shown.index('class="history"') :]
        assert "นางมาลี ศรีสุข" in history and "นางสาวปิยะดา รักษ์ธรรม" in history
        assert str(today.year + 543) in history and "D0101" not in history

        # Someone with no part in the case is turned away from its page.
        r = await stranger.get(page)
        assert r.status_code == 303 and r.headers["location"] == "/home"
        english = (await off.get(f"{page}?lang=en")).text
        assert "Progress reports" in english and "ร่างแนวทางเสร็จร้อยละ 60" in english
    finally:
        for c in (sup, off, stranger):
            await c.aclose()


def test_goal_rows_become_goals() -> None:
    from services.portal.forms import form_to_body

    body = form_to_body(
        "draft",
        {
            "goal": ["ก", "", "ข"],
            "indicator": ["percent", "percent", "text"],
            "target": ["100", "", "คู่มือ"],
            "due": ["01/10/2570", "", "2027-10-01"],
            "start": "01/12/2569",
            "months": "2",
            "weekday": ["0"],
        },
    )
    assert [(g["goal_id"], g["description"], g["due"]) for g in body["goals"]] == [
        ("G1", "ก", "2027-10-01"),
        ("G2", "ข", "2027-10-01"),
    ]
    assessed = form_to_body(
        "assess", {"result_G1": "achieved", "result_G2": "partly", "comment_G2": "ครึ่งหนึ่ง"}
    )
    assert assessed["assessments"] == [
        {"goal_id": "G1", "result": "achieved", "comment": ""},
        {"goal_id": "G2", "result": "partly", "comment": "ครึ่งหนึ่ง"},
    ]
    with pytest.raises(KeyError):
        form_to_body("draft", {"goal": ["", "ข"], "start": "01/12/2569", "weekday": ["0"]})
