"""Electronic-meeting rules, rule set ncpo-74-2557 (R-MTG-1..5, seed §7.3–§7.5)."""

import copy
import math
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.meetings.domain.facts import InvalidMeeting, parse_meeting
from services.meetings.domain.rules import (
    check,
    co_located_required,
    quorum_required,
)


def person(m: str, venue: str = "room-301", in_kingdom: bool = True) -> dict[str, Any]:
    return {"member": m, "mode": "in_person", "venue": venue, "in_kingdom": in_kingdom}


def remote(m: str, av: bool = True, in_kingdom: bool = True) -> dict[str, Any]:
    return {"member": m, "mode": "remote", "in_kingdom": in_kingdom, "av_continuous": av}


def lawful() -> dict[str, Any]:
    """15 members, quorum 8: 3 in one room and 5 on continuous video."""
    return {
        "rule_set": "ncpo-74-2557",
        "meeting_kind": "committee",
        "classified": False,
        "members_total": 15,
        "recording": "audio_video",
        "attendees": [
            person("m1"),
            person("m2"),
            person("m3"),
            *(remote(f"r{i}") for i in range(5)),
        ],
    }


def with_(**changes: Any) -> dict[str, Any]:
    doc = copy.deepcopy(lawful())
    doc.update(changes)
    return doc


def run(doc: dict[str, Any], cabinet: tuple[str, ...] = ()) -> dict[str, Any]:
    return check(parse_meeting(doc), cabinet).as_dict("en")


def rules_broken(doc: dict[str, Any], cabinet: tuple[str, ...] = ()) -> list[str]:
    return [v["rule"] for v in run(doc, cabinet)["violations"]]


class TestNamedCases:
    def test_lawful_meeting_is_allowed_and_everyone_present_is_due_the_allowance(self) -> None:
        out = run(lawful())
        assert out["allowed"] is True
        assert (out["quorum_required"], out["present"]) == (8, 8)
        assert (out["co_located_required"], out["co_located_max"]) == (3, 3)
        assert out["allowance_eligible"] == ["m1", "m2", "m3", "r0", "r1", "r2", "r3", "r4"]

    def test_quorum_short_by_one(self) -> None:
        """R-MTG-1: at least half of all members."""
        doc = lawful()
        doc["attendees"].pop()
        assert rules_broken(doc) == ["quorum"]

    def test_remote_member_without_continuous_video_does_not_count(self) -> None:
        """R-MTG-1: only continuous audio and video counts as present (RD 2547 s.14)."""
        doc = lawful()
        doc["attendees"][-1] = remote("r4", av=False)
        out = run(doc)
        assert out["present"] == 7 and [v["rule"] for v in out["violations"]] == ["quorum"]
        assert out["allowance_eligible"] == []

    def test_committee_law_may_set_another_quorum_fraction(self) -> None:
        out = run(with_(quorum_fraction="2/3"))
        assert out["quorum_required"] == 10 and out["co_located_required"] == 4
        assert rules_broken(with_(quorum_fraction="2/3")) == ["quorum", "co_location"]

    def test_co_location_needs_a_third_of_the_quorum_in_one_venue(self) -> None:
        """R-MTG-2: NCPO 74/2557 cl.1."""
        doc = lawful()
        doc["attendees"][2] = person("m3", venue="room-302")
        doc["attendees"].append(remote("r5"))
        out = run(doc)
        assert out["co_located_max"] == 2 and [v["rule"] for v in out["violations"]] == [
            "co_location"
        ]

    def test_every_attendee_must_be_inside_the_kingdom(self) -> None:
        """R-MTG-2."""
        doc = lawful()
        doc["attendees"][4] = remote("r1", in_kingdom=False)
        out = run(doc)
        assert out["violations"][0]["rule"] == "in_kingdom"
        assert "r1" in out["violations"][0]["reason"]

    @pytest.mark.parametrize("kind", ["parliament", "court_judgment", "procurement"])
    def test_statutory_excluded_kinds(self, kind: str) -> None:
        """R-MTG-3: NCPO 74/2557 cl.2 (1)–(3)."""
        out = run(with_(meeting_kind=kind))
        assert [v["rule"] for v in out["violations"]] == ["excluded_meeting_kind"]
        assert out["violations"][0]["basis"] == "NCPO Announcement No. 74/2557, clause 2"

    def test_kind_the_cabinet_named_is_excluded(self) -> None:
        """R-MTG-3: NCPO 74/2557 cl.2 (4), a configurable list."""
        assert rules_broken(with_(meeting_kind="disciplinary"), ("disciplinary",)) == [
            "excluded_meeting_kind"
        ]

    def test_classified_matters_are_refused(self) -> None:
        """R-MTG-3: NCPO 74/2557 cl.3."""
        assert rules_broken(with_(classified=True)) == ["classified_matter"]

    def test_unrecorded_meeting_is_refused(self) -> None:
        """R-MTG-4: MICT 2557 cl.4."""
        assert rules_broken(with_(recording="none")) == ["recording"]

    def test_audio_alone_satisfies_the_recording_rule(self) -> None:
        assert run(with_(recording="audio"))["allowed"] is True

    def test_reasons_are_thai_by_default(self) -> None:
        out = check(parse_meeting(with_(recording="none"))).as_dict()
        assert out["violations"][0]["basis"].startswith("ประกาศกระทรวง")

    def test_several_rules_broken_at_once_are_all_reported(self) -> None:
        assert rules_broken(
            with_(classified=True, recording="none", meeting_kind="procurement")
        ) == ["excluded_meeting_kind", "classified_matter", "recording"]


