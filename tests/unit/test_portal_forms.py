"""The web forms take what people type and refuse the rest with a reason (issue #16 findings:
no more "Internal Server Error" on ordinary input)."""

from datetime import date
from pathlib import Path

import pytest

from contracts.events.engagement import ScheduleSpec
from services.portal.actions import Refused
from services.portal.forms import form_to_body, weekday, whole_number
from services.portal.web import export_text
from tests.support.engagement import POLICY
from workflows.engagement.rules import schedule_refusal


@pytest.mark.parametrize(
    ("typed", "day"),
    [("mon", 0), ("Thursday", 3), (" fri ", 4), ("จันทร์", 0), ("พฤหัสบดี", 3), ("พฤ", 3), ("ศ", 4)],
)
def test_weekdays_as_people_type_them(typed: str, day: int) -> None:
    assert weekday(typed) == day


@pytest.mark.parametrize("typed", ["sat", "อาทิตย์", "x", "sunday"])
def test_other_days_are_refused_with_the_reason(typed: str) -> None:
    with pytest.raises(Refused) as refused:
        weekday(typed)
    assert refused.value.status == 422 and "Monday to Friday" in refused.value.reason


@pytest.mark.parametrize("value", ["abc", "0", "-3", "1000", ""])
def test_months_must_be_a_sensible_whole_number(value: str) -> None:
    with pytest.raises(Refused) as refused:
        whole_number(value, "months")
    assert refused.value.status == 422


def test_a_draft_form_with_bad_months_is_a_422_not_a_500() -> None:
    form = {
        "start": "2027-01-04",
        "weekdays": "mon,thu",
        "months": "abc",
        "goal": "x",
        "due": "30/06/2570",
    }
    with pytest.raises(Refused) as refused:
        form_to_body("draft", form)
    assert refused.value.status == 422
    body = form_to_body("draft", {**form, "months": "6", "weekdays": "จันทร์, พฤหัส"})
    assert body["schedule"]["weekdays"] == [0, 3] and body["schedule"]["months"] == 6


def test_thai_excel_csv_is_read_and_other_bytes_refused() -> None:
    thai = "official_id,name_th\nD1,นายทดสอบ ใจดี\n"
    assert export_text(thai.encode("cp874"), "x.csv") == thai
    assert export_text(b"\xef\xbb\xbf" + thai.encode(), "x.csv") == thai
    with pytest.raises(Refused):
        export_text(bytes(range(128, 256)) * 3, "x.csv")


@pytest.mark.parametrize(
    ("schedule", "reason"),
    [
        (
            ScheduleSpec(kind="regular_weekdays", start=date(2027, 1, 4), months=0, weekdays=[0]),
            "at least one month",
        ),
        (
            ScheduleSpec(kind="regular_weekdays", start=date(2027, 1, 4), months=3, weekdays=[]),
            "weekdays",
        ),
        (
            ScheduleSpec(kind="regular_weekdays", start=date(2027, 1, 4), months=3, weekdays=[5]),
            "weekdays",
        ),
        (ScheduleSpec(kind="occasional", start=date(2027, 1, 4), days=0), "at least one"),
    ],
)
def test_schedules_that_cannot_be_planned_are_refused_up_front(
    schedule: ScheduleSpec, reason: str
) -> None:
    """A draft with months 0 used to be accepted and its planning retried for ever."""
    refusal = schedule_refusal(schedule, POLICY, date(2027, 1, 1))
    assert refusal is not None and reason in refusal


def test_workflow_refusals_read_in_thai_first_with_the_english_kept() -> None:
    from services.portal.i18n import refusal_text

    said = refusal_text("Refused: D0001 is not the head of agency ONDE today")
    assert said.startswith("D0001 ไม่ใช่ผู้มีอำนาจสั่งของส่วนราชการ ONDE ในวันนี้")
    assert said.endswith("/ D0001 is not the head of agency ONDE today")
    assert refusal_text("anything new").startswith("ดำเนินการไม่ได้ / refused: anything new")


def test_the_select_form_sends_the_checked_checklist_items() -> None:
    """R-SEL-2: the selection form's checkboxes become the step's traits and readiness."""
    body = form_to_body("select", {"traits": ["responsible"], "readiness": ["internet"]})
    assert body == {"traits": ["responsible"], "readiness": ["internet"]}
    assert form_to_body("select", {}) == {"traits": [], "readiness": []}


def test_weekday_boxes_or_typed_weekdays() -> None:
    """Issue #16: the forms tick จ.–ศ.; typed weekdays still work for API clients."""
    base = {"start": "2026-12-07", "goal": "g", "due": "2027-06-30", "months": "3"}
    ticked = form_to_body("draft", {**base, "weekday": ["3", "0", "3"]})
    assert ticked["schedule"]["weekdays"] == [0, 3]
    typed = form_to_body("draft", {**base, "weekdays": "จ,พฤ"})
    assert typed["schedule"]["weekdays"] == [0, 3]
    with pytest.raises(Refused) as bad:
        form_to_body("draft", {**base, "weekday": ["5"]})
    assert bad.value.status == 422


