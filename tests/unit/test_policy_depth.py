"""Policy depth and rule sets (issue #19, items 2 and 4; R-LAW-1, R-LAW-3): places of work by
rule set, minimum office days, notice in working days, half days, coarse location evidence."""

from datetime import date

import pytest
from pydantic import ValidationError

from contracts.events.engagement import ScheduleSpec
from contracts.places import PLACE_NAMES, PLACES, RULE_SETS, places_under
from contracts.policy import PolicyDocument, template
from services.attendance.domain.rules import coarse_location
from workflows.engagement.models import Policy
from workflows.engagement.rules import earliest_start, place_refusal, schedule_refusal

FRIDAY = date(2026, 11, 27)


def policy(**overrides: object) -> Policy:
    base: dict[str, object] = {
        "agency_code": "ONDE",
        "version": 3,
        "allowed_modes": ["regular", "occasional"],
        "max_days_per_week": 3,
        "max_days_per_month": 12,
        "max_period_months": 12,
        "max_occasional_working_days": 10,
        "report_cadence_days": 7,
        "grace_period_days": 2,
    }
    return Policy.model_validate({**base, **overrides})


def weekdays(*days: int, start: date = date(2026, 12, 7), part: str = "full") -> ScheduleSpec:
    return ScheduleSpec.model_validate(
        {"kind": "regular_weekdays", "start": start, "months": 3, "weekdays": days, "part": part}
    )


class TestRuleSets:
    def test_the_2565_regulation_names_no_public_place(self) -> None:
        assert "public_place" in PLACES["onde-manual"]
        assert set(PLACES["pmo-2565"]) == {"residence", "coworking_space", "designated_place"}
        assert all(p in PLACE_NAMES for rs in RULE_SETS for p in PLACES[rs])

    def test_templates_publish_as_they_are(self) -> None:
        doc = template("pmo-2565", FRIDAY)
        assert doc.rule_set == "pmo-2565" and doc.places == PLACES["pmo-2565"]
        assert template("onde-manual", FRIDAY).places == PLACES["onde-manual"]

    def test_a_policy_cannot_open_a_place_its_rule_set_does_not_name(self) -> None:
        with pytest.raises(ValidationError, match="public_place"):
            PolicyDocument(
                effective_from=FRIDAY, rule_set="pmo-2565", work_locations=["public_place"]
            )

    def test_an_agreement_at_a_place_the_policy_does_not_allow_is_refused(self) -> None:
        p = policy(rule_set="pmo-2565")
        assert place_refusal("residence", p) is None
        assert "public_place" in (place_refusal("public_place", p) or "")
        assert place_refusal("public_place", policy()) is None  # the manual allows it
        only_home = policy(work_locations=["residence"])
        assert place_refusal("coworking_space", only_home) is not None
        assert places_under("pmo-2565", ["residence"]) == ("residence",)

    def test_policies_published_before_rule_sets_read_as_the_manual(self) -> None:
        old = PolicyDocument.model_validate({"effective_from": "2025-10-01"})
        assert old.rule_set == "onde-manual" and not old.evidence_kept
        assert policy().rule_set == "onde-manual" and policy().appeal_period_days == 15


class TestPolicyDepth:
    def test_minimum_office_days_a_week(self) -> None:
        p = policy(max_days_per_week=3, min_office_days_per_week=3)
        assert schedule_refusal(weekdays(0, 3), p, FRIDAY) is None
        reason = schedule_refusal(weekdays(0, 2, 4), p, FRIDAY)
        assert reason is not None and "office days" in reason
        monthly = ScheduleSpec(kind="regular_days_per_month", start=date(2026, 12, 7), months=2)
        monthly = monthly.model_copy(update={"days": 9})
        assert "office days" in (
            schedule_refusal(monthly, policy(min_office_days_per_week=3), FRIDAY) or ""
        )

    def test_office_days_and_telework_days_must_fit_in_a_week(self) -> None:
        with pytest.raises(ValidationError, match="five-day week"):
            PolicyDocument(effective_from=FRIDAY, max_days_per_week=3, min_office_days_per_week=3)

    def test_notice_counts_working_days_not_calendar_days(self) -> None:
        # Friday 27 Nov 2026 + 3 working days: Mon 30 Nov, Tue 1 Dec, Wed 2 Dec.
        p = policy(request_notice_working_days=3)
        assert earliest_start(p, FRIDAY) == date(2026, 12, 2)
        assert schedule_refusal(weekdays(0, start=date(2026, 12, 2)), p, FRIDAY) is None
        reason = schedule_refusal(weekdays(0, start=date(2026, 12, 1)), p, FRIDAY)
        assert reason is not None and "2026-12-02" in reason
        # 5 Dec (Father's Day) is a Saturday; its substitution, Mon 7 Dec, is no working day.
        assert earliest_start(policy(request_notice_working_days=6), FRIDAY) == date(2026, 12, 8)
        assert earliest_start(policy(), FRIDAY) == FRIDAY

    def test_half_days_only_where_the_policy_allows(self) -> None:
        morning = weekdays(1, part="morning")
        assert "half-day" in (schedule_refusal(morning, policy(), FRIDAY) or "")
        assert schedule_refusal(morning, policy(half_days=True), FRIDAY) is None


class TestLocationEvidence:
    def test_coarsened_to_the_grid(self) -> None:
        # Two points ~300 m apart in one 1 km cell read the same; the exact point is gone.
        assert coarse_location(13.7563, 100.5018, 1000) == coarse_location(13.7580, 100.5000, 1000)
        assert coarse_location(13.7563, 100.5018, 1000) != "13.756,100.502"
        assert coarse_location(13.7563, 100.5018, 1000) != coarse_location(13.7663, 100.5018, 1000)

    def test_off_unless_the_policy_turns_it_on(self) -> None:
        assert not PolicyDocument(effective_from=FRIDAY).evidence_kept
        assert PolicyDocument(effective_from=FRIDAY, location_evidence="optional").evidence_kept
        assert PolicyDocument(effective_from=FRIDAY, keep_client_location=True).evidence_kept


def test_the_page_sends_a_location_only_when_the_browser_gave_one() -> None:
    from services.portal.forms import shared_place

    assert shared_place({"latitude": "13.75630", "longitude": "100.50180"}) == {
        "latitude": 13.7563,
        "longitude": 100.5018,
    }
    for form in ({}, {"latitude": "", "longitude": ""}, {"latitude": "x", "longitude": "1"}):
        assert shared_place(form) is None
    assert shared_place({"latitude": "95", "longitude": "100"}) is None
