"""Who the notification service tells, asked of the identity service through the typed client
(contracts/requests/identity.py); its own adapter, not the engagement worker's."""

from datetime import date
from typing import Any

from contracts.requests import identity as ask
from contracts.roles import Role
from services.shared.client import Client


class IdentityPeople:
    def __init__(self, client: Client) -> None:
        self._client = client

    async def chain(self, official_id: str) -> ask.Chain:
        return await self._client.ask(ask.SupervisorChain(official_id=official_id))

    async def heads(self, agency_code: str, on: date) -> ask.Heads:
        return await self._client.ask(ask.HeadOfAgency(agency_code=agency_code, on=on))

    async def contact(self, official_id: str) -> dict[str, Any]:
        return (await self._client.ask(ask.ContactQuery(official_id=official_id))).model_dump()

    async def role_holders(self, agency_code: str, role: str) -> list[str]:
        reply = await self._client.ask(ask.RoleQuery(agency_code=agency_code, role=Role(role)))
        return list(reply.holders)
