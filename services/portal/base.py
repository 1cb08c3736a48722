"""What every portal use case stands on: the engagement an id names, its official, and whether
the caller may act on it (`can` over the official's agency and supervisor chain)."""

import asyncio
from typing import Any

from sqlalchemy import select
from temporalio.service import RPCError

from contracts.requests import identity as ask
from services.portal.deps import BackendError, Backends
from services.portal.read_model import ReadModel
from services.portal.refusals import (
    TEMPORAL_WAIT_S,
    Refused,
    backend_away,
    refusal,
    temporal_refusal,
)
from services.portal.sessions import SessionStore, SignInLimiter
from services.portal.tables import started
from services.shared.authz import Actor, Resource, can
from workflows.engagement import models as m
from workflows.engagement.workflow import EngagementWorkflow as W


class PortalBase:
    """What every portal use case stands on: the backends, the sessions, the engagements it
    started, and who may act on an official's engagement."""

    def __init__(self, b: Backends) -> None:
        self.b = b
        self.sessions = SessionStore(b.sessions)
        self.limiter = SignInLimiter(b.sessions)
        # agency code -> (its path from the root, when identity said so): see Portal.visible
        self._paths: dict[str, tuple[tuple[str, ...], float]] = {}
        self.read_model = ReadModel(b.sessions)

    async def resource(self, official_id: str) -> Resource:
        try:
            chain = await self.b.query(ask.SupervisorChain(official_id=official_id))
        except BackendError as exc:
            raise refusal(exc) from None
        return _engagement_of(chain)

    async def resources(self, official_ids: set[str]) -> dict[str, Resource]:
        """`resource` of many officials from one question to identity per thousand (the home
        page). An official identity does not place now is left out, as `resource` refuses."""
        wanted, found = sorted(official_ids), {}
        for k in range(0, len(wanted), 1000):
            try:
                reply = await self.b.query(ask.SupervisorChains(official_ids=wanted[k : k + 1000]))
            except BackendError:
                continue
            found.update({oid: _engagement_of(chain) for oid, chain in reply.chains.items()})
        return found

    async def authorize(self, actor: Actor, permission: str, official_id: str) -> Resource:
        res = await self.resource(official_id)
        decision = can(actor, permission, res)
        if not decision:
            raise Refused(403, f"ไม่มีสิทธิ์ / forbidden: {decision.reason}")
        return res

    async def official_of(self, engagement_id: str) -> str:
        async with self.b.sessions() as s:
            official = (
                await s.execute(
                    select(started.c.official_id).where(started.c.engagement_id == engagement_id)
                )
            ).scalar()
        if official is None:
            raise Refused(404, f"ไม่พบเรื่อง / no engagement {engagement_id}")
        return str(official)

    async def summary(self, actor: Actor, engagement_id: str) -> m.Summary:
        await self.authorize(actor, "engagement.read", await self.official_of(engagement_id))
        return await self._summary(engagement_id)

    async def _summary(self, engagement_id: str) -> m.Summary:
        """The engagement's summary, once the caller has been authorized for it."""
        try:
            async with asyncio.timeout(TEMPORAL_WAIT_S):
                summary: m.Summary = await self.b.temporal.get_workflow_handle(engagement_id).query(
                    W.summary
                )
        except RPCError as exc:
            raise temporal_refusal(exc) from None
        except (TimeoutError, RuntimeError):
            raise backend_away("งานเรื่อง (engagement)") from None
        return summary

    async def write_through(self, engagement_id: str, agency: str | None) -> None:
        """The workflow's summary after a step the portal took, into the read model: the next
        page shows the step before its events have come round. The step was taken whatever
        happens here; if the workflow cannot say now, its events will."""
        try:
            async with asyncio.timeout(TEMPORAL_WAIT_S):
                summary = await self.b.temporal.get_workflow_handle(engagement_id).query(W.summary)
        except (RPCError, TimeoutError, RuntimeError):
            return
        await self.read_model.keep(summary, agency)

    async def _agency_of(self, official_id: str) -> str:
        try:
            chain = await self.b.query(ask.SupervisorChain(official_id=official_id))
        except BackendError as exc:
            raise refusal(exc) from None
        return chain.agency_code

    async def _names(self, agency_code: str, official_ids: list[str]) -> tuple[str, Any]:
        """The agency's name and each official's name and position, for a document."""
        from collections import defaultdict

        from services.documents.domain.order import Person

        try:
            names = await self.b.query(
                ask.DocumentNamesQuery(
                    agency_code=agency_code, official_ids=sorted(set(official_ids))
                )
            )
        except BackendError as exc:
            raise refusal(exc) from None
        people: defaultdict[str, Person] = defaultdict(lambda: Person("-", "-"))
        people.update({k: Person(v.name, v.position or "-") for k, v in names.officials.items()})
        return names.agency, people


def _engagement_of(chain: ask.Chain) -> Resource:
    """An official's engagements as `can` sees them: their agency's path, themself as owner,
    their supervisors — and whoever acts today for an absent one (issue #19)."""
    return Resource(
        "engagement",
        tuple(chain.agency_path),
        owner=chain.official_id,
        supervisors=(*chain.chain, *chain.acting.values()),
    )
