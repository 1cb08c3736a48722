"""Who may do what: one `can(actor, action, resource)` for every service (R-INT-4).

Roles are granted over an agency subtree; a grant may hold for a period only, which is how an
acting head (รักษาราชการแทน) holds the head's powers while delegated and not after. An official
acts on their own records; a supervisor only on officials whose supervisor chain they are in.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from contracts.roles import Role

__all__ = ["ALL_AGENCIES", "Actor", "Decision", "Grant", "Resource", "Role", "can"]

ALL_AGENCIES = "*"  # only a service grant may span every agency


@dataclass(frozen=True)
class Grant:
    role: Role
    agency: str
    valid_from: datetime | None = None
    valid_to: datetime | None = None  # exclusive
    acting: bool = False

    def holds_at(self, at: datetime) -> bool:
        if self.valid_from is not None and at < self.valid_from:
            return False
        return not (self.valid_to is not None and at >= self.valid_to)


@dataclass(frozen=True)
class Actor:
    subject: str  # official id
    grants: tuple[Grant, ...] = ()
    email: str | None = None


@dataclass(frozen=True)
class Resource:
    """What an action touches, with just the facts authorization needs."""

    kind: str
    agency_path: tuple[str, ...]  # root ministry … the resource's own agency
    owner: str | None = None  # the official the record is about
    supervisors: tuple[str, ...] | None = None  # the owner's supervisor chain, nearest first


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str

    def __bool__(self) -> bool:
        return self.allowed


@dataclass(frozen=True)
class Rule:
    roles: frozenset[Role]
    own_only: frozenset[Role] = field(default_factory=frozenset)  # roles acting on own records
    chain_only: frozenset[Role] = field(default_factory=frozenset)  # roles bound to the chain
    # Not by an acting grant: powers a stand-in holds for a term must not make themselves last
    # (an acting head making a friend head, who makes them head in return).
    substantive_only: bool = False


def _rule(
    *roles: Role,
    own: tuple[Role, ...] = (),
    chain: tuple[Role, ...] = (),
    substantive: bool = False,
) -> Rule:
    return Rule(frozenset(roles) | frozenset(own), frozenset(own), frozenset(chain), substantive)


OF, S, H, HR, IT, A, ADM, SVC = (
    Role.OFFICIAL,
    Role.SUPERVISOR,
    Role.HEAD_OF_AGENCY,
    Role.HR_OFFICER,
    Role.IT_SUPPORT,
    Role.AUDITOR,
    Role.SYSTEM_ADMIN,
    Role.SERVICE,
)

# The one table. SPEC ids say where each line comes from.
POLICY: Mapping[str, Rule] = {
    # engagement (R-SEL, R-AGR, R-ORD, R-MON, R-TRM, R-EVA)
    "engagement.apply": _rule(own=(OF,)),
    "engagement.select": _rule(S, chain=(S,)),
    # Assignment for necessity in bulk (issue #19): a supervisor or the head, over a unit; each
    # official must still be in the assigner's chain (identity's `assignable`).
    "engagement.assign": _rule(S, H),
    "engagement.draft_agreement": _rule(S, chain=(S,)),
    "engagement.request_changes": _rule(S, own=(OF,), chain=(S,)),
    "engagement.accept_agreement": _rule(S, own=(OF,), chain=(S,)),
    "engagement.propose": _rule(S, chain=(S,)),
    "engagement.decide_order": _rule(H),
    "engagement.submit_report": _rule(own=(OF,)),
    "engagement.review_report": _rule(S, chain=(S,)),
    "engagement.propose_termination": _rule(S, chain=(S,)),
    "engagement.decide_termination": _rule(H),
    "engagement.assess": _rule(S, chain=(S,)),
    "engagement.read": _rule(S, H, HR, A, SVC, own=(OF,), chain=(S,)),
    # what became of a document sent through e-saraban: the bridge, with a service token only
    "document.correspondence": _rule(SVC),
    # attendance (R-ATT)
    "attendance.check_in": _rule(own=(OF,)),
    # The ledger (R-ATT-3): of an agency, for its head, HR and auditors; of one official, for
    # that official; of one official for a supervisor of theirs — the portal checks the chain
    # with identity and then asks attendance as a service (attendance knows no chains).
    "attendance.read_ledger": _rule(H, HR, A, SVC, own=(OF,)),
    "attendance.read_staff_ledger": _rule(S, chain=(S,)),
    # IT support's queue (R-MON-3): take, answer and close help requests of their agencies.
    "support.work": _rule(IT),
    # identity and policy (R-POL, R-ELIG)
    "identity.import": _rule(HR, ADM),
    "identity.manage": _rule(HR, ADM),
    # Separation of duties (issue #14): roles and acting heads come from the head of agency or
    # the administrator the head appointed, never from HR, and never to oneself (handlers).
    "identity.grant": _rule(H, ADM),
    # Roles that themselves grant (head of agency, administrator) and acting-head appointments:
    # by the head or the administrator in their own right, never by an acting head — whose
    # powers end with the term and must not be made to outlast it.
    "identity.grant_power": _rule(H, ADM, substantive=True),
    # An acting supervisor (issue #19) is appointed from above the absent supervisor: one of
    # their own supervisors, or the head; never by the absent supervisor, never to oneself.
    "identity.appoint_acting_supervisor": _rule(S, H, ADM, chain=(S,)),
    "identity.read": _rule(S, H, HR, ADM, own=(OF,), chain=(S,)),
    "identity.query": _rule(SVC, S, H, HR, A, ADM, chain=(S,)),
    "identity.contact": _rule(SVC),  # e-mail and language: services that notify, nobody else
    "policy.publish": _rule(H, HR),
    # audit (R-INT-2): auditors only, and read-only
    "audit.read": _rule(A),
    "audit.verify": _rule(A),
    "audit.export": _rule(A),
    # the hand-over of the audit signing key: the platform's administrator, who holds both keys
    "audit.rotate_key": _rule(ADM),
    # yearly evaluation (R-EVA-2): figures, no personal data
    "evaluation.read": _rule(H, HR, A),
    # the yearly schedule's record of every agency's figures: the platform's services only
    "evaluation.record": _rule(SVC),
    # its inputs (issue #18): one's own commute (or HR for the agency), the agency's defaults
    # and the head's lessons, the technology readiness checklist (IT support keeps it too)
    "evaluation.commute": _rule(HR, own=(OF,)),
    "evaluation.manage": _rule(H, HR),
    # sick-leave days per official (absence, §12): HR's records, HR enters them
    "evaluation.absence": _rule(HR),
    "evaluation.readiness": _rule(H, HR, IT),
    # electronic meetings (R-MTG)
    "meeting.manage": _rule(S, H, HR),
    "meeting.read": _rule(S, H, HR, A),
    # support and notifications (R-MON-3)
    "support.request": _rule(own=(OF,)),
    "support.handle": _rule(IT),
    "notification.read": _rule(own=(OF, S, H, HR, IT, A, ADM)),
    "system.operate": _rule(ADM, IT),
}


def can(actor: Actor, action: str, resource: Resource, at: datetime | None = None) -> Decision:
    """Allowed when some grant of the actor, in force at `at`, covers the resource's agency and
    the action's rule admits its role."""
    from services.shared.clock import now

    rule = POLICY.get(action)
    if rule is None:
        return Decision(False, f"unknown action {action!r}")
    when = at or now()
    for grant in actor.grants:
        if grant.role not in rule.roles or not grant.holds_at(when):
            continue
        if rule.substantive_only and grant.acting:
            continue
        spans_all = grant.role is Role.SERVICE and grant.agency == ALL_AGENCIES
        if not spans_all and grant.agency not in resource.agency_path:
            continue
        if grant.role in rule.own_only and resource.owner != actor.subject:
            continue
        if (
            grant.role in rule.chain_only
            and resource.supervisors is not None
            and actor.subject not in resource.supervisors
        ):
            continue
        return Decision(True, f"{grant.role} of {grant.agency}")
    roles = ", ".join(sorted(rule.roles))
    if rule.substantive_only:
        roles += " (not acting)"
    return Decision(
        False,
        f"{action} needs one of [{roles}] over agency {resource.agency_path[-1]}"
        if resource.agency_path
        else f"{action} needs one of [{roles}]",
    )