class TestInvalidInput:
    @pytest.mark.parametrize(
        ("change", "reason"),
        [
            ({"rule_set": "ncpo-99-2599"}, "unknown rule_set"),
            ({"members_total": -1}, "members_total must be 1–10000"),
            ({"members_total": 0}, "members_total must be 1–10000"),
            ({"members_total": True}, "must be a whole number"),
            ({"members_total": "15"}, "must be int"),
            ({"members_total": 5}, "8 attendees but the committee has only 5 members"),
            ({"quorum_fraction": "3/2"}, "at most 1"),
            ({"quorum_fraction": "0/2"}, "above 0"),
            ({"quorum_fraction": "half"}, "must be a string like"),
            ({"quorum_fraction": "1/0"}, "is not a fraction"),
            ({"recording": "video"}, "recording 'video' is not one of"),
            ({"meeting_kind": "tea_party"}, "unknown meeting_kind"),
            ({"classified": "no"}, "'classified' must be bool"),
            ({"attendees": "m1"}, "'attendees' must be list"),
        ],
    )
    def test_meeting_field(self, change: dict[str, Any], reason: str) -> None:
        with pytest.raises(InvalidMeeting, match=reason):
            run(with_(**change))

    @pytest.mark.parametrize(
        ("attendee", "reason"),
        [
            (
                {"member": "x", "mode": "in_person", "in_kingdom": True},
                "in person but has no venue",
            ),
            ({"member": "x", "mode": "teleport", "in_kingdom": True}, "mode 'teleport'"),
            ({"member": "x", "mode": "remote"}, "'in_kingdom' is missing"),
            ({"member": "", "mode": "remote", "in_kingdom": True}, "'member' is empty"),
            (
                {"member": "x", "mode": "remote", "in_kingdom": True, "av_continuous": "yes"},
                "'av_continuous' must be true or false",
            ),
            ("m9", "must be an object"),
        ],
    )
    def test_attendee(self, attendee: Any, reason: str) -> None:
        doc = lawful()
        doc["attendees"].append(attendee)
        with pytest.raises(InvalidMeeting, match=reason):
            run(doc)

    def test_duplicate_member(self) -> None:
        doc = lawful()
        doc["attendees"].append(remote("m1"))
        with pytest.raises(InvalidMeeting, match="listed twice"):
            run(doc)

    @pytest.mark.parametrize(
        "missing",
        ["meeting_kind", "classified", "members_total", "recording", "attendees"],
    )
    def test_missing_field(self, missing: str) -> None:
        doc = lawful()
        del doc[missing]
        with pytest.raises(InvalidMeeting, match=f"'{missing}' is missing"):
            run(doc)

    def test_not_an_object(self) -> None:
        with pytest.raises(InvalidMeeting, match="must be a JSON object"):
            parse_meeting([1, 2])


fractions = st.fractions(min_value=Fraction(1, 100), max_value=1)


class TestArithmetic:
    @given(total=st.integers(1, 10_000), fraction=fractions)
    def test_quorum_is_the_least_whole_number_at_or_above_the_fraction(
        self, total: int, fraction: Fraction
    ) -> None:
        q = quorum_required(total, fraction)
        assert q >= total * fraction > q - 1
        assert 1 <= q <= total

    @given(quorum=st.integers(1, 10_000))
    def test_co_location_is_the_least_whole_number_at_or_above_a_third(self, quorum: int) -> None:
        c = co_located_required(quorum)
        assert 3 * c >= quorum > 3 * (c - 1)

    @given(total=st.integers(1, 60), data=st.data())
    def test_quorum_boundary_decides_the_quorum_rule(self, total: int, data: st.DataObject) -> None:
        q = math.ceil(Fraction(total, 2))
        present = data.draw(st.integers(0, total))
        together = min(present, co_located_required(q))
        attendees = [person(f"p{i}") for i in range(together)]
        attendees += [remote(f"r{i}") for i in range(present - together)]
        doc = with_(members_total=total, attendees=attendees)
        broken = rules_broken(doc)
        assert ("quorum" in broken) == (present < q)

    @given(total=st.integers(3, 60), data=st.data())
    def test_co_location_boundary(self, total: int, data: st.DataObject) -> None:
        q = math.ceil(Fraction(total, 2))
        need = co_located_required(q)
        in_room = data.draw(st.integers(0, q))
        attendees = [person(f"p{i}") for i in range(in_room)]
        attendees += [remote(f"r{i}") for i in range(q - in_room)]
        out = run(with_(members_total=total, attendees=attendees))
        assert out["co_located_max"] == in_room
        assert ("co_location" in [v["rule"] for v in out["violations"]]) == (in_room < need)

    @given(total=st.integers(2, 40), data=st.data())
    def test_adding_a_present_member_never_breaks_a_lawful_meeting(
        self, total: int, data: st.DataObject
    ) -> None:
        q = math.ceil(Fraction(total, 2))
        room = co_located_required(q)
        attendees = [person(f"p{i}") for i in range(room)]
        attendees += [remote(f"r{i}") for i in range(max(0, q - room))]
        if len(attendees) >= total:
            return
        assert run(with_(members_total=total, attendees=attendees))["allowed"]
        extra = data.draw(st.sampled_from([person("x"), remote("x")]))
        assert run(with_(members_total=total, attendees=[*attendees, extra]))["allowed"]
