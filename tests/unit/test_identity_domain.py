"""Identity domain: citizen ids, §3 categories, eligibility, policy inheritance, the tree."""

from datetime import date

import pytest
from pydantic import ValidationError

from contracts.agencies import Level, OrgError, head_agency, path
from contracts.policy import PolicyDocument, PublishedPolicy, in_force
from services.identity.domain import citizen_id
from services.identity.domain.eligibility import determine

VALID_ID = "1101700230708"


class TestCitizenId:
    def test_valid_id_is_accepted_and_masked(self) -> None:
        digits = citizen_id.validate("1-1017-00230-70-8")
        assert digits == VALID_ID
        assert citizen_id.masked(digits) == "x-xxxx-xxxxx-70-8"

    @pytest.mark.parametrize("raw", ["1101700230705", "123", "11017002307a8"])
    def test_invalid_ids_are_refused_without_echoing_them(self, raw: str) -> None:
        with pytest.raises(citizen_id.InvalidCitizenId) as exc:
            citizen_id.validate(raw)
        assert raw not in str(exc.value)

    def test_hash_depends_on_the_key(self) -> None:
        assert citizen_id.keyed_hash(VALID_ID, b"a") != citizen_id.keyed_hash(VALID_ID, b"b")


def policy(agency: str, version: int, start: date, **kw: object) -> PublishedPolicy:
    return PublishedPolicy(agency, version, PolicyDocument(effective_from=start, **kw))  # type: ignore[arg-type]


class TestEligibility:
    P = policy("ONDE", 1, date(2026, 1, 1))

    @pytest.mark.parametrize(
        ("category", "status", "rule"),
        [
            ("3.1.1", "may", "§3.1.1"),
            ("3.1.4", "may", "§3.1.4"),
            ("3.2.1", "may_not", "§3.2.1"),
            ("3.2.2", "may_not", "§3.2.2"),
            ("3.2.3", "may_not", "§3.2.3"),
            (None, "may_not", "unclassified"),
        ],
    )
    def test_category_decides_with_its_section(
        self, category: str | None, status: str, rule: str
    ) -> None:
        """R-ELIG-1, R-ELIG-2, R-ELIG-3: the rule that decided is named."""
        e = determine(category, False, self.P)
        assert (e.status, e.rule) == (status, rule)

    def test_position_marked_partly(self) -> None:
        assert determine("3.1.3", True, self.P).status == "partly"

    def test_policy_can_narrow_a_category(self) -> None:
        p = policy("ONDE", 2, date(2026, 1, 1), categories={"3.1.3": "may_not"})
        e = determine("3.1.3", False, p)
        assert (e.status, e.rule) == ("may_not", "policy ONDE v2 §3.1.3")

    def test_without_a_policy_nobody_may(self) -> None:
        assert determine("3.1.1", False, None).rule == "no-policy"

    def test_a_policy_cannot_open_section_3_2_work(self) -> None:
        with pytest.raises(ValidationError, match="may not telework under any policy"):
            PolicyDocument(effective_from=date(2026, 1, 1), categories={"3.2.2": "may"})


class TestPolicyInForce:
    """R-POL-1, R-POL-2."""

    PATH = ("MDES", "ONDE", "ONDE-DGT")
    ALL = [
        policy("MDES", 1, date(2026, 1, 1)),
        policy("ONDE", 1, date(2026, 6, 1)),
        policy("ONDE", 2, date(2026, 10, 1)),
    ]

    def test_sub_agency_inherits_the_nearest_published_policy(self) -> None:
        p = in_force(self.PATH, date(2026, 7, 1), self.ALL)
        assert p is not None and (p.agency, p.version) == ("ONDE", 1)

    def test_before_the_department_published_the_ministry_applies(self) -> None:
        p = in_force(self.PATH, date(2026, 3, 1), self.ALL)
        assert p is not None and (p.agency, p.version) == ("MDES", 1)

    def test_a_later_version_takes_over_on_its_date(self) -> None:
        p = in_force(self.PATH, date(2026, 10, 1), self.ALL)
        assert p is not None and p.version == 2

    def test_own_policy_wins_over_the_parent(self) -> None:
        own = [*self.ALL, policy("ONDE-DGT", 1, date(2026, 8, 1))]
        p = in_force(self.PATH, date(2026, 8, 2), own)
        assert p is not None and p.agency == "ONDE-DGT"

    def test_nothing_before_any_policy(self) -> None:
        assert in_force(self.PATH, date(2025, 1, 1), self.ALL) is None


class TestTree:
    PARENTS = {"MDES": None, "ONDE": "MDES", "ONDE-DGT": "ONDE", "X": "Y", "Y": "X"}
    LEVELS = {
        "MDES": Level.MINISTRY,
        "ONDE": Level.DEPARTMENT,
        "ONDE-DGT": Level.BUREAU,
        "X": Level.UNIT,
        "Y": Level.UNIT,
    }

    def test_path_and_head_agency(self) -> None:
        assert path("ONDE-DGT", self.PARENTS) == ("MDES", "ONDE", "ONDE-DGT")
        assert head_agency("ONDE-DGT", self.PARENTS, self.LEVELS) == "ONDE"
        assert head_agency("MDES", self.PARENTS, self.LEVELS) == "MDES"

    def test_cycles_and_unknown_agencies_are_errors(self) -> None:
        with pytest.raises(OrgError, match="cycle"):
            path("X", self.PARENTS)
        with pytest.raises(OrgError, match="unknown agency"):
            path("NOPE", self.PARENTS)
