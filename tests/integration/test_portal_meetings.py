"""Issue #16: a meeting secretary's page — plan an electronic meeting from a form (attendees a
line each) and see it checked against the law of its day with each reason and its section;
record who joined; check it as held. Only those who may manage meetings of the agency."""

import re

import httpx
import pytest

from services.portal.forms import meeting_facts
from tests.support.portal import browser_session
from tests.support.stack import Stack

pytestmark = pytest.mark.integration


def test_attendees_a_line_each() -> None:
    facts = meeting_facts(
        {
            "attendees": "นายก, ห้องประชุม 1\nนางข, ออนไลน์\nMr C, remote, abroad\n\n",
            "identity_verified": "on",
            "day": "07/12/2569",
        },
        9,
    )
    a, b, c = facts["attendees"]
    assert (a["mode"], a["venue"], a["in_kingdom"]) == ("in_person", "ห้องประชุม 1", True)
    assert (b["mode"], b["in_kingdom"]) == ("remote", True)
    assert (c["mode"], c["in_kingdom"], c["identity_verified"]) == ("remote", False, True)
    assert facts["held_on"] == "2026-12-07" and facts["members_total"] == 9


async def test_a_secretary_plans_records_and_checks(stack: Stack) -> None:
    # Held under the emergency decree 2563 (today): a quorum of 5 of 9, identities checked.
    today = await stack.today()
    be = f"{today.day:02d}/{today.month:02d}/{today.year + 543}"
    async with httpx.AsyncClient(base_url=stack.url, timeout=60) as c:
        csrf = await browser_session(c, "supervisor1@onde.example.go.th")
        plan = {
            "csrf": csrf,
            "meeting_id": "MTG-T-1",
            "agency": "ONDE",  # the supervisor's grant is on the department
            "title": "ประชุมคณะทำงาน",
            "day": be,
            "time": "09:30",
            "meeting_kind": "committee",
            "members_total": "9",
            "recording": "audio_video",
            "traffic_data_kept": "on",
            "identity_verified": "on",
            "attendees": "\n".join(f"กรรมการ {n}, ออนไลน์" for n in range(5)),
        }
        r = await c.post("/ui/meetings/plan", data=plan)
        assert r.status_code == 200, r.text
        assert "MTG-T-1" in r.text and "เป็นไปตามกฎหมาย" in r.text and "ไม่เป็นไป" not in r.text
        # Too few for a quorum: refused, with the reason and its basis.
        few = {**plan, "meeting_id": "MTG-T-2", "attendees": "กรรมการ 1, ออนไลน์"}
        r = await c.post("/ui/meetings/plan", data=few)
        assert "ไม่เป็นไปตามกฎหมาย" in r.text and re.search(r"<li><strong>[^<]+</strong>", r.text)

        r = await c.post(
            "/ui/meetings/MTG-T-1/attendance",
            data={"csrf": csrf, "member": "กรรมการ 0", "action": "joined", "mode": "remote"},
        )
        assert r.status_code == 200 and "record-attendance" in r.text
        r = await c.post("/ui/meetings/MTG-T-1/check", data={"csrf": csrf})
        assert r.status_code == 200 and "meeting-result" in r.text

        # An official manages no meetings: sent home with the reason.
        await browser_session(c, "official1@onde.example.go.th")
        r = await c.post("/ui/meetings/plan", data={**plan, "meeting_id": "MTG-T-3", "csrf": csrf})
        assert r.status_code in (303, 403)
