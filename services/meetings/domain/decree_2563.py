"""Rule set `emergency-decree-2563`: the Emergency Decree on Electronic Meetings B.E. 2563
(Royal Gazette vol. 137 part 30 ก, in force 19 April 2020), which repealed NCPO Announcement
74/2557, with the MDES announcement on security standards of electronic meetings B.E. 2563.

What changed from `ncpo-74-2557`: no co-located third, no in-Kingdom rule, secret meetings
allowed (and not recorded); in their place the organiser's duties — each electronic participant
identified before the meeting, every participant recorded (unless the meeting is secret), and
the traffic data kept with the minutes. Section numbers are as we read the Gazette text; see
docs/meetings.md for what could not be confirmed.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from services.meetings.domain.facts import Attendee, InvalidMeeting, MeetingFacts
from services.meetings.domain.rules import (
    ORDINARY_KINDS,
    STATUTORY_EXCLUDED_KINDS,
    Basis,
    CheckResult,
    Violation,
    quorum_required,
    quorum_violations,
)

DECREE_S4 = Basis(
    "พระราชกำหนดว่าด้วยการประชุมผ่านสื่ออิเล็กทรอนิกส์ พ.ศ. 2563 มาตรา 4",
    "Emergency Decree on Electronic Meetings B.E. 2563, section 4",
)
DECREE_S7_1 = Basis(
    "พระราชกำหนดว่าด้วยการประชุมผ่านสื่ออิเล็กทรอนิกส์ พ.ศ. 2563 มาตรา 7 (1)",
    "Emergency Decree on Electronic Meetings B.E. 2563, section 7 (1)",
)
DECREE_S7_4 = Basis(
    "พระราชกำหนดว่าด้วยการประชุมผ่านสื่ออิเล็กทรอนิกส์ พ.ศ. 2563 มาตรา 7 (4)",
    "Emergency Decree on Electronic Meetings B.E. 2563, section 7 (4)",
)
DECREE_S7_5 = Basis(
    "พระราชกำหนดว่าด้วยการประชุมผ่านสื่ออิเล็กทรอนิกส์ พ.ศ. 2563 มาตรา 7 (5) และประกาศกระทรวง"
    "ดิจิทัลเพื่อเศรษฐกิจและสังคม เรื่อง มาตรฐานการรักษาความมั่นคงปลอดภัยของการประชุมผ่านสื่อ"
    "อิเล็กทรอนิกส์ พ.ศ. 2563",
    "Emergency Decree on Electronic Meetings B.E. 2563, section 7 (5), and the MDES announcement "
    "on security standards of electronic meetings B.E. 2563",
)


def counts_as_present(a: Attendee) -> bool:
    """In person, or an electronic participant who identified themselves before the meeting:
    the decree counts them as attending (and due the allowance)."""
    return a.mode == "in_person" or a.identity_verified


@dataclass(frozen=True)
class EmergencyDecree2563:
    name: str = "emergency-decree-2563"
    # Kinds excluded by ministerial regulation under s.4 (4): the same CLI option and setting
    # that named the cabinet's kinds under the NCPO announcement.
    regulation_named_kinds: frozenset[str] = field(default_factory=frozenset)

    def known_kinds(self) -> frozenset[str]:
        return ORDINARY_KINDS | set(STATUTORY_EXCLUDED_KINDS) | self.regulation_named_kinds

    def check(self, facts: MeetingFacts) -> CheckResult:
        if facts.meeting_kind not in self.known_kinds():
            raise InvalidMeeting(
                f"unknown meeting_kind {facts.meeting_kind!r}; known: "
                f"{', '.join(sorted(self.known_kinds()))}"
            )
        present = [a for a in facts.attendees if counts_as_present(a)]
        quorum = quorum_required(facts.members_total, facts.quorum_fraction)
        violations = [
            *self._kind(facts),
            *quorum_violations(len(present), quorum),
            *self._identified(facts.attendees),
            *self._recording(facts),
            *self._traffic_data(facts),
        ]
        eligible = tuple(a.member for a in present) if not violations else ()
        return CheckResult(self.name, quorum, len(present), 0, 0, tuple(violations), eligible)

    def _kind(self, facts: MeetingFacts) -> list[Violation]:
        if facts.meeting_kind in STATUTORY_EXCLUDED_KINDS:
            th, en = STATUTORY_EXCLUDED_KINDS[facts.meeting_kind]
            return [
                Violation(
                    "excluded_meeting_kind",
                    DECREE_S4,
                    f"พระราชกำหนดไม่ใช้บังคับแก่{th}",
                    f"the decree does not apply to {en}",
                )
            ]
        if facts.meeting_kind in self.regulation_named_kinds:
            return [
                Violation(
                    "excluded_meeting_kind",
                    DECREE_S4,
                    f"กฎกระทรวงกำหนดมิให้ใช้พระราชกำหนดแก่การประชุมประเภท {facts.meeting_kind}",
                    f"a ministerial regulation excludes meetings of kind {facts.meeting_kind}",
                )
            ]
        return []

    @staticmethod
    def _identified(attendees: Iterable[Attendee]) -> list[Violation]:
        return [
            Violation(
                "identity_verification",
                DECREE_S7_1,
                f"ผู้ร่วมประชุม {a.member} ยังไม่ได้แสดงตนก่อนร่วมประชุมผ่านสื่ออิเล็กทรอนิกส์",
                f"attendee {a.member} was not identified before joining electronically",
            )
            for a in attendees
            if a.mode == "remote" and not a.identity_verified
        ]

    @staticmethod
    def _recording(facts: MeetingFacts) -> list[Violation]:
        if facts.secret or facts.recording != "none":
            return []
        return [
            Violation(
                "recording",
                DECREE_S7_4,
                "ต้องบันทึกเสียง หรือทั้งเสียงและภาพ ของผู้ร่วมประชุมทุกคนตลอดการประชุม เว้นแต่เป็นการประชุมลับ",
                "audio, or audio and video, of every attendee must be recorded for the whole "
                "meeting unless it is a secret meeting",
            )
        ]

    @staticmethod
    def _traffic_data(facts: MeetingFacts) -> list[Violation]:
        if facts.traffic_data_kept:
            return []
        return [
            Violation(
                "traffic_data",
                DECREE_S7_5,
                "ต้องจัดเก็บข้อมูลจราจรทางอิเล็กทรอนิกส์ของผู้ร่วมประชุมทุกคนไว้เป็นหลักฐาน "
                "(เป็นส่วนหนึ่งของรายงานการประชุม)",
                "the electronic traffic data of every attendee must be kept as evidence, "
                "as part of the minutes",
            )
        ]
