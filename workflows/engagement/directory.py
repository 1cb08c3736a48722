"""What the engagement workflow asks the identity service, behind one small interface.

In production the answers come over NATS request/reply (`NatsIdentityDirectory`); tests of the
workflow's own logic may use `StaticDirectory` with the same answers.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

from nats.aio.client import Client as Nats

from contracts.requests import ReplyT, Request
from contracts.requests import identity as ask
from contracts.roles import Role
from services.shared import rpc
from services.shared.auth import ServiceCredentials
from services.shared.client import Client
from workflows.engagement.models import ActingTerm, Chain, EligibilityResult, Heads, Policy


class DirectoryError(Exception):
    """The identity service refused or could not answer."""


class IdentityDirectory(Protocol):
    async def chain(self, official_id: str) -> Chain: ...
    async def acting(self, official_id: str, acting_id: str, at: datetime) -> ActingTerm: ...
    async def eligibility(self, official_id: str) -> EligibilityResult: ...
    async def heads(self, agency_code: str, on: date) -> Heads: ...
    async def policy(self, agency_code: str, on: date) -> Policy: ...


class NatsIdentityDirectory:
    """The identity service's answers, asked through the typed client (contracts/requests)."""

    def __init__(self, nc: Nats, token: "str | ServiceCredentials", timeout: float = 5.0) -> None:
        """`token`: the service's credentials (renewed, bound to identity), or a fixed token."""
        self._client = Client(nc, token, lang="en", timeout=timeout)

    async def _ask(self, request: Request[ReplyT]) -> ReplyT:
        try:
            return await self._client.ask(request)
        except rpc.Refused as exc:
            raise DirectoryError(exc.reason) from None

    async def chain(self, official_id: str) -> Chain:
        r = await self._ask(ask.SupervisorChain(official_id=official_id))
        return Chain(
            agency_code=r.agency_code, agency_path=r.agency_path, chain=r.chain, acting=r.acting
        )

    async def acting(self, official_id: str, acting_id: str, at: datetime) -> ActingTerm:
        r = await self._ask(ask.ActingQuery(official_id=official_id, acting_id=acting_id, at=at))
        return ActingTerm.model_validate(r.model_dump())

    async def eligibility(self, official_id: str) -> EligibilityResult:
        r = await self._ask(ask.EligibilityQuery(official_id=official_id))
        return EligibilityResult(status=r.status, rule=r.rule)

    async def heads(self, agency_code: str, on: date) -> Heads:
        r = await self._ask(ask.HeadOfAgency(agency_code=agency_code, on=on))
        return Heads(agency=r.agency, head=r.head, acting_head=r.acting_head, deciding=r.deciding)

    async def contact(self, official_id: str) -> dict[str, Any]:
        return (await self._ask(ask.ContactQuery(official_id=official_id))).model_dump()

    async def role_holders(self, agency_code: str, role: str) -> list[str]:
        r = await self._ask(ask.RoleQuery(agency_code=agency_code, role=Role(role)))
        return list(r.holders)

    async def policy(self, agency_code: str, on: date) -> Policy:
        r = await self._ask(ask.PolicyInForceQuery(agency_code=agency_code, on=on))
        doc = r.document.model_dump(mode="json")
        return Policy(
            agency_code=r.agency_code,
            version=r.version,
            **{k: doc[k] for k in Policy.model_fields if k in doc},
        )


@dataclass
class StaticDirectory:
    """Fixed answers, for tests of the workflow's own logic and for benchmarks."""

    chains: dict[str, Chain] = field(default_factory=dict)
    eligibilities: dict[str, EligibilityResult] = field(default_factory=dict)
    head_by_agency: dict[str, Heads] = field(default_factory=dict)
    policies: dict[str, Policy] = field(default_factory=dict)
    actings: dict[tuple[str, str], ActingTerm] = field(default_factory=dict)

    async def chain(self, official_id: str) -> Chain:
        return self.chains[official_id]

    async def acting(self, official_id: str, acting_id: str, at: datetime) -> ActingTerm:
        term = self.actings.get((official_id, acting_id))
        if term is None or not (term.valid_from and term.valid_to):
            return ActingTerm()
        return term if term.valid_from <= at < term.valid_to else ActingTerm()

    async def eligibility(self, official_id: str) -> EligibilityResult:
        return self.eligibilities[official_id]

    async def heads(self, agency_code: str, on: date) -> Heads:
        # An agency with no head on record, as identity answers for one.
        none = Heads(agency=agency_code, head=None, acting_head=None, deciding=None)
        return self.head_by_agency.get(agency_code, none)

    async def policy(self, agency_code: str, on: date) -> Policy:
        return self.policies[agency_code]
