"""The facts of one meeting, parsed and validated before any rule looks at them.

Every way the input can be wrong raises `InvalidMeeting` with a reason a clerk understands;
the CLI turns it into exit status 2.
"""

from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any, Literal

Mode = Literal["in_person", "remote"]
RecordingKind = Literal["none", "audio", "audio_video"]
Vote = Literal["open", "secret"]
MODES: tuple[Mode, ...] = ("in_person", "remote")
RECORDINGS: tuple[RecordingKind, ...] = ("none", "audio", "audio_video")
VOTES: tuple[Vote, ...] = ("open", "secret")
DEFAULT_QUORUM_FRACTION = Fraction(1, 2)


class InvalidMeeting(ValueError):
    """The meeting description cannot be checked; the message says why."""


@dataclass(frozen=True)
class Attendee:
    member: str
    mode: Mode
    in_kingdom: bool
    venue: str | None = None
    av_continuous: bool = False
    identity_verified: bool = False  # before the meeting (Emergency Decree 2563)


@dataclass(frozen=True)
class MeetingFacts:
    """`rule_set` is None when the meeting's date chooses it (rules.rule_set_for)."""

    rule_set: str | None
    meeting_kind: str
    classified: bool
    members_total: int
    quorum_fraction: Fraction
    recording: RecordingKind
    attendees: tuple[Attendee, ...]
    held_on: date | None = None
    secret: bool = False  # a secret meeting (ประชุมลับ): not recorded under the 2563 decree
    votes: tuple[Vote, ...] = ()  # kinds of vote the meeting takes
    traffic_data_kept: bool = False  # คำสั่งจราจรทางคอมพิวเตอร์ kept with the minutes


def parse_fraction(text: Any) -> Fraction:
    if not isinstance(text, str) or "/" not in text:
        raise InvalidMeeting(f'quorum_fraction must be a string like "1/2", got {shown(text)}')
    num, _, den = text.partition("/")
    try:
        value = Fraction(int(num), int(den))
    except (ValueError, ZeroDivisionError):
        raise InvalidMeeting(f"quorum_fraction {shown(text)} is not a fraction") from None
    if not 0 < value <= 1:
        raise InvalidMeeting(f"quorum_fraction {shown(text)} must be above 0 and at most 1")
    return value


MAX_MEMBERS = 10_000  # no committee is larger; beyond it the count is a mistake
MAX_TEXT = 200


def shown(value: Any) -> str:
    """A value as an error message may echo it: short, never the whole of a huge field."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "…"


def _require(doc: dict[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    if key not in doc:
        raise InvalidMeeting(f"{where}: {key!r} is missing")
    value = doc[key]
    if isinstance(value, str) and len(value) > MAX_TEXT:
        raise InvalidMeeting(f"{where}: {key!r} is longer than {MAX_TEXT} characters")
    # bool is an int in Python; a count given as true/false is still a mistake.
    if isinstance(value, bool) and kind is int:
        raise InvalidMeeting(f"{where}: {key!r} must be a whole number")
    if not isinstance(value, kind):
        name = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
        raise InvalidMeeting(f"{where}: {key!r} must be {name}, got {type(value).__name__}")
    return value


def _attendee(doc: Any, index: int) -> Attendee:
    where = f"attendees[{index}]"
    if not isinstance(doc, dict):
        raise InvalidMeeting(f"{where} must be an object")
    member = _require(doc, "member", str, where)
    if not member.strip():
        raise InvalidMeeting(f"{where}: 'member' is empty")
    mode = _require(doc, "mode", str, where)
    if mode not in MODES:
        raise InvalidMeeting(f"{where}: mode {shown(mode)} is not one of {', '.join(MODES)}")
    in_kingdom = _require(doc, "in_kingdom", bool, where)
    venue = doc.get("venue")
    if venue is not None and (not isinstance(venue, str) or not venue.strip()):
        raise InvalidMeeting(f"{where}: 'venue' must be a non-empty string")
    if mode == "in_person" and venue is None:
        raise InvalidMeeting(f"{where}: member {member!r} attends in person but has no venue")
    av = _flag(doc, "av_continuous", where)
    return Attendee(
        member=member,
        mode=mode,
        in_kingdom=in_kingdom,
        venue=venue if mode == "in_person" else None,
        av_continuous=av,
        identity_verified=_flag(doc, "identity_verified", where),
    )


def _flag(doc: dict[str, Any], key: str, where: str) -> bool:
    """An optional true/false field; absent is false (a duty not shown done is not done)."""
    value = doc.get(key, False)
    if not isinstance(value, bool):
        raise InvalidMeeting(f"{where}: {key!r} must be true or false")
    return value


def _held_on(doc: dict[str, Any]) -> date | None:
    from workflows.calendar import InvalidSchedule, parse_day

    value = doc.get("held_on")
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidMeeting(f"meeting: 'held_on' must be a date YYYY-MM-DD, got {shown(value)}")
    try:
        return parse_day(value)
    except InvalidSchedule as exc:
        raise InvalidMeeting(f"meeting: held_on {exc}") from None


def _votes(doc: dict[str, Any]) -> tuple[Vote, ...]:
    value = doc.get("votes", [])
    if not isinstance(value, list) or any(v not in VOTES for v in value):
        raise InvalidMeeting(f"meeting: 'votes' must be a list of {', '.join(VOTES)}")
    return tuple(dict.fromkeys(value))


def parse_meeting(doc: Any) -> MeetingFacts:
    if not isinstance(doc, dict):
        raise InvalidMeeting("the meeting must be a JSON object")
    rule_set = doc.get("rule_set")
    if rule_set is not None and not isinstance(rule_set, str):
        raise InvalidMeeting(f"meeting: 'rule_set' must be str, got {type(rule_set).__name__}")
    held_on = _held_on(doc)
    kind = _require(doc, "meeting_kind", str, "meeting")
    classified = _require(doc, "classified", bool, "meeting")
    total = _require(doc, "members_total", int, "meeting")
    if not 1 <= total <= MAX_MEMBERS:
        raise InvalidMeeting(f"members_total must be 1–{MAX_MEMBERS}, got {shown(total)}")
    fraction = (
        parse_fraction(doc["quorum_fraction"])
        if doc.get("quorum_fraction") is not None
        else DEFAULT_QUORUM_FRACTION
    )
    recording = _require(doc, "recording", str, "meeting")
    if recording not in RECORDINGS:
        raise InvalidMeeting(f"recording {shown(recording)} is not one of {', '.join(RECORDINGS)}")
    raw = _require(doc, "attendees", list, "meeting")
    attendees = tuple(_attendee(a, i) for i, a in enumerate(raw))
    seen: set[str] = set()
    for a in attendees:
        if a.member in seen:
            raise InvalidMeeting(f"member {a.member!r} is listed twice")
        seen.add(a.member)
    if len(attendees) > total:
        raise InvalidMeeting(
            f"{len(attendees)} attendees but the committee has only {total} members"
        )
    return MeetingFacts(
        rule_set,
        kind,
        classified,
        total,
        fraction,
        recording,
        attendees,
        held_on=held_on,
        secret=_flag(doc, "secret", "meeting"),
        votes=_votes(doc),
        traffic_data_kept=_flag(doc, "traffic_data_kept", "meeting"),
    )
