"""Commands the meetings service takes (imperative names; one handler each)."""

from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from contracts.subjects import AgencyCode


class _Command(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PlanMeeting(_Command):
    meeting_id: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.:-]+$")
    agency: AgencyCode
    title: str = Field(min_length=1, max_length=500)
    starts_at: AwareDatetime
    meeting: dict[str, Any] = Field(description="The meeting in `telework meeting check` shape")


class RecordAttendance(_Command):
    meeting_id: str
    member: str = Field(min_length=1, max_length=100)
    action: Literal["joined", "left"]
    mode: Literal["in_person", "remote"]
    venue: str | None = Field(default=None, max_length=200)
    in_kingdom: bool
    av_continuous: bool = False


class VerifyIdentity(_Command):
    """A participant identified before joining (decree 2563 s.7 (1))."""

    meeting_id: str
    member: str = Field(min_length=1, max_length=100)
    method: Literal["password", "otp", "vouched", "in_person"]


class RegisterRecording(_Command):
    meeting_id: str
    recording: Literal["audio", "audio_video"]
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size_bytes: int = Field(ge=0)
    location: str = Field(min_length=1, max_length=1000)


class CheckMeeting(_Command):
    meeting_id: str
    phase: Literal["before", "after"]
