"""Electronic meetings under the law of their day (R-MTG-6, R-MTG-5, issue #19): NCPO Announcement
74/2557 until 18 April 2020, the Emergency Decree on Electronic Meetings B.E. 2563 from 19 April
2020, with the decree's duties (identification, recording unless secret, traffic data)."""

import copy
from datetime import date
from typing import Any

import pytest

from services.meetings.domain.actual import AttendanceRecord, as_held
from services.meetings.domain.facts import InvalidMeeting, parse_meeting
from services.meetings.domain.rules import check, rule_set_for


def remote(m: str, verified: bool = True, in_kingdom: bool = True) -> dict[str, Any]:
    return {"member": m, "mode": "remote", "in_kingdom": in_kingdom, "identity_verified": verified}


def lawful_2563() -> dict[str, Any]:
    """9 members, quorum 5, everyone remote (two of them abroad), identified, recorded."""
    return {
        "held_on": "2026-11-20",
        "meeting_kind": "committee",
        "classified": False,
        "members_total": 9,
        "recording": "audio_video",
        "traffic_data_kept": True,
        "votes": ["open", "secret"],
        "attendees": [remote(f"m{i}", in_kingdom=i > 1) for i in range(5)],
    }


def with_(**changes: Any) -> dict[str, Any]:
    doc = copy.deepcopy(lawful_2563())
    doc.update(changes)
    return doc


def run(doc: dict[str, Any], today: date | None = None) -> dict[str, Any]:
    return check(parse_meeting(doc), (), today=today).as_dict("en")


def rules_broken(doc: dict[str, Any]) -> list[str]:
    return [v["rule"] for v in run(doc)["violations"]]


class TestLawOfTheDay:
    @pytest.mark.parametrize(
        ("day", "name"),
        [
            (date(2014, 6, 27), "ncpo-74-2557"),
            (date(2020, 4, 18), "ncpo-74-2557"),
            (date(2020, 4, 19), "emergency-decree-2563"),
            (date(2026, 11, 27), "emergency-decree-2563"),
        ],
    )
    def test_the_rule_set_in_force(self, day: date, name: str) -> None:
        assert rule_set_for(day) == name

    def test_before_any_law_there_is_no_electronic_meeting(self) -> None:
        with pytest.raises(InvalidMeeting, match="no law allowed electronic meetings"):
            run(with_(held_on="2013-01-10"))

    def test_a_buddhist_era_date_chooses_the_same_law(self) -> None:
        assert run(with_(held_on="2563-04-18"))["rule_set"] == "ncpo-74-2557"
        assert run(with_(held_on="2563-04-19"))["rule_set"] == "emergency-decree-2563"

    def test_no_date_is_judged_by_today(self) -> None:
        doc = lawful_2563()
        del doc["held_on"]
        assert run(doc, today=date(2019, 1, 7))["rule_set"] == "ncpo-74-2557"
        assert run(doc, today=date(2026, 1, 7))["rule_set"] == "emergency-decree-2563"

    def test_a_named_rule_set_overrides_the_date(self) -> None:
        result = run(with_(rule_set="ncpo-74-2557"))
        assert result["rule_set"] == "ncpo-74-2557"
        assert {v["rule"] for v in result["violations"]} >= {"co_location", "in_kingdom"}

    def test_the_same_meeting_before_the_decree_breaks_the_ncpo_rules(self) -> None:
        assert set(rules_broken(with_(held_on="2019-06-01"))) >= {"co_location", "in_kingdom"}


class TestDecree2563:
    def test_all_remote_abroad_is_lawful_and_every_identified_member_is_due_the_allowance(
        self,
    ) -> None:
        result = run(lawful_2563())
        assert result["allowed"], result["violations"]
        assert result["rule_set"] == "emergency-decree-2563"
        assert result["present"] == 5 and result["quorum_required"] == 5
        assert result["allowance_eligible"] == ["m0", "m1", "m2", "m3", "m4"]

    def test_a_participant_not_identified_is_a_violation_and_not_counted(self) -> None:
        doc = with_(attendees=[*lawful_2563()["attendees"][:4], remote("m4", verified=False)])
        result = run(doc)
        assert [v["rule"] for v in result["violations"]] == ["quorum", "identity_verification"]
        assert result["present"] == 4
        assert "section 7 (1)" in result["violations"][1]["basis"]

    def test_recording_is_required_unless_the_meeting_is_secret(self) -> None:
        assert rules_broken(with_(recording="none")) == ["recording"]
        assert rules_broken(with_(recording="none", secret=True)) == []

    def test_classified_matters_are_no_longer_barred(self) -> None:
        assert rules_broken(with_(classified=True, secret=True, recording="none")) == []

    def test_traffic_data_must_be_kept(self) -> None:
        doc = lawful_2563()
        del doc["traffic_data_kept"]
        assert rules_broken(doc) == ["traffic_data"]

    @pytest.mark.parametrize("kind", ["parliament", "court_judgment", "procurement"])
    def test_section_4_kinds(self, kind: str) -> None:
        result = run(with_(meeting_kind=kind))
        assert [v["rule"] for v in result["violations"]] == ["excluded_meeting_kind"]
        assert "section 4" in result["violations"][0]["basis"]
        assert result["allowance_eligible"] == []

    def test_kinds_a_ministerial_regulation_excludes(self) -> None:
        facts = parse_meeting(with_(meeting_kind="disciplinary"))
        result = check(facts, ("disciplinary",))
        assert [v.rule for v in result.violations] == ["excluded_meeting_kind"]

    @pytest.mark.parametrize(
        ("change", "reason"),
        [
            ({"held_on": "20-11-2026"}, "not a date"),
            ({"held_on": 20261120}, "must be a date"),
            ({"votes": ["show of hands"]}, "'votes' must be a list"),
            ({"secret": "yes"}, "'secret' must be true or false"),
            ({"attendees": [{**remote("m0"), "identity_verified": "yes"}]}, "identity_verified"),
            ({"rule_set": 74}, "'rule_set' must be str"),
        ],
    )
    def test_bad_input_is_named(self, change: dict[str, Any], reason: str) -> None:
        with pytest.raises(InvalidMeeting, match=reason):
            parse_meeting(with_(**change))


def test_held_meeting_keeps_its_traffic_data_and_identity_checks() -> None:
    from datetime import datetime

    from services.shared.clock import BANGKOK

    planned = parse_meeting(with_(traffic_data_kept=False, recording="none"))
    at = datetime(2026, 11, 20, 9, tzinfo=BANGKOK)
    records = [
        AttendanceRecord(f"m{i}", "joined", "remote", None, True, False, at) for i in range(5)
    ]
    held = as_held(planned, records, "audio", frozenset({"m0", "m1", "m2", "m3"}))
    result = check(held, ())
    assert held.traffic_data_kept  # the join and leave records are the traffic data
    assert [v.rule for v in result.violations] == ["quorum", "identity_verification"]
