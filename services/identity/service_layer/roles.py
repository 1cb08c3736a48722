"""Roles and stand-ins: grants and their revocation, acting heads (รักษาราชการแทน) and
acting supervisors (ปฏิบัติหน้าที่แทน). Each is authorized by `can`, never granted to oneself,
and writes its events in the same transaction as its change."""

from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.agencies import HEAD_LEVELS
from contracts.events.identity import (
    ActingHeadAppointed,
    ActingHeadEnded,
    ActingSupervisorAppointed,
    ActingSupervisorEnded,
    RoleGranted,
    RoleRevoked,
)
from contracts.requests import identity as c
from services.identity.adapters.tables import (
    acting_supervisors,
    grants,
)
from services.identity.service_layer import directory as d
from services.identity.service_layer.access import IdentityBase, not_found
from services.identity.service_layer.eligibility import official_stream
from services.shared import clock
from services.shared.authz import Actor, Role
from services.shared.rpc import forbidden, invalid


class Roles(IdentityBase):
    async def grant_role(self, actor: Actor, cmd: c.GrantRole) -> dict[str, Any]:
        async with self._sessions.begin() as s:
            tree = await self._authorize(s, actor, _grant_action(cmd.role), cmd.agency_code)
            self._not_to_oneself(actor, cmd.official_id)
            await self._active_official(s, cmd.official_id)
            if cmd.role is Role.HEAD_OF_AGENCY and tree.levels[cmd.agency_code] not in HEAD_LEVELS:
                raise invalid("only a ministry or department has a head of agency (§5)")
            if cmd.role is Role.SERVICE:
                raise invalid("service grants are issued to services, not officials")
            grant_id = await self._new_grant(
                s,
                cmd.official_id,
                cmd.role,
                cmd.agency_code,
                cmd.valid_from,
                cmd.valid_to,
                acting=False,
            )
            await self._emit(
                s,
                official_stream(cmd.official_id),
                cmd.agency_code,
                RoleGranted(
                    official_id=cmd.official_id,
                    grant_id=grant_id,
                    role=cmd.role.value,
                    agency_code=cmd.agency_code,
                    valid_from=cmd.valid_from,
                    valid_to=cmd.valid_to,
                    by=actor.subject,
                ),
            )
        return {"grant_id": grant_id}

    async def revoke_role(self, actor: Actor, cmd: c.RevokeRole) -> dict[str, Any]:
        async with self._sessions.begin() as s:
            g = await self._grant(s, cmd.grant_id)
            await self._authorize(s, actor, _grant_action(Role(g.role)), g.agency_code)
            await s.execute(
                update(grants)
                .where(grants.c.grant_id == cmd.grant_id)
                .values(revoked_at=clock.now())
            )
            await self._emit(
                s,
                official_stream(g.official_id),
                g.agency_code,
                RoleRevoked(
                    official_id=g.official_id,
                    grant_id=g.grant_id,
                    role=g.role,
                    agency_code=g.agency_code,
                    by=actor.subject,
                ),
            )
        return {"revoked": True}

    async def appoint_acting_head(self, actor: Actor, cmd: c.AppointActingHead) -> dict[str, Any]:
        """รักษาราชการแทน: the head's powers for [valid_from, valid_to) only."""
        if cmd.valid_to <= cmd.valid_from:
            raise invalid("valid_to must be after valid_from")
        async with self._sessions.begin() as s:
            tree = await self._authorize(s, actor, "identity.grant_power", cmd.agency_code)
            self._not_to_oneself(actor, cmd.official_id)
            await self._active_official(s, cmd.official_id)
            if tree.levels[cmd.agency_code] not in HEAD_LEVELS:
                raise invalid("only a ministry or department has a head of agency (§5)")
            grant_id = await self._new_grant(
                s,
                cmd.official_id,
                Role.HEAD_OF_AGENCY,
                cmd.agency_code,
                cmd.valid_from,
                cmd.valid_to,
                acting=True,
            )
            await self._emit(
                s,
                official_stream(cmd.official_id),
                cmd.agency_code,
                ActingHeadAppointed(
                    official_id=cmd.official_id,
                    grant_id=grant_id,
                    agency_code=cmd.agency_code,
                    valid_from=cmd.valid_from,
                    valid_to=cmd.valid_to,
                    by=actor.subject,
                ),
            )
        return {"grant_id": grant_id}

    async def end_acting_head(self, actor: Actor, cmd: c.EndActingHead) -> dict[str, Any]:
        async with self._sessions.begin() as s:
            g = await self._grant(s, cmd.grant_id)
            if not g.acting:
                raise invalid("this grant is not an acting-head appointment")
            await self._authorize(s, actor, "identity.grant", g.agency_code)
            now = clock.now()
            await s.execute(
                update(grants).where(grants.c.grant_id == cmd.grant_id).values(valid_to=now)
            )
            await self._emit(
                s,
                official_stream(g.official_id),
                g.agency_code,
                ActingHeadEnded(
                    official_id=g.official_id,
                    grant_id=g.grant_id,
                    agency_code=g.agency_code,
                    ended_at=now,
                    by=actor.subject,
                ),
            )
        return {"ended_at": now.isoformat()}

    async def appoint_acting_supervisor(
        self, actor: Actor, cmd: c.AppointActingSupervisor
    ) -> dict[str, Any]:
        """ผู้ปฏิบัติหน้าที่แทน (issue #19): while a supervisor is away, someone of the same
        department holds their powers over their staff for [valid_from, valid_to). Appointed from
        above: one of the absent supervisor's own supervisors, the head, or the administrator."""
        if cmd.valid_to <= cmd.valid_from:
            raise invalid("valid_to must be after valid_from")
        if cmd.acting_id == cmd.supervisor_id:
            raise invalid("the absent supervisor cannot act for themselves")
        if actor.subject == cmd.supervisor_id:
            raise forbidden(
                "the acting supervisor is appointed from above the absent supervisor, "
                "not by the absent supervisor (issue #19)"
            )
        self._not_to_oneself(actor, cmd.acting_id)
        async with self._sessions.begin() as s:
            away = await self._active_official(s, cmd.supervisor_id)
            tree = await self._authorize_appointer(s, actor, away)
            appointee = await self._active_official(s, cmd.acting_id)
            department = tree.head_agency(away.agency_code)
            if tree.head_agency(appointee.agency_code) != department:
                raise invalid(
                    f"the acting supervisor must belong to {department}, as the supervisor does"
                )
            clash = (
                await s.execute(
                    select(acting_supervisors)
                    .join(grants, grants.c.grant_id == acting_supervisors.c.grant_id)
                    .where(
                        grants.c.revoked_at.is_(None),
                        acting_supervisors.c.supervisor_id == cmd.supervisor_id,
                        acting_supervisors.c.valid_from < cmd.valid_to,
                        acting_supervisors.c.valid_to > cmd.valid_from,
                    )
                )
            ).first()
            if clash is not None:
                raise invalid(
                    f"{cmd.supervisor_id} already has an acting supervisor from "
                    f"{clash.valid_from.isoformat()} to {clash.valid_to.isoformat()}"
                )
            grant_id = await self._new_grant(
                s,
                cmd.acting_id,
                Role.SUPERVISOR,
                department,
                cmd.valid_from,
                cmd.valid_to,
                acting=True,
            )
            await s.execute(
                insert(acting_supervisors).values(
                    grant_id=grant_id,
                    supervisor_id=cmd.supervisor_id,
                    acting_id=cmd.acting_id,
                    valid_from=cmd.valid_from,
                    valid_to=cmd.valid_to,
                    appointed_by=actor.subject,
                )
            )
            await self._emit(
                s,
                official_stream(cmd.acting_id),
                appointee.agency_code,
                ActingSupervisorAppointed(
                    official_id=cmd.acting_id,
                    grant_id=grant_id,
                    supervisor_id=cmd.supervisor_id,
                    agency_code=department,
                    valid_from=cmd.valid_from,
                    valid_to=cmd.valid_to,
                    by=actor.subject,
                ),
            )
        return {"grant_id": grant_id}

    async def _authorize_appointer(self, s: AsyncSession, actor: Actor, away: Any) -> d.Tree:
        """From above the absent supervisor: one of their own supervisors, the head, or the
        administrator (`identity.appoint_acting_supervisor`)."""
        chain = await d.supervisor_chain(s, away.official_id)
        return await self._authorize(
            s,
            actor,
            "identity.appoint_acting_supervisor",
            away.agency_code,
            away.official_id,
            tuple(chain),
        )

    async def end_acting_supervisor(
        self, actor: Actor, cmd: c.EndActingSupervisor
    ) -> dict[str, Any]:
        """The supervisor is back early: the appointment (and its grant) ends now."""
        async with self._sessions.begin() as s:
            row = (
                await s.execute(
                    select(acting_supervisors).where(acting_supervisors.c.grant_id == cmd.grant_id)
                )
            ).first()
            if row is None:
                raise not_found(f"acting-supervisor appointment {cmd.grant_id}")
            away = await self._official(s, row.supervisor_id)
            if actor.subject != row.supervisor_id:  # the supervisor may end it on return
                await self._authorize_appointer(s, actor, away)
            now = clock.now()
            ended_at = max(min(now, row.valid_to), row.valid_from)
            await s.execute(
                update(grants).where(grants.c.grant_id == cmd.grant_id).values(valid_to=ended_at)
            )
            await s.execute(
                update(acting_supervisors)
                .where(acting_supervisors.c.grant_id == cmd.grant_id)
                .values(valid_to=ended_at)
            )
            await self._emit(
                s,
                official_stream(row.acting_id),
                away.agency_code,
                ActingSupervisorEnded(
                    official_id=row.acting_id,
                    grant_id=cmd.grant_id,
                    supervisor_id=row.supervisor_id,
                    ended_at=ended_at,
                    by=actor.subject,
                ),
            )
        return {"ended_at": ended_at.isoformat()}


def _grant_action(role: Role) -> str:
    """Granting or revoking a role that itself grants is for the head or the administrator in
    their own right (`identity.grant_power`); other roles, for whoever may grant."""
    granting = role in (Role.HEAD_OF_AGENCY, Role.SYSTEM_ADMIN)
    return "identity.grant_power" if granting else "identity.grant"
