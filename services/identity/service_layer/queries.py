"""Identity's answers to other services and the portal: chains, heads, eligibility, policies,
contacts, names, roles, who may be assigned. Read-only; each asked question is authorized."""

from typing import Any

from sqlalchemy import select

from contracts.requests import identity as c
from services.identity.adapters.tables import (
    agencies,
    departures,
    eligibility,
    grants,
    officials,
    positions,
)
from services.identity.service_layer import directory as d
from services.identity.service_layer.access import IdentityBase, not_found
from services.shared import clock
from services.shared.authz import Actor, Resource, can


class Queries(IdentityBase):
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

    async def supervisor_chains(self, actor: Actor, q: c.SupervisorChains) -> dict[str, Any]:
        """`supervisor_chain` for many officials at once, from a handful of queries: the
        officials, their supervisors level by level, the acting appointments in force. An
        official the asker may not ask about (or that identity does not know) is left out."""
        now = clock.now()
        async with self._sessions() as s:
            tree = await d.load_tree(s)
            rows = {
                r.official_id: r
                for r in (
                    await s.execute(
                        select(
                            officials.c.official_id,
                            officials.c.agency_code,
                            officials.c.supervisor_id,
                        ).where(officials.c.official_id.in_(set(q.official_ids)))
                    )
                ).all()
            }
            above = {oid: r.supervisor_id for oid, r in rows.items()}
            wanted = {v for v in above.values() if v is not None} - above.keys()
            while wanted:  # one query per level of the hierarchy, not per person
                found = (
                    await s.execute(
                        select(officials.c.official_id, officials.c.supervisor_id).where(
                            officials.c.official_id.in_(wanted)
                        )
                    )
                ).all()
                above.update(dict.fromkeys(wanted))
                above.update({r.official_id: r.supervisor_id for r in found})
                wanted = {r.supervisor_id for r in found if r.supervisor_id} - above.keys()
            chains = {oid: _chain(oid, above) for oid in rows}
            everyone = sorted({sup for chain in chains.values() for sup in chain})
            acting = {
                r.supervisor_id: r.acting_id
                for r in (await d.actings_at(s, now, supervisors=everyone) if everyone else [])
            }
        out = {}
        for oid, r in rows.items():
            if r.agency_code not in tree.parents:
                continue
            chain = chains[oid]
            stands_in = {k: v for k in chain if (v := acting.get(k)) and v != oid}
            path = tree.path(r.agency_code)
            resource = Resource(
                "identity", path, owner=oid, supervisors=(*chain, *stands_in.values())
            )
            if can(actor, "identity.query", resource):
                out[oid] = {
                    "official_id": oid,
                    "agency_code": r.agency_code,
                    "agency_path": list(path),
                    "chain": chain,
                    "acting": stands_in,
                }
        return {"chains": out}

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

    async def actor_by_id(self, actor: Actor, q: c.OfficialQuery) -> dict[str, Any]:
        """An official's grants as of now, for the portal's session refresh (service tokens
        only): a revoked role or a departure shows within the portal's refresh interval."""
        async with self._sessions() as s:
            row = await self._official(s, q.official_id)
            await self._authorize(s, actor, "identity.contact", row.agency_code)
            if await d.has_left(s, q.official_id):
                raise not_found(f"official {q.official_id}")
        return await self.actor_by_email(actor, c.EmailQuery(email=row.email))


def _chain(official_id: str, above: dict[str, str | None]) -> list[str]:
    """First-level supervisor first, up to the top (a loop in the records ends the chain)."""
    chain: list[str] = []
    current = above.get(official_id)
    while current is not None and current not in chain and current != official_id:
        chain.append(current)
        current = above.get(current)
    return chain
