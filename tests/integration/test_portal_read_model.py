"""Issue #16, item 6: the portal's read model is fed by the engagement events. A step taken
outside the portal reaches the home page through its events alone, and the model folded again
from the stream into an empty database (SQLite and PostgreSQL) is the same, row for row, and
says what the workflow says."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import delete, func, select

from contracts.roles import Role
from services.portal.read_model import ENGAGEMENT_EVENTS, ReadModel, refold, summary_of
from services.portal.tables import PORTAL, case_events, cases
from services.shared.authz import Actor, Grant
from services.shared.consumer import EventConsumer
from tests.conftest import Database
from tests.support.portal import agreement_draft, bearer, selected_for_necessity
from tests.support.stack import Stack
from workflows.engagement import models as m
from workflows.engagement.proof import acting_as
from workflows.engagement.workflow import EngagementWorkflow as W

pytestmark = pytest.mark.integration


async def rows_of(sessions: Any, engagement_id: str) -> Any:
    async with sessions() as s:
        return (
            await s.execute(select(cases).where(cases.c.engagement_id == engagement_id))
        ).first()


async def until(what: Any, seconds: float = 30.0) -> Any:
    async with asyncio.timeout(seconds):
        while not (found := await what()):
            await asyncio.sleep(0.1)
    return found


async def test_a_step_taken_elsewhere_reaches_the_page_through_its_events(
    stack: Stack, db: Database
) -> None:
    since = datetime.now(UTC) - timedelta(seconds=1)
    async with httpx.AsyncClient(base_url=stack.url, timeout=60) as c:
        one = await bearer(c, "official1@onde.example.go.th")
        sup = await bearer(c, "supervisor1@onde.example.go.th")
        eid = (await c.post("/api/engagements", json={}, headers=one)).json()["engagement_id"]
        r = await c.post(f"/api/engagements/{eid}/actions/select", json={}, headers=sup)
        assert r.status_code == 200, r.text

        # The supervisor drafts through Temporal itself, as another portal would: nothing
        # writes this portal's model but the events.
        handle = stack.backends.temporal.get_workflow_handle(eid)
        token = stack.issuer.issue(Actor("D0101", (Grant(Role.SUPERVISOR, "ONDE"),)))
        draft = m.DraftAgreement.model_validate(
            {**agreement_draft(await stack.today()), "by": "D0101"}
        )
        with acting_as(token):
            await handle.execute_update(W.draft_agreement, draft)

        async def drafted() -> Any:
            listed = (await c.get("/api/engagements", headers=one)).json()
            return listed if listed[0]["agreement_version"] == 1 else None

        listed = await until(drafted)
        assert listed[0]["planned_dates"]  # the agreed days came with the event
        live = await handle.query(W.summary)
        seen = summary_of(await rows_of(stack.backends.sessions, eid))
        assert (seen.state, seen.history, seen.goals, seen.planned_dates) == (
            live.state,
            live.history,
            live.goals,
            live.planned_dates,
        )

    # Folded again from the stream alone, into an empty database: the same rows.
    await db.create(PORTAL)
    stop = asyncio.Event()
    consumer = EventConsumer(
        f"portal-rebuild-{uuid.uuid4().hex[:8]}",
        db.sessions,
        ReadModel(db.sessions).apply,
        filter_subject=ENGAGEMENT_EVENTS,
        since=since,
    )
    task = asyncio.create_task(consumer.run(stack.backends.nats, stop))
    try:
        theirs = await rows_of(stack.backends.sessions, eid)

        async def caught_up() -> Any:
            row = await rows_of(db.sessions, eid)
            return row if row is not None and row.events == theirs.events else None

        rebuilt = await until(caught_up)
    finally:
        stop.set()
        await task
    assert summary_of(rebuilt) == summary_of(theirs)
    assert (rebuilt.official_id, rebuilt.agency, rebuilt.state) == (
        theirs.official_id,
        theirs.agency,
        theirs.state,
    )


async def test_the_page_shows_each_version_of_the_agreement_and_what_changed(
    stack: Stack,
) -> None:
    """Issue #16, item 1: the versions come from the case's own events in the read model."""
    today = await stack.today()
    async with httpx.AsyncClient(base_url=stack.url, timeout=60) as c:
        sup = await bearer(c, "supervisor1@onde.example.go.th")
        eid = await selected_for_necessity(c, sup, "D0102")
        first = agreement_draft(today)
        second = agreement_draft(today, weekdays=(1,))
        second["goals"][0]["target"] = "80"
        for body in (first, second):
            r = await c.post(f"/api/engagements/{eid}/actions/draft", json=body, headers=sup)
            assert r.status_code == 200, r.text

        async def both() -> Any:
            async with stack.backends.sessions() as s:
                n = await s.execute(
                    select(func.count())
                    .select_from(case_events)
                    .where(case_events.c.engagement_id == eid)
                    .where(case_events.c.type.like("%agreement_drafted%"))
                )
                return n.scalar() == 2

        await until(both)
        page = (await c.get(f"/ui/engagements/{eid}?lang=en", headers=sup)).text
    versions = page[page.index('id="versions"') :]
    assert "Agreement, version 2" in versions
    assert "goal changed: วิเคราะห์นโยบาย" in versions
    assert "schedule changed" in versions


async def test_refold_brings_back_what_the_model_lost(stack: Stack) -> None:
    """`telework portal refold`: the stream folded again into the model, beside the running
    portal, restores a row that was lost or stale."""
    since = datetime.now(UTC) - timedelta(seconds=1)
    async with httpx.AsyncClient(base_url=stack.url, timeout=60) as c:
        sup = await bearer(c, "supervisor1@onde.example.go.th")
        eid = await selected_for_necessity(c, sup, "D0102")
        body = agreement_draft(await stack.today())
        r = await c.post(f"/api/engagements/{eid}/actions/draft", json=body, headers=sup)
        assert r.status_code == 200, r.text

    async def folded() -> Any:
        row = await rows_of(stack.backends.sessions, eid)
        return row if row is not None and row.events == 3 else None

    before = await until(folded)
    async with stack.backends.sessions.begin() as s:  # a model restored from an old backup
        await s.execute(delete(cases).where(cases.c.engagement_id == eid))
        await s.execute(delete(case_events).where(case_events.c.engagement_id == eid))
    folded_n, refused = await refold(
        stack.backends.nats.jetstream(), stack.backends.sessions, since=since
    )
    assert folded_n >= 3 and refused == 0
    after = await rows_of(stack.backends.sessions, eid)
    assert after is not None and summary_of(after) == summary_of(before)
