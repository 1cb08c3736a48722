"""What the meetings service answers (R-MTG): plan a meeting, record who joined and how, the
identity checks and recordings the 2563 decree asks for, and the check before and after."""

from typing import Any, ClassVar, Literal

from pydantic import AwareDatetime, Field

from contracts.requests import Request
from contracts.subjects import AgencyCode


class _Command(Request[dict[str, Any]]):
    service: ClassVar[str] = "meetings"


class PlanMeeting(_Command):
    """Plan an electronic meeting: its members, quorum and the rule set of its day."""

    command: ClassVar[str] = "plan"
    meeting_id: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.:-]+$")
    agency: AgencyCode
    title: str = Field(min_length=1, max_length=500)
    starts_at: AwareDatetime
    meeting: dict[str, Any] = Field(description="The meeting in `telework meeting check` shape")


class RecordAttendance(_Command):
    """A member joined or left, in person or remotely, from where."""

    command: ClassVar[str] = "record_attendance"
    meeting_id: str
    member: str = Field(min_length=1, max_length=100)
    action: Literal["joined", "left"]
    mode: Literal["in_person", "remote"]
    venue: str | None = Field(default=None, max_length=200)
    in_kingdom: bool
    av_continuous: bool = False


class VerifyIdentity(_Command):
    """A participant identified before joining (decree 2563 s.7 (1))."""

    command: ClassVar[str] = "verify_identity"
    meeting_id: str
    member: str = Field(min_length=1, max_length=100)
    method: Literal["password", "otp", "vouched", "in_person"]


class RegisterRecording(_Command):
    """The meeting's recording (audio, or audio and video), by its hash and where it is kept."""

    command: ClassVar[str] = "register_recording"
    meeting_id: str
    recording: Literal["audio", "audio_video"]
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size_bytes: int = Field(ge=0)
    location: str = Field(min_length=1, max_length=1000)


class CheckMeeting(_Command):
    """Is the meeting lawful, before it starts or after it ended, by the law of its day."""

    command: ClassVar[str] = "check"
    meeting_id: str
    phase: Literal["before", "after"]
