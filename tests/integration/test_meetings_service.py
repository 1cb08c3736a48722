"""Meetings service over real NATS and both databases: plan, check before, attendance,
recording, check after; every refusal has its reason (R-MTG, R-INT-4)."""

import hashlib
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import nats
import pytest
from faststream.nats import NatsBroker
from nats.aio.client import Client

from services.meetings.adapters.tables import MEETINGS
from services.meetings.entrypoints.app import wire
from services.meetings.service_layer.handlers import LOG, MeetingsService
from services.shared.auth import DevIssuer
from services.shared.authz import Actor, Grant, Role
from tests.conftest import Database
from tests.support.rpc import call
from tests.unit.test_meeting_rules import lawful

pytestmark = pytest.mark.integration


@pytest.fixture
async def issuer(tmp_path: Path) -> DevIssuer:
    return DevIssuer.load_or_create(tmp_path / "key.pem")


@pytest.fixture
async def client(db: Database, private_nats_url: str, issuer: DevIssuer) -> AsyncIterator[Client]:
    await db.create(MEETINGS)
    broker = NatsBroker(private_nats_url)
    wire(broker, MeetingsService(db.sessions), issuer.verifier())
    await broker.start()
    nc = await nats.connect(private_nats_url)
    yield nc
    await nc.close()
    await broker.stop()


def token(issuer: DevIssuer, role: Role, agency: str = "ONDE") -> str:
    return issuer.issue(Actor(f"u-{role}", (Grant(role, agency),)))


def plan_body(meeting_id: str = "MTG-1") -> dict[str, Any]:
    return {
        "meeting_id": meeting_id,
        "agency": "ONDE",
        "title": "คณะกรรมการดิจิทัล ครั้งที่ 1",
        "starts_at": "2026-12-01T09:30:00+07:00",
        "meeting": lawful(),
    }


class TestMeetingLifecycle:
    async def test_plan_attend_record_and_check_after(
        self, client: Client, issuer: DevIssuer, db: Database
    ) -> None:
        hr = token(issuer, Role.HR_OFFICER)
        planned = await call(client, "meetings", "plan", plan_body(), hr)
        assert planned == {"ok": True, "result": planned["result"]}
        assert planned["result"]["allowed"] is True

        for m in ("m1", "m2", "m3"):
            r = await call(
                client,
                "meetings",
                "record_attendance",
                {
                    "meeting_id": "MTG-1",
                    "member": m,
                    "action": "joined",
                    "mode": "in_person",
                    "venue": "room-301",
                    "in_kingdom": True,
                },
                hr,
            )
            assert r["ok"], r
        for i in range(5):
            await call(
                client,
                "meetings",
                "record_attendance",
                {
                    "meeting_id": "MTG-1",
                    "member": f"r{i}",
                    "action": "joined",
                    "mode": "remote",
                    "in_kingdom": True,
                    "av_continuous": i != 4,
                },
                hr,
            )
        after = await call(
            client, "meetings", "check", {"meeting_id": "MTG-1", "phase": "after"}, hr, lang="en"
        )
        result = after["result"]
        # r4's video dropped, so only 7 count, and no recording was registered yet.
        assert result["present"] == 7
        assert [v["rule"] for v in result["violations"]] == ["quorum", "recording"]

        digest = hashlib.sha256(b"recording").hexdigest()
        reg = await call(
            client,
            "meetings",
            "register_recording",
            {
                "meeting_id": "MTG-1",
                "recording": "audio_video",
                "sha256": digest,
                "size_bytes": 9,
                "location": "nas://meetings/MTG-1.mp4",
            },
            hr,
        )
        assert reg["ok"], reg
        again = await call(
            client,
            "meetings",
            "register_recording",
            {
                "meeting_id": "MTG-1",
                "recording": "audio",
                "sha256": digest,
                "size_bytes": 9,
                "location": "x",
            },
            hr,
            lang="en",
        )
        assert again["error"]["code"] == "conflict"

        async with db.sessions() as s:
            events = await LOG.read_stream(s, "meeting-MTG-1")
        types = [e.envelope.type.split(".")[3:5] for e in events]
        assert types[0] == ["meeting", "meeting_planned"]
        assert types[1] == ["meeting", "meeting_checked"]
        assert types.count(["meeting", "attendance_recorded"]) == 8
        assert types[-1] == ["meeting", "recording_registered"]
        assert all(e.envelope.agency == "ONDE" for e in events)


