"""Example events for every routed event type, and a static directory of people."""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from contracts.envelope import to_cloud_event
from contracts.events.base import event_types
from tests.support.events import new_id
from workflows.engagement.models import Chain, Heads

DAY = date(2026, 12, 8)
EXAMPLES: dict[str, dict[str, Any]] = {
    "engagement.official_selected": {"selection": "voluntary", "selected_by": "D0201"},
    "engagement.engagement_refused": {"rule": "§3.2.1", "reason": "งานข้อมูลลับ"},
    "engagement.agreement_drafted": {
        "agreement_version": 1,
        "drafted_by": "D0201",
        "goals": [],
        "telework_days": 40,
        "start": DAY,
        "end": date(2027, 6, 8),
        "schedule": {"kind": "occasional", "start": DAY, "days": 5},
    },
    "engagement.agreement_changes_requested": {
        "agreement_version": 1,
        "requested_by": "D0202",
        "role": "official",
        "comment": "ขอแก้",
    },
    "engagement.proposed_to_head": {
        "agreement_version": 2,
        "proposed_by": "D0201",
        "head_agency": "ONDE",
    },
    "engagement.order_issued": {
        "order_number": "ที่ 12/2570",
        "order_date": DAY,
        "decided_by": "D0001",
        "acting": False,
        "head_agency": "ONDE",
        "agreement_version": 2,
        "start": DAY,
        "end": date(2027, 6, 8),
        "telework_dates": [DAY],
        "goals": [],
    },
    "engagement.order_refused": {"decided_by": "D0001", "reasons": "ภารกิจเร่งด่วน"},
    "engagement.progress_report_submitted": {"report_no": 2, "summary": "x", "late": True},
    "engagement.report_reminder_sent": {"report_no": 3, "due": DAY},
    "identity.eligibility_determined": {
        "status": "may",
        "rule": "§3.1.1",
        "policy_agency": "ONDE",
        "policy_version": 2,
        "previous_status": "partly",
    },
    "engagement.report_escalated": {"report_no": 3, "due": DAY, "escalated_to": "D0002"},
    "engagement.termination_proposed": {
        "proposed_by": "D0201",
        "reasons": "ไม่ส่งงาน",
        "evidence": ["a", "b"],
    },
    "engagement.permission_withdrawn": {
        "decided_by": "D0001",
        "effective_date": DAY,
        "reasons": "ไม่ปฏิบัติตามข้อตกลง",
    },
    "engagement.termination_rejected": {"decided_by": "D0001", "reasons": "ให้โอกาส"},
    "engagement.appeal_filed": {
        "filed_by": "D0102",
        "reasons": "ส่งรายงานครบแล้ว",
        "decider": "D0001",
        "decide_by": DAY,
    },
    "engagement.appeal_decision_overdue": {"decider": "D0001", "decide_by": DAY},
    "engagement.appeal_decided": {
        "decided_by": "D0001",
        "outcome": "overturned",
        "reasons": "ฟังขึ้น",
    },
    "engagement.engagement_ended": {"ended_on": DAY, "cause": "completed"},
    "engagement.final_report_submitted": {"summary": "เสร็จ"},
    "engagement.reported_to_head": {
        "reported_by": "D0201",
        "achieved": 2,
        "partly": 1,
        "not_achieved": 0,
    },
    "attendance.attendance_flagged": {"day": DAY, "flag": "no_check_in", "reason": "ไม่ได้ลงเวลา"},
    "identity.acting_supervisor_appointed": {
        "grant_id": "A-1",
        "supervisor_id": "D0201",
        "agency_code": "ONDE",
        "valid_from": "2026-12-07T00:00:00+07:00",
        "valid_to": "2026-12-21T00:00:00+07:00",
        "by": "D0002",
    },
    "support.help_requested": {"request_id": "H-1", "topic": "VPN", "detail": "เชื่อมต่อไม่ได้"},
    "support.help_replied": {"request_id": "H-1", "replied_by": "D0303", "text": "ลองรีสตาร์ต"},
    "support.help_closed": {"request_id": "H-1", "closed_by": "D0303", "resolution": "แก้แล้ว"},
}


def example_event(key: str, official: str = "D0202", agency: str = "ONDE-DGT") -> dict[str, Any]:
    context, name = key.split(".")
    cls = event_types()[f"th.go.telework.{context}.{name}.v1"]
    data = {**EXAMPLES[key], "official_id": official}
    if "engagement_id" in cls.model_fields:
        data["engagement_id"] = "ENG-1"
    event = cls.model_validate(data)
    return to_cloud_event(
        event,
        event_id=new_id(),
        agency=agency,
        source="/t",
        time=datetime(2026, 12, 8, 3, tzinfo=UTC),
    ).model_dump(mode="json")


@dataclass
class StaticPeople:
    contacts: dict[str, dict[str, Any]] = field(default_factory=dict)
    acting: dict[str, str] = field(default_factory=dict)  # absent supervisor -> appointee

    async def chain(self, official_id: str) -> Chain:
        return Chain(
            agency_code="ONDE-DGT",
            agency_path=["MDES", "ONDE", "ONDE-DGT"],
            chain=["D0201", "D0002", "D0001"],
            acting=self.acting,
        )

    async def heads(self, agency_code: str, on: date) -> Heads:
        return Heads(agency="ONDE", head="D0001", acting_head=None, deciding="D0001")

    async def contact(self, official_id: str) -> dict[str, Any]:
        return self.contacts.get(
            official_id,
            {"email": f"{official_id.lower()}@example.go.th", "lang": "th", "name": official_id},
        )

    async def role_holders(self, agency_code: str, role: str) -> list[str]:
        return ["D0303"] if role == "it_support" else []