def test_dates_as_thai_forms_write_them() -> None:
    """Issue #16: day/month/B.E. year, or C.E., or ISO; anything else a 422 with the reason."""
    from services.portal.actions import parse_day

    assert parse_day("07/12/2569") == date(2026, 12, 7)
    assert parse_day("7/12/2026") == date(2026, 12, 7)
    assert parse_day("2569-12-07") == date(2026, 12, 7)
    assert parse_day("2026-12-07") == date(2026, 12, 7)
    for bad in ("31/02/2569", "12-07-2569", "07/12/69", "สิบสอง"):
        with pytest.raises(Refused) as refused:
            parse_day(bad)
        assert refused.value.status == 422 and "วันที่ไม่ถูกต้อง" in refused.value.reason


def test_the_heads_termination_decision_keep_or_withdraw_from_a_day() -> None:
    from services.portal.forms import form_to_body

    withdraw = form_to_body(
        "decide_termination",
        {"decision": "yes", "reasons": "ไม่ส่งงาน", "effective_date": "15/01/2570"},
    )
    assert withdraw == {"withdraw": True, "reasons": "ไม่ส่งงาน", "effective_date": "2027-01-15"}
    keep = form_to_body("decide_termination", {"decision": "no", "reasons": "ให้โอกาสอีกครั้ง"})
    assert keep == {"withdraw": False, "reasons": "ให้โอกาสอีกครั้ง"}


def test_the_policy_editor_names_what_a_new_version_changes() -> None:
    """Issue #16: the policy form edits the version in force and shows the difference; what
    the form does not show (categories) is neither shown nor changed."""
    from services.portal.forms import policy_changes

    current = {
        "effective_from": "2026-01-01",
        "report_cadence_days": 7,
        "grace_period_days": 2,
        "max_days_per_week": 2,
        "categories": {"3.1.3": "partly"},
        "half_days": False,
    }
    proposed = {**current, "report_cadence_days": 14, "half_days": True}
    assert policy_changes(current, proposed) == [
        ("report_every_days", 7, 14),
        ("half_days", False, True),
    ]
    assert policy_changes(current, dict(current)) == []
    first = policy_changes(None, {"effective_from": "2026-01-01", "max_days_per_week": 2})
    assert first == [("effective_from", None, "2026-01-01"), ("max_days_a_week", None, 2)]


def test_a_termination_proposal_without_evidence_is_refused_not_filled_in() -> None:
    """Seed §9.2 (6): the proposal rests on its evidence; a blank field was recorded as "-"."""
    from pydantic import ValidationError

    from workflows.engagement.models import ProposeTermination

    body = form_to_body("propose_termination", {"reasons": "ไม่ส่งงาน", "evidence": "  "})
    assert body == {"reasons": "ไม่ส่งงาน", "evidence": []}
    with pytest.raises(ValidationError, match="evidence"):
        ProposeTermination.model_validate({"by": "D0101", **body})
    body = form_to_body("propose_termination", {"reasons": "ไม่ส่งงาน", "evidence": "บันทึก 3/2569"})
    assert body["evidence"] == ["บันทึก 3/2569"]


def test_an_assessment_without_a_chosen_result_is_refused_not_achieved() -> None:
    """The form's first option is "— choose —"; a post without a result was 'achieved'."""
    from pydantic import ValidationError

    from workflows.engagement.models import Assess

    for form in ({}, {"result_G1": ""}):
        body = form_to_body("assess", form)
        with pytest.raises(ValidationError, match="result"):
            Assess.model_validate({"by": "D0101", **body})


def test_a_refusal_in_english_is_the_english_half_and_in_thai_both() -> None:
    from services.portal.i18n import in_language

    both = "ไม่มีสิทธิ์ / forbidden: not in your supervisor chain"
    assert in_language(both, "en") == "forbidden: not in your supervisor chain"
    assert in_language(both, "th") == both  # Thai first, the English kept
    # Not of that shape, or the English half names something in Thai: given whole.
    assert in_language("Not Found", "en") == "Not Found"
    named = "ดำเนินการไม่ได้ / refused: goal 'ทบทวนระบบงาน' has no due date"
    assert in_language(named, "en") == named


def test_csv_uploads_with_odd_line_ends_or_huge_fields_are_read_or_refused_never_a_500(
    tmp_path: Path,
) -> None:
    """Schemathesis found a sick-leave upload with a lone carriage return answering 500; a
    field past the csv module's limit did the same to both uploads."""
    import csv

    from services.identity.service_layer.csv_format import read
    from services.portal.evaluation import sick_leave_rows
    from services.portal.refusals import Refused

    assert sick_leave_rows("official_id,days\rD0102,3\r", "old.csv") == {"D0102": 3.0}
    huge = "official_id,days\nD0102," + "9" * (csv.field_size_limit() + 1) + "\n"
    with pytest.raises(Refused) as refused:
        sick_leave_rows(huge, "huge.csv")
    assert refused.value.status == 422 and "huge.csv:2" in refused.value.reason
    supervisors = tmp_path / "supervisors.csv"
    supervisors.write_text(huge.replace("days", "supervisor_id"), encoding="utf-8")
    assert read([supervisors]).errors[0][:2] == ("supervisors.csv", 2)
