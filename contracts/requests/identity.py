"""What the identity service answers (docs/identity.md): duties (grants, acting heads and
supervisors, departures, policies, supervisors, imports) and the questions other services ask
about officials and agencies. Field names are the wire's."""

from datetime import date, datetime
from typing import ClassVar, Generic, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from contracts.policy import PolicyDocument
from contracts.requests import Reply, ReplyT, Request
from contracts.roles import Role


class IdentityRequest(Request[ReplyT], Generic[ReplyT]):
    service: ClassVar[str] = "identity"


class _Fields(BaseModel):
    """Fields shared by several requests (mixed in; not a request itself)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class OfficialQuery(_Fields):
    official_id: str = Field(max_length=64)


class AgencyQuery(_Fields):
    agency_code: str = Field(max_length=64)
    on: date | None = Field(default=None, description="Default: today (Asia/Bangkok)")


# Replies ---------------------------------------------------------------------------------------


class Chain(Reply):
    official_id: str
    agency_code: str
    agency_path: list[str] = Field(description="root ministry first")
    chain: list[str] = Field(description="first-level supervisor first")
    acting: dict[str, str] = Field(
        default_factory=dict, description="absent supervisor -> who acts for them today"
    )


class Chains(Reply):
    chains: dict[str, Chain] = Field(
        description="official -> their chain; an official identity does not know, or the asker "
        "may not ask about, is left out"
    )


class AgencyPath(Reply):
    agency_code: str
    agency_path: list[str]


class Assignable(Reply):
    agency_code: str
    agency_path: list[str]
    assignable: list[str]
    refused: dict[str, str] = Field(description="official -> why they cannot be assigned")


class ActingTerm(Reply):
    """Whom `acting_id` stands in for in the official's chain: `level` 0 is the first-level
    supervisor; `acting_for` None when nobody."""

    acting_for: str | None = None
    level: int = -1
    grant_id: str | None = None
    valid_from: datetime | None = None
    valid_to: datetime | None = None


class Heads(Reply):
    agency: str = Field(description="the department or ministry whose head decides")
    head: str | None
    acting_head: str | None
    deciding: str | None = Field(description="the acting head while there is one, else the head")


class Eligibility(Reply):
    official_id: str
    status: Literal["may", "partly", "may_not"]
    rule: str
    policy_agency: str | None = None
    policy_version: int | None = None


class PolicyInForce(Reply):
    agency_code: str
    version: int
    document: PolicyDocument


class Contact(Reply):
    official_id: str
    email: str
    lang: str
    name: str


class NameAndPosition(Reply):
    name: str
    position: str | None


class DocumentNames(Reply):
    agency: str
    officials: dict[str, NameAndPosition]


class RoleHolders(Reply):
    agency_code: str
    role: Role
    holders: list[str]


class GrantHeld(Reply):
    role: Role
    agency: str
    # Wire names "from"/"to": what the portal's session has always read.
    valid_from: str | None = Field(default=None, alias="from")
    valid_to: str | None = Field(default=None, alias="to")
    acting: bool = False


class ActorRecord(Reply):
    official_id: str
    email: str
    lang: str
    name: str
    agency_code: str
    grants: list[GrantHeld]


# What each duty answers (issue #16, item 5: the API shows these as its replies) -----------------


class Granted(Reply):
    grant_id: str = Field(description="The grant made (a role or an acting appointment)")


class Revoked(Reply):
    revoked: bool


class TermEnded(Reply):
    ended_at: AwareDatetime = Field(description="When the appointment ended")


class PolicyPublished(Reply):
    version: int = Field(description="The policy's new version for the agency")
    eligibility_changed: int = Field(description="How many officials' eligibility changed")


class SupervisorAssigned(Reply):
    assigned: bool


class ImportProblem(Reply):
    where: str = Field(description="The file and row, e.g. officials.csv:12")
    reason: str


class Imported(Reply):
    applied: bool = Field(description="False when any row was refused (nothing applied)")
    counts: dict[str, int] = Field(description="Rows taken, by kind")
    errors: list[ImportProblem]


class Deactivated(Reply):
    deactivated: bool
    grants_revoked: list[str] = Field(description="The grants ended with it")


class EligibilityRow(Reply):
    official_id: str
    agency_code: str
    name: str
    position_code: str | None = None
    status: str = Field(description="may, partly or may_not (R-ELIG-3)")
    rule: str = Field(description="The rule that decided, or undetermined")


class EligibilityRows(Reply):
    agency_code: str
    officials: list[EligibilityRow]


class GrantRow(Reply):
    grant_id: str
    official_id: str
    name: str | None = None
    role: Role
    agency_code: str
    acting: bool
    valid_from: str | None = None
    valid_to: str | None = None


class GrantRows(Reply):
    agency_code: str
    grants: list[GrantRow]


# Duties ----------------------------------------------------------------------------------------


class GrantRole(IdentityRequest[Granted]):
    """Grant a role over an agency subtree, for a period or open-ended (head or administrator)."""

    command: ClassVar[str] = "grant_role"
    official_id: str
    role: Role
    agency_code: str
    valid_from: AwareDatetime | None = None
    valid_to: AwareDatetime | None = None


class RevokeRole(IdentityRequest[Revoked]):
    """End a grant now."""

    command: ClassVar[str] = "revoke_role"
    grant_id: str


class AppointActingHead(IdentityRequest[Granted]):
    """Appoint an acting head (รักษาราชการแทน) for a period."""

    command: ClassVar[str] = "appoint_acting_head"
    official_id: str
    agency_code: str
    valid_from: AwareDatetime
    valid_to: AwareDatetime


class EndActingHead(IdentityRequest[TermEnded]):
    """End an acting-head appointment early."""

    command: ClassVar[str] = "end_acting_head"
    grant_id: str


class AppointActingSupervisor(IdentityRequest[Granted]):
    """ผู้ปฏิบัติหน้าที่แทน: `acting_id` holds `supervisor_id`'s powers over their staff for
    [valid_from, valid_to) while the supervisor is away (issue #19)."""

    command: ClassVar[str] = "appoint_acting_supervisor"
    supervisor_id: str = Field(max_length=64)
    acting_id: str = Field(max_length=64)
    valid_from: AwareDatetime
    valid_to: AwareDatetime


class EndActingSupervisor(IdentityRequest[TermEnded]):
    """End an acting-supervisor appointment early."""

    command: ClassVar[str] = "end_acting_supervisor"
    grant_id: str = Field(max_length=64)


class DeactivateOfficial(IdentityRequest[Deactivated], OfficialQuery):
    """An official who left: no more sign-in, every grant ended (HR)."""

    command: ClassVar[str] = "deactivate_official"


class PublishPolicy(IdentityRequest[PolicyPublished]):
    """Publish a new version of an agency's telework policy (R-POL-1)."""

    command: ClassVar[str] = "publish_policy"
    agency_code: str
    document: PolicyDocument


class AssignSupervisor(IdentityRequest[SupervisorAssigned]):
    """Set an official's first-level supervisor."""

    command: ClassVar[str] = "assign_supervisor"
    official_id: str
    supervisor_id: str


class ImportCsv(IdentityRequest[Imported]):
    """Import an HR export (agencies, positions, officials, supervisors), or preview it."""

    command: ClassVar[str] = "import_csv"
    files: dict[str, str] = Field(description="file name -> CSV text (UTF-8)", max_length=4)
    partial: bool = False
    preview: bool = Field(default=False, description="check and count; change nothing")


# Questions -------------------------------------------------------------------------------------


class SupervisorChain(IdentityRequest[Chain], OfficialQuery):
    """An official's agency, its place in the tree, and their supervisors, nearest first."""

    command: ClassVar[str] = "supervisor_chain"


class SupervisorChains(IdentityRequest[Chains]):
    """Many officials' chains in one question (the portal's home page), not one per official."""

    command: ClassVar[str] = "supervisor_chains"
    official_ids: list[str] = Field(max_length=1000)


class AgencyPathQuery(IdentityRequest[AgencyPath], AgencyQuery):
    """An agency's place in the tree (root ministry first), for authorizing about it."""

    command: ClassVar[str] = "agency_path"


class AssignableQuery(IdentityRequest[Assignable]):
    """Whom the asker may assign for necessity (issue #19, item 5): a whole agency subtree, or a
    list of officials."""

    command: ClassVar[str] = "assignable"
    agency_code: str = Field(max_length=64)
    official_ids: list[str] | None = Field(default=None, max_length=100_000)


class ActingQuery(IdentityRequest[ActingTerm]):
    """Does `acting_id` act, at `at` (default now), for a supervisor in `official_id`'s chain?"""

    command: ClassVar[str] = "acting_supervisor"
    official_id: str
    acting_id: str
    at: AwareDatetime | None = None


class HeadOfAgency(IdentityRequest[Heads], AgencyQuery):
    """Who decides for an agency on a day: its head, or the acting head in office."""

    command: ClassVar[str] = "head_of_agency"


class EligibilityQuery(IdentityRequest[Eligibility], OfficialQuery):
    """Whether an official's work may be done away from the office, and by which rule."""

    command: ClassVar[str] = "eligibility"


class PolicyInForceQuery(IdentityRequest[PolicyInForce], AgencyQuery):
    """The agency's policy version in force on a day (its own, or inherited)."""

    command: ClassVar[str] = "policy_in_force"


class ContactQuery(IdentityRequest[Contact], OfficialQuery):
    """How to reach an official: for the notification service only (R-INT-4)."""

    command: ClassVar[str] = "contact"


class DocumentNamesQuery(IdentityRequest[DocumentNames]):
    """Names and positions as an official document prints them (issue #17)."""

    command: ClassVar[str] = "document_names"
    agency_code: str
    official_ids: list[str] = Field(max_length=1000)


class RoleQuery(IdentityRequest[RoleHolders]):
    """Who holds a role over an agency today (a grant on it or on an ancestor)."""

    command: ClassVar[str] = "role_holders"
    agency_code: str
    role: Role


class EmailQuery(IdentityRequest[ActorRecord]):
    """An official and their grants, found by e-mail, for signing in (service tokens only)."""

    command: ClassVar[str] = "actor_by_email"
    email: str


class ActorById(IdentityRequest[ActorRecord], OfficialQuery):
    """An official's grants as of now, for the portal's session refresh (service tokens only)."""

    command: ClassVar[str] = "actor_by_id"


class EligibilityList(IdentityRequest[EligibilityRows], AgencyQuery):
    """Everyone's eligibility in an agency subtree (HR)."""

    command: ClassVar[str] = "eligibility_list"


class GrantsList(IdentityRequest[GrantRows], AgencyQuery):
    """The roles granted in an agency subtree, in force or to come."""

    command: ClassVar[str] = "grants_list"
