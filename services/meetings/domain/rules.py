"""Rule sets for lawful electronic meetings, each named by its legal basis (R-MTG-5).

A later law is added as another `RuleSet` beside the earlier ones, never by editing them: a
meeting held in 2562 is still checked against NCPO 74/2557, one held since 19 April 2020
against the Emergency Decree of 2563 (decree_2563.py), each by the law of its own day.
"""

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from typing import Literal, Protocol

from services.meetings.domain.facts import Attendee, InvalidMeeting, MeetingFacts

Lang = Literal["th", "en"]


@dataclass(frozen=True)
class Basis:
    th: str
    en: str


RD_2547_S14 = Basis(
    "พระราชกฤษฎีกาเบี้ยประชุมกรรมการ พ.ศ. 2547 มาตรา 14",
    "Royal Decree on Committee Meeting Allowances B.E. 2547, section 14",
)
NCPO_74_CL1 = Basis("ประกาศ คสช. ฉบับที่ 74/2557 ข้อ 1", "NCPO Announcement No. 74/2557, clause 1")
NCPO_74_CL2 = Basis("ประกาศ คสช. ฉบับที่ 74/2557 ข้อ 2", "NCPO Announcement No. 74/2557, clause 2")
NCPO_74_CL3 = Basis("ประกาศ คสช. ฉบับที่ 74/2557 ข้อ 3", "NCPO Announcement No. 74/2557, clause 3")
MICT_2557_CL4 = Basis(
    "ประกาศกระทรวงเทคโนโลยีสารสนเทศและการสื่อสาร เรื่อง มาตรฐานการรักษาความมั่นคงปลอดภัย"
    "ของการประชุมผ่านสื่ออิเล็กทรอนิกส์ พ.ศ. 2557 ข้อ 4",
    "MICT Notification on Security Standards for Electronic Meetings B.E. 2557, clause 4",
)

# Kinds that clause 2 (1)–(3) exclude by name; clause 2 (4) adds what the cabinet names.
STATUTORY_EXCLUDED_KINDS = {
    "parliament": ("การประชุมของสภาผู้แทนราษฎร วุฒิสภา และรัฐสภา", "meetings of parliament"),
    "court_judgment": ("การประชุมเพื่อจัดทำคำพิพากษาหรือคำสั่งของศาล", "court judgments"),
    "procurement": ("การประชุมเพื่อดำเนินการตามกระบวนการจัดซื้อจัดจ้าง", "procurement"),
}
ORDINARY_KINDS = frozenset({"committee"})


@dataclass(frozen=True)
class Violation:
    rule: str
    basis: Basis
    reason_th: str
    reason_en: str

    def as_dict(self, lang: Lang = "th") -> dict[str, str]:
        return {
            "rule": self.rule,
            "basis": self.basis.th if lang == "th" else self.basis.en,
            "reason": self.reason_th if lang == "th" else self.reason_en,
        }


@dataclass(frozen=True)
class CheckResult:
    rule_set: str
    quorum_required: int
    present: int
    co_located_required: int
    co_located_max: int
    violations: tuple[Violation, ...]
    allowance_eligible: tuple[str, ...]

    @property
    def allowed(self) -> bool:
        return not self.violations

    def as_dict(self, lang: Lang = "th") -> dict[str, object]:
        return {
            "rule_set": self.rule_set,
            "allowed": self.allowed,
            "quorum_required": self.quorum_required,
            "present": self.present,
            "co_located_required": self.co_located_required,
            "co_located_max": self.co_located_max,
            "violations": [v.as_dict(lang) for v in self.violations],
            "allowance_eligible": list(self.allowance_eligible),
        }


def quorum_required(members_total: int, fraction: Fraction) -> int:
    """The smallest whole number of members that is at least `fraction` of all members."""
    return math.ceil(members_total * fraction)


def quorum_violations(present: int, quorum: int) -> list[Violation]:
    """RD 2547 s.14: the same under every rule set; who counts as present is theirs to say."""
    if present >= quorum:
        return []
    return [
        Violation(
            "quorum",
            RD_2547_S14,
            f"มีผู้ร่วมประชุมที่นับเป็นองค์ประชุม {present} คน ต้องมีอย่างน้อย {quorum} คน",
            f"{present} members count as present; the quorum is {quorum}",
        )
    ]


def co_located_required(quorum: int) -> int:
    """At least one third of the quorum in one place (NCPO 74/2557 cl.1)."""
    return math.ceil(Fraction(quorum, 3))


def counts_as_present(a: Attendee) -> bool:
    """In person, or remote with continuous audio and video (RD 2547 s.14 para 2)."""
    return a.mode == "in_person" or a.av_continuous


def largest_venue(attendees: Iterable[Attendee]) -> int:
    venues = Counter(a.venue for a in attendees if a.mode == "in_person" and a.venue)
    return max(venues.values(), default=0)