class TestLawOfTheDay:
    async def test_a_meeting_without_a_rule_set_is_judged_by_the_2563_decree_on_its_day(
        self, client: Client, issuer: DevIssuer, db: Database
    ) -> None:
        """Issue #19: chosen by the meeting's start; identity checks and traffic data kept by
        the service count for the check after."""
        hr = token(issuer, Role.HR_OFFICER)
        facts = {
            "meeting_kind": "committee",
            "classified": False,
            "members_total": 5,
            "recording": "audio",
            "attendees": [
                {"member": f"m{i}", "mode": "remote", "in_kingdom": i != 0} for i in range(3)
            ],
        }
        body = {**plan_body("MTG-2563"), "meeting": facts}
        planned = (await call(client, "meetings", "plan", body, hr, lang="en"))["result"]
        assert planned["rule_set"] == "emergency-decree-2563"
        assert {v["rule"] for v in planned["violations"]} == {
            "quorum",
            "identity_verification",
            "traffic_data",
        }
        for i in range(3):
            r = await call(
                client,
                "meetings",
                "verify_identity",
                {"meeting_id": "MTG-2563", "member": f"m{i}", "method": "otp"},
                hr,
            )
            assert r["result"]["already"] is False
            r = await call(
                client,
                "meetings",
                "record_attendance",
                {
                    "meeting_id": "MTG-2563",
                    "member": f"m{i}",
                    "action": "joined",
                    "mode": "remote",
                    "in_kingdom": i != 0,
                },
                hr,
            )
            assert r["ok"], r
        await call(
            client,
            "meetings",
            "register_recording",
            {
                "meeting_id": "MTG-2563",
                "recording": "audio",
                "sha256": hashlib.sha256(b"x").hexdigest(),
                "size_bytes": 1,
                "location": "nas://meetings/MTG-2563.m4a",
            },
            hr,
        )
        after = await call(
            client, "meetings", "check", {"meeting_id": "MTG-2563", "phase": "after"}, hr, "en"
        )
        assert after["result"]["allowed"], after["result"]["violations"]
        assert after["result"]["allowance_eligible"] == ["m0", "m1", "m2"]
        async with db.sessions() as s:
            events = await LOG.read_stream(s, "meeting-MTG-2563")
        kinds = [e.envelope.type.split(".")[4] for e in events]
        assert kinds.count("identity_verified") == 3

    async def test_a_meeting_of_2562_is_judged_by_the_ncpo_announcement(
        self, client: Client, issuer: DevIssuer
    ) -> None:
        hr = token(issuer, Role.HR_OFFICER)
        doc = lawful()
        del doc["rule_set"]
        body = {**plan_body("MTG-2562"), "starts_at": "2019-08-01T09:30:00+07:00", "meeting": doc}
        planned = (await call(client, "meetings", "plan", body, hr))["result"]
        assert planned["rule_set"] == "ncpo-74-2557" and planned["allowed"]


class TestRefusals:
    async def test_auditor_may_not_plan_meetings(self, client: Client, issuer: DevIssuer) -> None:
        r = await call(client, "meetings", "plan", plan_body(), token(issuer, Role.AUDITOR), "en")
        assert r["error"]["code"] == "forbidden"
        assert "meeting.manage needs one of" in r["error"]["reason"]

    async def test_hr_officer_of_another_agency_is_refused(
        self, client: Client, issuer: DevIssuer
    ) -> None:
        r = await call(
            client, "meetings", "plan", plan_body(), token(issuer, Role.HR_OFFICER, "OTHER")
        )
        assert r["error"]["code"] == "forbidden"
        assert r["error"]["reason"].startswith("ไม่มีสิทธิ์")

    async def test_missing_expired_and_foreign_tokens_are_refused(
        self, client: Client, issuer: DevIssuer, tmp_path: Path
    ) -> None:
        r = await call(client, "meetings", "plan", plan_body(), None, "en")
        assert r["error"] == {
            "code": "unauthenticated",
            "reason": "unauthenticated: no token: send 'Authorization: Bearer <token>'",
        }
        old = issuer.issue(
            Actor("u", (Grant(Role.HR_OFFICER, "ONDE"),)),
            now=datetime.now().astimezone() - timedelta(days=2),
        )
        r = await call(client, "meetings", "plan", plan_body(), old, "en")
        assert r["error"]["reason"] == "unauthenticated: token expired"
        foreign = DevIssuer.load_or_create(tmp_path / "other.pem")
        r = await call(
            client, "meetings", "plan", plan_body(), token(foreign, Role.HR_OFFICER), "en"
        )
        assert "signature does not verify" in r["error"]["reason"]

    async def test_bad_input_is_refused_with_the_reason(
        self, client: Client, issuer: DevIssuer
    ) -> None:
        hr = token(issuer, Role.HR_OFFICER)
        r = await call(client, "meetings", "plan", b"{not json", hr, "en")
        assert r["error"]["code"] == "invalid" and "not JSON" in r["error"]["reason"]
        body = plan_body()
        body["meeting"]["members_total"] = -1
        r = await call(client, "meetings", "plan", body, hr, "en")
        assert r["error"]["reason"] == "invalid request: members_total must be 1–10000, got -1"
        r = await call(client, "meetings", "check", {"meeting_id": "nope", "phase": "after"}, hr)
        assert r["error"]["code"] == "not_found"
        r = await call(
            client, "meetings", "check", {"meeting_id": "x", "phase": "during"}, hr, "en"
        )
        assert r["error"]["code"] == "invalid" and "phase" in r["error"]["reason"]

    async def test_planning_the_same_meeting_twice_is_a_conflict_that_keeps_the_first(
        self, client: Client, issuer: DevIssuer, db: Database
    ) -> None:
        hr = token(issuer, Role.HR_OFFICER)
        assert (await call(client, "meetings", "plan", plan_body("MTG-2"), hr))["ok"]
        r = await call(client, "meetings", "plan", plan_body("MTG-2"), hr)
        assert r["error"]["code"] == "conflict"
        async with db.sessions() as s:
            assert len(await LOG.read_stream(s, "meeting-MTG-2")) == 2
