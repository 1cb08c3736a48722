"""The facts of one meeting, parsed and validated before any rule looks at them.

Every way the input can be wrong raises `InvalidMeeting` with a reason a clerk understands;
the CLI turns it into exit status 2.
"""

from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal

Mode = Literal["in_person", "remote"]
RecordingKind = Literal["none", "audio", "audio_video"]
MODES: tuple[Mode, ...] = ("in_person", "remote")
RECORDINGS: tuple[RecordingKind, ...] = ("none", "audio", "audio_video")
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


@dataclass(frozen=True)
class MeetingFacts:
    rule_set: str
    meeting_kind: str
    classified: bool
    members_total: int
    quorum_fraction: Fraction
    recording: RecordingKind
    attendees: tuple[Attendee, ...]


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
    av = doc.get("av_continuous", False)
    if not isinstance(av, bool):
        raise InvalidMeeting(f"{where}: 'av_continuous' must be true or false")
    return Attendee(
        member=member,
        mode=mode,
        in_kingdom=in_kingdom,
        venue=venue if mode == "in_person" else None,
        av_continuous=av,
    )


def parse_meeting(doc: Any) -> MeetingFacts:
    if not isinstance(doc, dict):
        raise InvalidMeeting("the meeting must be a JSON object")
    rule_set = _require(doc, "rule_set", str, "meeting")
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
    return MeetingFacts(rule_set, kind, classified, total, fraction, recording, attendees)
