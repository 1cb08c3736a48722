"""Use cases of the identity service: roles, acting heads, policies, supervisors, and the
queries other services ask. Every command is authorized by `can` and writes its events in the
same transaction as its change."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contracts.agencies import HEAD_LEVELS
from contracts.events.identity import (
    ActingHeadAppointed,
    ActingHeadEnded,
    ActingSupervisorAppointed,
    ActingSupervisorEnded,
    OfficialDeactivated,
    PolicyPublished,
    RoleGranted,
    RoleRevoked,
    SupervisorAssigned,
)
from contracts.requests import identity as c
from services.identity.adapters.tables import (
    acting_supervisors,
    agencies,
    departures,
    eligibility,
    grants,
    officials,
    policies,
    positions,
)
from services.identity.service_layer import directory as d
from services.identity.service_layer.eligibility import official_stream, recompute
from services.shared import clock, rpc
from services.shared.authz import Actor, Resource, Role, can
from services.shared.eventlog import EventLog, NewEvent
from services.shared.rpc import RpcError, forbidden, invalid

LOG = EventLog("/telework/identity")


def not_found(what: str) -> RpcError:
    return RpcError("not_found", f"ไม่พบ {what}", f"not found: {what}")


class IdentityService:
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

    async def grant_role(self, actor: Actor, cmd: c.GrantRole) -> dict[str, Any]:
        async with self._sessions.begin() as s:
            tree = await self._authorize(s, actor, "identity.grant", cmd.agency_code)
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
            await self._authorize(s, actor, "identity.grant", g.agency_code)
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
            tree = await self._authorize(s, actor, "identity.grant", cmd.agency_code)
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

    async def publish_policy(self, actor: Actor, cmd: c.PublishPolicy) -> dict[str, Any]:
        """R-POL-1: a new version; officials whose policy in force changed are re-determined."""
        async with self._sessions.begin() as s:
            tree = await self._authorize(s, actor, "policy.publish", cmd.agency_code)
            version = (
                int(
                    (
                        await s.execute(
                            select(func.coalesce(func.max(policies.c.version), 0)).where(
                                policies.c.agency_code == cmd.agency_code
                            )
                        )
                    ).scalar_one()
                )
                + 1
            )
            document = cmd.document.model_dump(mode="json")
            await s.execute(
                insert(policies).values(
                    agency_code=cmd.agency_code,
                    version=version,
                    effective_from=cmd.document.effective_from,
                    document=document,
                    published_by=actor.subject,
                )
            )
            await self._emit(
                s,
                f"policy-{cmd.agency_code}",
                cmd.agency_code,
                PolicyPublished(
                    agency_code=cmd.agency_code,
                    version=version,
                    effective_from=cmd.document.effective_from,
                    document=document,
                ),
            )
            affected = tree.subtree(cmd.agency_code)
            ids = list(
                (
                    await s.execute(
                        select(officials.c.official_id).where(officials.c.agency_code.in_(affected))
                    )
                ).scalars()
            )
            changed = await recompute(s, LOG, ids)
        return {"version": version, "eligibility_changed": changed}

    async def assign_supervisor(self, actor: Actor, cmd: c.AssignSupervisor) -> dict[str, Any]:
        if cmd.official_id == cmd.supervisor_id:
            raise invalid("an official cannot supervise themselves")
        async with self._sessions.begin() as s:
            row = await self._official(s, cmd.official_id)
            boss = await self._active_official(s, cmd.supervisor_id)
            # The relation lies inside HR's agencies at both ends (issue #14).
            await self._authorize(s, actor, "identity.manage", row.agency_code)
            await self._authorize(s, actor, "identity.manage", boss.agency_code)
            if cmd.official_id in [
                cmd.supervisor_id,
                *await d.supervisor_chain(s, cmd.supervisor_id),
            ]:
                raise invalid("the supervisor chain would have a cycle")
            await s.execute(
                update(officials)
                .where(officials.c.official_id == cmd.official_id)
                .values(supervisor_id=cmd.supervisor_id)
            )
            await self._emit(
                s,
                official_stream(cmd.official_id),
                row.agency_code,
                SupervisorAssigned(
                    official_id=cmd.official_id,
                    supervisor_id=cmd.supervisor_id,
                    previous_supervisor_id=row.supervisor_id,
                ),
            )
        return {"assigned": True}

    # Queries ----------------------------------------------------------------------------------

    async def supervisor_chain(self, actor: Actor, q: c.OfficialQuery) -> dict[str, Any]:
        async with self._sessions() as s:
            row = await self._authorize_about(s, actor, "identity.query", q.official_id)
            chain = await d.supervisor_chain(s, q.official_id)
            acting = await d.acting_in_chain(s, chain, clock.now())
            tree = await d.load_tree(s)
        return {
            "official_id": q.official_id,
            "agency_code": row.agency_code,
            "agency_path": list(tree.path(row.agency_code)),
            "chain": chain,
            # Who acts today for a supervisor of the chain who is away (issue #19).
            "acting": {k: v for k, v in acting.items() if v != q.official_id},
        }

    async def agency_path(self, actor: Actor, q: c.AgencyQuery) -> dict[str, Any]:
        """An agency's place in the tree (root ministry first), for authorizing about it."""
        async with self._sessions() as s:
            tree = await self._authorize(s, actor, "identity.query", q.agency_code)
        return {"agency_code": q.agency_code, "agency_path": list(tree.path(q.agency_code))}

    async def assignable(self, actor: Actor, q: c.AssignableQuery) -> dict[str, Any]:
        """Of an agency subtree (or a list within it), whom the asker may assign for necessity:
        officials in their supervisor chain, or in the chain of a supervisor they act for
        today, who have not left and whose work may be done away from the office (R-SEL-1,
        R-ELIG-3). Everyone else is named with the reason."""
        async with self._sessions() as s:
            tree = await self._authorize(s, actor, "identity.read", q.agency_code)
            scope = await d.reports_of(s, actor.subject)
            for away in await d.acted_for(s, actor.subject, clock.now()):
                scope |= await d.reports_of(s, away)
            rows = (
                await s.execute(
                    select(officials.c.official_id, eligibility.c.status, eligibility.c.rule)
                    .outerjoin(eligibility, eligibility.c.official_id == officials.c.official_id)
                    .where(officials.c.agency_code.in_(tree.subtree(q.agency_code)))
                    .order_by(officials.c.official_id)
                )
            ).all()
            left = set((await s.execute(select(departures.c.official_id))).scalars())
        found = {r.official_id: r for r in rows}
        wanted = q.official_ids if q.official_ids is not None else list(found)
        assignable: list[str] = []
        refused: dict[str, str] = {}
        for official in dict.fromkeys(wanted):
            r = found.get(official)
            if r is None:
                refused[official] = f"not an official of {q.agency_code}"
            elif official in left:
                refused[official] = "has left"
            elif official not in scope:
                refused[official] = "not in your supervisor chain"
            elif (r.status or "may_not") == "may_not":
                refused[official] = f"work under {r.rule or 'undetermined'} may not be done away"
            else:
                assignable.append(official)
        return {
            "agency_code": q.agency_code,
            "agency_path": list(tree.path(q.agency_code)),
            "assignable": assignable,
            "refused": refused,
        }

    async def acting_supervisor(self, actor: Actor, q: c.ActingQuery) -> dict[str, Any]:
        """Whether `acting_id` acts at `at` for a supervisor in the official's chain."""
        async with self._sessions() as s:
            await self._authorize_about(s, actor, "identity.query", q.official_id)
            return await d.acting_term(s, q.official_id, q.acting_id, q.at or clock.now())

    async def head_of_agency(self, actor: Actor, q: c.AgencyQuery) -> dict[str, Any]:
        async with self._sessions() as s:
            await self._authorize(s, actor, "identity.query", q.agency_code)
            return await d.heads_of(s, q.agency_code, q.on or clock.today())

    async def eligibility(self, actor: Actor, q: c.OfficialQuery) -> dict[str, Any]:
        async with self._sessions() as s:
            await self._authorize_about(s, actor, "identity.query", q.official_id)
            return await d.eligibility_of(s, q.official_id)

    async def policy_in_force(self, actor: Actor, q: c.AgencyQuery) -> dict[str, Any]:
        async with self._sessions() as s:
            await self._authorize(s, actor, "identity.query", q.agency_code)
            p = await d.policy_in_force(s, q.agency_code, q.on or clock.today())
        if p is None:
            raise not_found(f"policy in force for {q.agency_code}")
        return {
            "agency_code": p.agency,
            "version": p.version,
            "document": p.document.model_dump(mode="json"),
        }

    async def contact(self, actor: Actor, q: c.OfficialQuery) -> dict[str, Any]:
        """How to reach an official: for the notification service only (R-INT-4)."""
        async with self._sessions() as s:
            row = await self._official(s, q.official_id)
            await self._authorize(s, actor, "identity.contact", row.agency_code)
        return {
            "official_id": row.official_id,
            "email": row.email,
            "lang": row.lang,
            "name": row.name_th if row.lang == "th" else (row.name_en or row.name_th),
        }

    async def document_names(self, actor: Actor, q: c.DocumentNamesQuery) -> dict[str, Any]:
        """The agency's name and each official's name and position title in Thai, for the
        documents the platform draws (issue #17): for services only, as contact details are."""
        async with self._sessions() as s:
            await self._authorize(s, actor, "identity.contact", q.agency_code)
            agency = (
                await s.execute(select(agencies.c.name_th).where(agencies.c.code == q.agency_code))
            ).scalar()
            if agency is None:
                raise not_found(f"agency {q.agency_code}")
            rows = (
                await s.execute(
                    select(officials.c.official_id, officials.c.name_th, positions.c.title_th)
                    .join(
                        positions,
                        (positions.c.agency_code == officials.c.agency_code)
                        & (positions.c.position_code == officials.c.position_code),
                    )
                    .where(officials.c.official_id.in_(q.official_ids))
                )
            ).all()
        return {
            "agency": agency,
            "officials": {r.official_id: {"name": r.name_th, "position": r.title_th} for r in rows},
        }

    async def grants_list(self, actor: Actor, q: c.AgencyQuery) -> dict[str, Any]:
        """The roles granted in an agency and its sub-agencies that are still in force or to
        come (issue #16's role administration): for whoever may grant there — the head of
        agency or the administrator."""
        async with self._sessions() as s:
            tree = await self._authorize(s, actor, "identity.grant", q.agency_code)
            rows = (
                await s.execute(
                    select(grants, officials.c.name_th)
                    .join(officials, officials.c.official_id == grants.c.official_id)
                    .where(
                        grants.c.agency_code.in_(tree.subtree(q.agency_code)),
                        grants.c.revoked_at.is_(None),
                        (grants.c.valid_to.is_(None)) | (grants.c.valid_to > clock.now()),
                    )
                    .order_by(grants.c.agency_code, grants.c.role, grants.c.official_id)
                )
            ).all()
        return {
            "agency_code": q.agency_code,
            "grants": [
                {
                    "grant_id": r.grant_id,
                    "official_id": r.official_id,
                    "name": r.name_th,
                    "role": r.role,
                    "agency_code": r.agency_code,
                    "acting": bool(r.acting),
                    "valid_from": r.valid_from.isoformat() if r.valid_from else None,
                    "valid_to": r.valid_to.isoformat() if r.valid_to else None,
                }
                for r in rows
            ],
        }

    async def eligibility_list(self, actor: Actor, q: c.AgencyQuery) -> dict[str, Any]:
        """Eligibility of the officials of an agency and its sub-agencies (R-ELIG): HR and the
        head see them all, a supervisor only the officials in their own chain (PDPA, least
        visibility: issue #14), an official only themselves."""
        async with self._sessions() as s:
            tree = await self._authorize(s, actor, "identity.read", q.agency_code)
            whole = can(actor, "identity.manage", Resource("identity", tree.path(q.agency_code)))
            head = can(actor, "policy.publish", Resource("identity", tree.path(q.agency_code)))
            only: set[str] | None = None
            if not (whole or head):
                only = {actor.subject} | await d.reports_of(s, actor.subject)
                for away in await d.acted_for(s, actor.subject, clock.now()):
                    only |= await d.reports_of(s, away)
            rows = (
                await s.execute(
                    select(
                        officials.c.official_id,
                        officials.c.agency_code,
                        officials.c.name_th,
                        officials.c.position_code,
                        eligibility.c.status,
                        eligibility.c.rule,
                    )
                    .outerjoin(eligibility, eligibility.c.official_id == officials.c.official_id)
                    .where(officials.c.agency_code.in_(tree.subtree(q.agency_code)))
                    .order_by(officials.c.agency_code, officials.c.official_id)
                )
            ).all()
        return {
            "agency_code": q.agency_code,
            "officials": [
                {
                    "official_id": r.official_id,
                    "agency_code": r.agency_code,
                    "name": r.name_th,
                    "position_code": r.position_code,
                    "status": r.status or "may_not",
                    "rule": r.rule or "undetermined",
                }
                for r in rows
                if only is None or r.official_id in only
            ],
        }

    async def import_csv(self, actor: Actor, cmd: c.ImportCsv) -> dict[str, Any]:
        """The HR import through the portal: every row must lie within the HR officer's
        subtrees both before and after the change (issue #14); refused rows are named."""
        import tempfile
        from pathlib import Path

        from services.identity.service_layer.importer import import_files

        async with self._sessions() as s:
            tree = await d.load_tree(s)
        allowed: set[str] = set()
        for g in actor.grants:
            if g.agency in tree.parents and can(
                actor, "identity.import", Resource("identity", tree.path(g.agency))
            ):
                allowed |= tree.subtree(g.agency)
        if not allowed:
            raise forbidden("identity.import needs hr_officer or system_admin")
        with tempfile.TemporaryDirectory() as folder:
            paths = []
            for name, text in cmd.files.items():
                path = Path(folder) / Path(name).name
                path.write_text(text, encoding="utf-8")
                paths.append(path)
            report = await import_files(
                self._sessions,
                LOG,
                paths,
                partial=cmd.partial,
                citizen_key=self._citizen_key,
                scope=frozenset(allowed),
                preview=cmd.preview,
            )
        return {
            "applied": report.applied,
            "counts": report.counts,
            "errors": [{"where": e.where, "reason": e.reason} for e in report.errors],
        }

    async def actor_by_email(self, actor: Actor, q: c.EmailQuery) -> dict[str, Any]:
        """An official's grants, for the portal's sign-in (service tokens only)."""
        async with self._sessions() as s:
            oid = (
                await s.execute(
                    select(officials.c.official_id).where(
                        officials.c.email == q.email.strip().lower()
                    )
                )
            ).scalar()
            if oid is None or await d.has_left(s, oid):
                raise not_found("an official with that e-mail")
            row = await self._official(s, oid)
            await self._authorize(s, actor, "identity.contact", row.agency_code)
            who = await d.actor_for(s, oid)
        return {
            "official_id": oid,
            "email": row.email,
            "lang": row.lang,
            "name": row.name_th if row.lang == "th" else (row.name_en or row.name_th),
            "agency_code": row.agency_code,
            "grants": [
                {
                    "role": g.role.value,
                    "agency": g.agency,
                    "from": g.valid_from.isoformat() if g.valid_from else None,
                    "to": g.valid_to.isoformat() if g.valid_to else None,
                    "acting": g.acting,
                }
                for g in who.grants
            ],
        }

    async def role_holders(self, actor: Actor, q: c.RoleQuery) -> dict[str, Any]:
        """Who holds `role` over the agency (a grant on it or on an ancestor), today."""
        async with self._sessions() as s:
            tree = await self._authorize(s, actor, "identity.query", q.agency_code)
            rows = (
                await s.execute(
                    select(grants).where(
                        grants.c.role == q.role.value,
                        grants.c.revoked_at.is_(None),
                        grants.c.agency_code.in_(tree.path(q.agency_code)),
                    )
                )
            ).all()
        now = clock.now()
        holders = sorted({r.official_id for r in rows if d._grant(r).holds_at(now)})
        return {"agency_code": q.agency_code, "role": q.role.value, "holders": holders}

    async def deactivate_official(self, actor: Actor, cmd: c.DeactivateOfficial) -> dict[str, Any]:
        """An official who left: no more sign-in (their portal sessions end on the next
        request), every grant ended, an event naming who did it."""
        async with self._sessions.begin() as s:
            row = await self._official(s, cmd.official_id)
            await self._authorize(s, actor, "identity.manage", row.agency_code)
            if actor.subject == cmd.official_id:
                raise forbidden("nobody deactivates themselves")
            if await d.has_left(s, cmd.official_id):
                return {"deactivated": True, "grants_revoked": []}
            now = clock.now()
            ended = list(
                (
                    await s.execute(
                        select(grants.c.grant_id).where(
                            grants.c.official_id == cmd.official_id, grants.c.revoked_at.is_(None)
                        )
                    )
                ).scalars()
            )
            await s.execute(
                update(grants).where(grants.c.grant_id.in_(ended)).values(revoked_at=now)
            )
            await s.execute(
                insert(departures).values(
                    official_id=cmd.official_id, left_at=now, by=actor.subject
                )
            )
            await self._emit(
                s,
                official_stream(cmd.official_id),
                row.agency_code,
                OfficialDeactivated(
                    official_id=cmd.official_id,
                    agency_code=row.agency_code,
                    by=actor.subject,
                    grants_revoked=ended,
                ),
            )
        return {"deactivated": True, "grants_revoked": ended}

    async def actor_by_id(self, actor: Actor, q: c.OfficialQuery) -> dict[str, Any]:
        """An official's grants as of now, for the portal's session refresh (service tokens
        only): a revoked role or a departure shows within the portal's refresh interval."""
        async with self._sessions() as s:
            row = await self._official(s, q.official_id)
            await self._authorize(s, actor, "identity.contact", row.agency_code)
            if await d.has_left(s, q.official_id):
                raise not_found(f"official {q.official_id}")
        return await self.actor_by_email(actor, c.EmailQuery(email=row.email))

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


