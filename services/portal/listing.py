"""What a person sees of the engagements (the home page and an engagement's own page, issue
#16): the cases they may read, each with what they are to it and the names of its people."""

import asyncio
import time
from typing import Any

from contracts.requests import identity as ask
from services.portal.base import PortalBase
from services.portal.deps import BackendError
from services.portal.read_model import summary_of
from services.portal.refusals import Refused
from services.shared.authz import Actor, Resource, can
from workflows.engagement import models as m

# The home page: how many of the newest engagements are looked at (each costs nothing until it
# is in the caller's scope), how many agencies are asked about side by side, and how long an
# agency's place in the tree is trusted.
VISIBLE_SCAN = 5_000
CONCURRENT_READS = 16
AGENCY_PATH_TTL_S = 300.0


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
        """The engagements the caller may read, newest first, each with its summary, what the
        caller is to it and the names of its people (the pages, issue #16)."""
        out = [
            _item(actor, row.official_id, res, summary_of(row))
            for row, res in await self.visible_rows(actor)
        ]
        await self._name_officials(out)
        return out

    async def visible_rows(self, actor: Actor) -> list[tuple[Any, Resource]]:
        """The read model's rows of the cases the caller may read, newest first, with each
        official's place as `can` sees it.

        One query of the read model (services/portal/read_model.py) gives the newest
        VISIBLE_SCAN cases; they are narrowed by `can` over their official's agency (the
        official themself, or a role over an agency above it) before identity is asked for
        the supervisor chains of the rest (one question for all of them), so a supervisor sees
        their staff's cases and nobody else's."""
        rows = await self.read_model.newest(VISIBLE_SCAN)
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
        resources = await self.resources({r.official_id for r in candidates})
        return [
            (r, res)
            for r in candidates
            if (res := resources.get(r.official_id)) is not None
            and can(actor, "engagement.read", res)
        ]

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
        summary = await self._summary(engagement_id)
        # The workflow's own answer, newer than or as new as the model's: keep it there too.
        await self.read_model.keep(summary, res.agency_path[-1])
        found = [_item(actor, official, res, summary)]
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