@dataclass(frozen=True)
class Ncpo74Of2557:
    """Rule set `ncpo-74-2557`: RD 2547 s.14, NCPO 74/2557 cl.1–3, MICT 2557 cl.4."""

    name: str = "ncpo-74-2557"
    cabinet_named_kinds: frozenset[str] = field(default_factory=frozenset)

    def known_kinds(self) -> frozenset[str]:
        return ORDINARY_KINDS | set(STATUTORY_EXCLUDED_KINDS) | self.cabinet_named_kinds

    def check(self, facts: MeetingFacts) -> CheckResult:
        if facts.meeting_kind not in self.known_kinds():
            raise InvalidMeeting(
                f"unknown meeting_kind {facts.meeting_kind!r}; known: "
                f"{', '.join(sorted(self.known_kinds()))}"
            )
        present = [a for a in facts.attendees if counts_as_present(a)]
        quorum = quorum_required(facts.members_total, facts.quorum_fraction)
        together_needed = co_located_required(quorum)
        together = largest_venue(present)
        violations = [
            *self._kind(facts),
            *self._classified(facts),
            *quorum_violations(len(present), quorum),
            *self._co_location(together, together_needed),
            *self._in_kingdom(facts.attendees),
            *self._recording(facts),
        ]
        # Allowance follows presence at a lawfully held meeting only: an unlawful electronic
        # meeting is no meeting of the committee (see docs/meetings.md).
        eligible = tuple(a.member for a in present) if not violations else ()
        return CheckResult(
            self.name, quorum, len(present), together_needed, together, tuple(violations), eligible
        )

    def _kind(self, facts: MeetingFacts) -> list[Violation]:
        if facts.meeting_kind in STATUTORY_EXCLUDED_KINDS:
            th, en = STATUTORY_EXCLUDED_KINDS[facts.meeting_kind]
            return [
                Violation(
                    "excluded_meeting_kind",
                    NCPO_74_CL2,
                    f"ห้ามประชุมผ่านสื่ออิเล็กทรอนิกส์สำหรับ{th}",
                    f"electronic meetings are not available for {en}",
                )
            ]
        if facts.meeting_kind in self.cabinet_named_kinds:
            return [
                Violation(
                    "excluded_meeting_kind",
                    NCPO_74_CL2,
                    f"คณะรัฐมนตรีกำหนดมิให้ประชุมประเภท {facts.meeting_kind} ผ่านสื่ออิเล็กทรอนิกส์",
                    f"the cabinet excluded meetings of kind {facts.meeting_kind}",
                )
            ]
        return []

    def _classified(self, facts: MeetingFacts) -> list[Violation]:
        if not facts.classified:
            return []
        return [
            Violation(
                "classified_matter",
                NCPO_74_CL3,
                "เรื่องที่มีชั้นความลับตามระเบียบว่าด้วยการรักษาความปลอดภัยแห่งชาติ ห้ามประชุมผ่านสื่ออิเล็กทรอนิกส์",
                "matters classified under the national security regulation may not "
                "be discussed in an electronic meeting",
            )
        ]

    def _co_location(self, together: int, needed: int) -> list[Violation]:
        if together >= needed:
            return []
        return [
            Violation(
                "co_location",
                NCPO_74_CL1,
                f"ผู้ร่วมประชุมในที่ประชุมแห่งเดียวกันมากที่สุด {together} คน "
                f"ต้องมีอย่างน้อย {needed} คน (หนึ่งในสามขององค์ประชุม)",
                f"at most {together} present members share one venue; at least "
                f"{needed} (one third of the quorum) must",
            )
        ]

    def _in_kingdom(self, attendees: Iterable[Attendee]) -> list[Violation]:
        return [
            Violation(
                "in_kingdom",
                NCPO_74_CL1,
                f"ผู้ร่วมประชุม {a.member} อยู่นอกราชอาณาจักรขณะประชุม",
                f"attendee {a.member} is outside the Kingdom during the meeting",
            )
            for a in attendees
            if not a.in_kingdom
        ]

    def _recording(self, facts: MeetingFacts) -> list[Violation]:
        if facts.recording != "none":
            return []
        return [
            Violation(
                "recording",
                MICT_2557_CL4,
                "ต้องบันทึกเสียง หรือทั้งเสียงและภาพ ของผู้ร่วมประชุมทุกคนตลอดการประชุม",
                "audio, or audio and video, of every attendee must be recorded for "
                "the whole meeting",
            )
        ]


class RuleSet(Protocol):
    @property
    def name(self) -> str: ...

    def check(self, facts: MeetingFacts) -> CheckResult: ...


# Which law governed electronic meetings on a day (the later law replaced the earlier one; a
# meeting is judged by the law of its own day, R-MTG-5).
IN_FORCE: tuple[tuple[str, date, date | None], ...] = (
    ("ncpo-74-2557", date(2014, 6, 27), date(2020, 4, 19)),
    ("emergency-decree-2563", date(2020, 4, 19), None),
)


def rule_set_for(day: date) -> str:
    for name, start, end in IN_FORCE:
        if start <= day and (end is None or day < end):
            return name
    raise InvalidMeeting(
        f"no law allowed electronic meetings on {day.isoformat()} (the first, NCPO "
        "Announcement 74/2557, dates from 27 June 2014); name a rule_set to check anyway"
    )


def rule_set(name: str, excluded_kinds: Iterable[str] = ()) -> RuleSet:
    """The rule set called `name`; unknown names are invalid input. `excluded_kinds` are the
    kinds the cabinet (NCPO 74/2557 cl.2 (4)) or a ministerial regulation (decree s.4 (4))
    took out."""
    from services.meetings.domain.decree_2563 import EmergencyDecree2563

    named = frozenset(excluded_kinds)
    sets: dict[str, RuleSet] = {
        "ncpo-74-2557": Ncpo74Of2557(cabinet_named_kinds=named),
        "emergency-decree-2563": EmergencyDecree2563(regulation_named_kinds=named),
    }
    try:
        return sets[name]
    except KeyError:
        raise InvalidMeeting(
            f"unknown rule_set {name!r}; known: {', '.join(sorted(sets))}"
        ) from None


def check(
    facts: MeetingFacts, cabinet_named_kinds: Iterable[str] = (), today: date | None = None
) -> CheckResult:
    """Check against the rule set the facts name, else the one in force on the meeting's day
    (`held_on`, else today: a meeting checked with no date is one about to be held)."""
    if today is None:
        from services.shared.clock import today as bangkok_today

        today = bangkok_today()
    name = facts.rule_set or rule_set_for(facts.held_on or today)
    return rule_set(name, cabinet_named_kinds).check(facts)