def routes(service: IdentityService) -> list[rpc.Route]:
    """Every request identity answers, each from its contract (contracts/requests/identity.py)."""
    return [
        rpc.route(c.GrantRole, service.grant_role),
        rpc.route(c.RevokeRole, service.revoke_role),
        rpc.route(c.AppointActingHead, service.appoint_acting_head),
        rpc.route(c.EndActingHead, service.end_acting_head),
        rpc.route(c.AppointActingSupervisor, service.appoint_acting_supervisor),
        rpc.route(c.EndActingSupervisor, service.end_acting_supervisor),
        rpc.route(c.ActingQuery, service.acting_supervisor),
        rpc.route(c.AssignableQuery, service.assignable),
        rpc.route(c.AgencyPathQuery, service.agency_path),
        rpc.route(c.DeactivateOfficial, service.deactivate_official),
        rpc.route(c.ActorById, service.actor_by_id),
        rpc.route(c.PublishPolicy, service.publish_policy),
        rpc.route(c.AssignSupervisor, service.assign_supervisor),
        rpc.route(c.SupervisorChain, service.supervisor_chain),
        rpc.route(c.HeadOfAgency, service.head_of_agency),
        rpc.route(c.EligibilityQuery, service.eligibility),
        rpc.route(c.PolicyInForceQuery, service.policy_in_force),
        rpc.route(c.ContactQuery, service.contact),
        rpc.route(c.DocumentNamesQuery, service.document_names),
        rpc.route(c.EmailQuery, service.actor_by_email),
        rpc.route(c.EligibilityList, service.eligibility_list),
        rpc.route(c.GrantsList, service.grants_list),
        rpc.route(c.ImportCsv, service.import_csv),
        rpc.route(c.RoleQuery, service.role_holders),
    ]
