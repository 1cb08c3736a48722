"""What the engagement workflow asks the identity service, behind one small interface.

In production the answers come over NATS request/reply (`NatsIdentityDirectory`); tests of the
workflow's own logic may use `StaticDirectory` with the same answers.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

from nats.aio.client import Client

from services.shared import rpc
from services.shared.auth import ServiceCredentials
from workflows.engagement.models import ActingTerm, Chain, EligibilityResult, Heads, Policy


class DirectoryError(Exception):
    """The identity service refused or could not answer."""


class IdentityDirectory(Protocol):
    async def chain(self, official_id: str) -> Chain: ...
    async def acting(self, official_id: str, acting_id: str, at: datetime) -> ActingTerm: ...
    async def eligibility(self, official_id: str) -> EligibilityResult: ...
    async def heads(self, agency_code: str, on: date) -> Heads: ...
    async def policy(self, agency_code: str, on: date) -> Policy: ...


def _policy(result: dict[str, Any]) -> Policy:
    doc = result["document"]
    return Policy(
        agency_code=result["agency_code"],
        version=result["version"],
        **{k: doc[k] for k in Policy.model_fields if k in doc},
    )


class NatsIdentityDirectory:
    def __init__(self, nc: Client, token: "str | ServiceCredentials", timeout: float = 5.0) -> None:
        """`token`: the service's credentials (renewed, bound to identity), or a fixed token."""
        self._nc = nc
        self._token = token
        self._timeout = timeout

    async def _ask(self, command: str, body: dict[str, Any]) -> dict[str, Any]:
        token = self._token if isinstance(self._token, str) else self._token.token("identity")
        try:
            result: dict[str, Any] = await rpc.request(
                self._nc, "identity", command, body, token, lang="en", timeout=self._timeout
            )
        except rpc.Refused as exc:
            raise DirectoryError(exc.reason) from None
        return result

    async def chain(self, official_id: str) -> Chain:
        r = await self._ask("supervisor_chain", {"official_id": official_id})
        return Chain(
            agency_code=r["agency_code"],
            agency_path=r["agency_path"],
            chain=r["chain"],
            acting=r.get("acting", {}),
        )

    async def acting(self, official_id: str, acting_id: str, at: datetime) -> ActingTerm:
        r = await self._ask(
            "acting_supervisor",
            {"official_id": official_id, "acting_id": acting_id, "at": at.isoformat()},
        )
        return ActingTerm.model_validate(r)

    async def eligibility(self, official_id: str) -> EligibilityResult:
        r = await self._ask("eligibility", {"official_id": official_id})
        return EligibilityResult(status=r["status"], rule=r["rule"])

    async def heads(self, agency_code: str, on: date) -> Heads:
        r = await self._ask("head_of_agency", {"agency_code": agency_code, "on": on.isoformat()})
        return Heads(**r)

    async def contact(self, official_id: str) -> dict[str, Any]:
        return await self._ask("contact", {"official_id": official_id})

    async def role_holders(self, agency_code: str, role: str) -> list[str]:
        r = await self._ask("role_holders", {"agency_code": agency_code, "role": role})
        return list(r["holders"])

    async def policy(self, agency_code: str, on: date) -> Policy:
        return _policy(
            await self._ask("policy_in_force", {"agency_code": agency_code, "on": on.isoformat()})
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
