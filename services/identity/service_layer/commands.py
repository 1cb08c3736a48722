"""Commands and queries the identity service takes."""

from datetime import date

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from contracts.policy import PolicyDocument
from services.shared.authz import Role


class _Message(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class GrantRole(_Message):
    official_id: str
    role: Role
    agency_code: str
    valid_from: AwareDatetime | None = None
    valid_to: AwareDatetime | None = None


class RevokeRole(_Message):
    grant_id: str


class AppointActingHead(_Message):
    official_id: str
    agency_code: str
    valid_from: AwareDatetime
    valid_to: AwareDatetime


class EndActingHead(_Message):
    grant_id: str


class AppointActingSupervisor(_Message):
    """ผู้ปฏิบัติหน้าที่แทน: `acting_id` holds `supervisor_id`'s powers over their staff for
    [valid_from, valid_to) while the supervisor is away (issue #19)."""

    supervisor_id: str = Field(max_length=64)
    acting_id: str = Field(max_length=64)
    valid_from: AwareDatetime
    valid_to: AwareDatetime


class EndActingSupervisor(_Message):
    grant_id: str = Field(max_length=64)


class ActingQuery(_Message):
    """Does `acting_id` act, at `at` (default now), for a supervisor in `official_id`'s chain?"""

    official_id: str
    acting_id: str
    at: AwareDatetime | None = None


class AssignableQuery(_Message):
    """Whom the asker may assign for necessity (issue #19, item 5): a whole agency subtree, or a
    list of officials."""

    agency_code: str = Field(max_length=64)
    official_ids: list[str] | None = Field(default=None, max_length=100_000)


class DeactivateOfficial(_Message):
    official_id: str = Field(max_length=64)


class PublishPolicy(_Message):
    agency_code: str
    document: PolicyDocument


class AssignSupervisor(_Message):
    official_id: str
    supervisor_id: str


class EmailQuery(_Message):
    email: str


class OfficialQuery(_Message):
    official_id: str


class DocumentNamesQuery(_Message):
    """Names and positions as an official document prints them (issue #17)."""

    agency_code: str
    official_ids: list[str] = Field(max_length=1000)


class RoleQuery(_Message):
    agency_code: str
    role: Role


class ImportCsv(_Message):
    files: dict[str, str] = Field(description="file name -> CSV text (UTF-8)", max_length=4)
    partial: bool = False
    preview: bool = Field(default=False, description="check and count; change nothing")


class AgencyQuery(_Message):
    agency_code: str
    on: date | None = Field(default=None, description="Default: today (Asia/Bangkok)")
