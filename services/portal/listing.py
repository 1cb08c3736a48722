"""What a person sees of the engagements (the home page and an engagement's own page, issue
#16): the cases they may read, each with what they are to it and the names of its people."""

import asyncio
import time
from typing import Any

from sqlalchemy import select
from temporalio.service import RPCError, RPCStatusCode

from contracts.requests import identity as ask
from services.portal.base import PortalBase
from services.portal.deps import BackendError
from services.portal.refusals import (
    TEMPORAL_WAIT_S,
    Refused,
    backend_away,
    temporal_refusal,
)
from services.portal.tables import started
from services.shared.authz import Actor, Resource, can
from workflows.engagement import models as m
from workflows.engagement.workflow import EngagementWorkflow as W

# The home page: how many of the newest engagements are looked at (each costs nothing until it
# is in the caller's scope), how many are asked about side by side, and how long an agency's
# place in the tree is trusted.
VISIBLE_SCAN = 5_000
CONCURRENT_READS = 16
AGENCY_PATH_TTL_S = 300.0
SUMMARIES_KEPT = 20_000  # cases whose last summary the portal keeps, by its history's length


def _item(actor: Actor, official_id: str, res: Resource, summary: m.Summary) -> dict[str, Any]:
    return {
        "summary": summary,
        "official_id": official_id,
        "official_name": None,
        "names": {},  # id -> name of the people in its history, where identity knows them
        "root": res.agency_path[0],
        "agency": res.agency_path[-1],  # the official's own agency: their division
        "mine": official_id == actor.subject,
        "supervisor": actor.subject in (res.supervisors or ()),
        "head": bool(can(actor, "engagement.decide_order", res)),
    }


class Listing(PortalBase):
    async def visible(self, actor: Actor) -> list[dict[str, Any]]:
        """The engagements the caller may read, newest first (the home page, issue #16).

        Only cases in the caller's scope cost a remote call: the newest VISIBLE_SCAN the portal
        started are narrowed by `can` over their official's agency (the official themself, or a
        role over an agency above it) before identity is asked for their supervisor chains (one
        question for all of them) and the workflow for each summary, a few side by side. An
        official's home page thus asks about their own case only, not the whole platform's."""
        async with self.b.sessions() as s:
            rows = (
                await s.execute(
                    select(started).order_by(started.c.created_at.desc()).limit(VISIBLE_SCAN)
                )
            ).all()
        paths = await self._agency_paths({r.agency for r in rows})
        candidates = [
            r
            for r in rows
            if r.agency in paths
            and can(
                actor,
                "engagement.read",
                # No chain yet: a supervisor's chain is checked below, with identity's answer.
                Resource("engagement", paths[r.agency], owner=r.official_id),
            )
        ]
        # Every chain from one question to identity; then the summaries, a few side by side.
        resources = await self.resources({r.official_id for r in candidates})
        slots = asyncio.Semaphore(CONCURRENT_READS)

        async def card(r: Any) -> dict[str, Any] | None:
            res = resources.get(r.official_id)
            if res is None or not can(actor, "engagement.read", res):
                return None
            async with slots:
                try:
                    async with asyncio.timeout(TEMPORAL_WAIT_S):
                        summary = await self._current_summary(r.engagement_id)
                except RPCError as exc:
                    if exc.status == RPCStatusCode.NOT_FOUND:
                        return None  # a start that never reached Temporal
                    raise temporal_refusal(exc) from None
                except (TimeoutError, RuntimeError):
                    raise backend_away("งานเรื่อง (engagement)") from None
            return _item(actor, r.official_id, res, summary)

        async with asyncio.TaskGroup() as group:  # the first failure cancels the rest
            cards = [group.create_task(card(r)) for r in candidates]
        out = [c for task in cards if (c := task.result()) is not None]
        await self._name_officials(out)
        return out

    async def _current_summary(self, engagement_id: str) -> m.Summary:
        """The case's summary, asked of the workflow only when its history grew since the
        portal last asked: a query runs the workflow's code on a worker, one after another,
        while the history's length is the server's to tell. Every change of a case — an update,
        a timer, an activity's result — lengthens its history, so a kept summary is never
        behind the length it was kept for."""
        handle = self.b.temporal.get_workflow_handle(engagement_id)
        length = (await handle.describe()).history_length
        kept = self._summaries.get(engagement_id)
        if kept is not None and kept[0] == length:
            self._summaries.move_to_end(engagement_id)
            shown: m.Summary = kept[1]
            return shown
        summary: m.Summary = await handle.query(W.summary)
        self._summaries[engagement_id] = (length, summary)
        if len(self._summaries) > SUMMARIES_KEPT:
            self._summaries.popitem(last=False)  # the least recently shown
        return summary

    async def _agency_paths(self, codes: set[str]) -> dict[str, tuple[str, ...]]:
        """Each agency's place in the tree (root first), asked of identity once per agency and
        kept AGENCY_PATH_TTL_S: agencies move seldom, and a moved one is seen within minutes.
        An agency identity does not know, or cannot tell now, is left out (as a case whose
        chain identity cannot give is)."""
        now = time.monotonic()
        wanted = [
            c for c in codes if c not in self._paths or now - self._paths[c][1] > AGENCY_PATH_TTL_S
        ]

        async def ask_path(code: str) -> None:
            try:
                found = await self.b.query(ask.AgencyPathQuery(agency_code=code))
            except BackendError:  # unknown, or identity away: its cases are not shown now
                self._paths.pop(code, None)
                return
            self._paths[code] = (tuple(found.agency_path), now)

        for k in range(0, len(wanted), CONCURRENT_READS):
            await asyncio.gather(*(ask_path(c) for c in wanted[k : k + CONCURRENT_READS]))
        return {c: self._paths[c][0] for c in codes if c in self._paths}

    async def item(self, actor: Actor, engagement_id: str) -> dict[str, Any]:
        """One engagement as the home page shows it, for its own page (issue #16): the summary,
        the official's name, and what the caller is to it (the official, a supervisor, the
        head). Refused as the API refuses a read."""
        official = await self.official_of(engagement_id)
        res = await self.resource(official)
        if not can(actor, "engagement.read", res):
            raise Refused(403, "ไม่มีสิทธิ์ดูเรื่องนี้ / you may not read this engagement")
        found = [_item(actor, official, res, await self._summary(engagement_id))]
        await self._name_officials(found)
        return found[0]

    async def _name_officials(self, items: list[dict[str, Any]]) -> None:
        """People's names on the cards instead of bare ids (issue #16), for cases the caller
        may read anyway; one question per ministry. Identity away: the ids stay."""
        by_root: dict[str, set[str]] = {}
        for item in items:
            # The official, and whoever took a step of the case (its history names them).
            people = {item["official_id"], *(s.by for s in item["summary"].steps if s.by)}
            by_root.setdefault(item["root"], set()).update(people)
        for root, ids in by_root.items():
            names: dict[str, str] = {}
            wanted = sorted(ids)
            try:
                for k in range(0, len(wanted), 1000):  # identity takes 1,000 ids a question
                    found = await self.b.query(
                        ask.DocumentNamesQuery(agency_code=root, official_ids=wanted[k : k + 1000])
                    )
                    names.update({i: o.name for i, o in found.officials.items()})
            except BackendError:
                continue
            for item in items:
                if item["root"] != root:
                    continue
                item["names"] = names
                if item["official_id"] in names:
                    item["official_name"] = names[item["official_id"]]
