"""What every identity use case shares: the store, authorization by `can`, grants, events."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.identity.adapters.tables import (
    grants,
)
from services.identity.service_layer import directory as d
from services.shared import clock
from services.shared.authz import Actor, Resource, Role, can
from services.shared.eventlog import EventLog, NewEvent
from services.shared.rpc import RpcError, forbidden, invalid

LOG = EventLog("/telework/identity")


def not_found(what: str) -> RpcError:
    return RpcError("not_found", f"ไม่พบ {what}", f"not found: {what}")


class IdentityBase:
    """What every use case of identity shares: the store, who may act, events."""

    def __init__(self, sessions: async_sessionmaker[Any], citizen_key: bytes = b"") -> None:
        self._sessions = sessions
        self._citizen_key = citizen_key

    async def _authorize(
        self,
        s: AsyncSession,
        actor: Actor,
        action: str,
        agency: str,
        owner: str | None = None,
        supervisors: tuple[str, ...] | None = None,
    ) -> d.Tree:
        tree = await d.load_tree(s)
        if agency not in tree.parents:
            raise not_found(f"agency {agency}")
        resource = Resource("identity", tree.path(agency), owner=owner, supervisors=supervisors)
        decision = can(actor, action, resource)
        if not decision:
            raise forbidden(decision.reason)
        return tree

    @staticmethod
    async def _new_grant(
        s: AsyncSession,
        official_id: str,
        role: Role,
        agency: str,
        valid_from: datetime | None,
        valid_to: datetime | None,
        acting: bool,
    ) -> str:
        grant_id = uuid.uuid4().hex
        await s.execute(
            insert(grants).values(
                grant_id=grant_id,
                official_id=official_id,
                role=role.value,
                agency_code=agency,
                valid_from=valid_from,
                valid_to=valid_to,
                acting=acting,
            )
        )
        return grant_id

    async def _authorize_about(
        self, s: AsyncSession, actor: Actor, action: str, official_id: str
    ) -> Any:
        """An action on one official's record: a supervisor only within their own chain (least
        visibility, issue #14); HR, heads and services over their agencies."""
        row = await self._official(s, official_id)
        chain = await d.supervisor_chain(s, official_id)
        # Whoever acts today for a supervisor of the chain sees what that supervisor sees.
        acting = await d.acting_in_chain(s, chain, clock.now())
        supervisors = (*chain, *(a for a in acting.values() if a != official_id))
        await self._authorize(s, actor, action, row.agency_code, official_id, supervisors)
        return row

    @staticmethod
    def _not_to_oneself(actor: Actor, official_id: str) -> None:
        if actor.subject == official_id:
            raise forbidden("nobody grants a role or an appointment to themselves (issue #14)")

    async def _emit(self, s: AsyncSession, stream: str, agency: str, *events: Any) -> None:
        await LOG.append(s, stream, [NewEvent(e, agency) for e in events], None)

    async def _active_official(self, s: AsyncSession, official_id: str) -> Any:
        row = await self._official(s, official_id)
        if await d.has_left(s, official_id):
            raise invalid(f"official {official_id} has left")
        return row

    async def _official(self, s: AsyncSession, official_id: str) -> Any:
        try:
            return await d.official_row(s, official_id)
        except d.NotFound:
            raise not_found(f"official {official_id}") from None

    async def _grant(self, s: AsyncSession, grant_id: str) -> Any:
        row = (await s.execute(select(grants).where(grants.c.grant_id == grant_id))).first()
        if row is None:
            raise not_found(f"grant {grant_id}")
        return row
