"""Identity's duties (commands): policies, supervisors, imports and departures, on top of
roles and stand-ins (roles.py). Each is authorized by `can` and writes its events in the same
transaction as its change."""

from typing import Any

from sqlalchemy import func, insert, select, update

from contracts.events.identity import (
    OfficialDeactivated,
    PolicyPublished,
    SupervisorAssigned,
)
from contracts.requests import identity as c
from services.identity.adapters.tables import (
    departures,
    grants,
    officials,
    policies,
)
from services.identity.service_layer import directory as d
from services.identity.service_layer.access import LOG
from services.identity.service_layer.eligibility import official_stream, recompute
from services.identity.service_layer.roles import Roles
from services.shared import clock
from services.shared.authz import Actor, Resource, can
from services.shared.rpc import forbidden, invalid


class Duties(Roles):
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
