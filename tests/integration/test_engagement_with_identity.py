"""The engagement workflow asking the real identity service over NATS (R-ELIG-3, R-ORD-2,
R-LAW-3): the demo agency's acting head issues the order; §3.2.1 work is refused; an acting
supervisor appointed mid-case takes the supervisor's steps."""

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import nats
import pytest
from faststream.nats import NatsBroker
from temporalio.client import WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from contracts.requests import identity as c
from services.identity.adapters.tables import IDENTITY
from services.identity.demo.seed import OPERATOR, seed_demo
from services.identity.entrypoints.app import wire
from services.identity.service_layer.handlers import IdentityService
from services.shared.auth import DevIssuer, service_actor
from services.shared.clock import BANGKOK, now
from tests.conftest import Database
from tests.support.engagement import (
    GOALS,
    accept_both,
    begin,
    engagement_worker,
    six_months_mon_thu,
)
from tests.support.stack import deciding_head
from workflows.engagement.activities import LOG, engagement_stream
from workflows.engagement.directory import NatsIdentityDirectory
from workflows.engagement.models import DecideOrder, DraftAgreement, Propose, State
from workflows.engagement.workflow import EngagementWorkflow as W

pytestmark = pytest.mark.integration


@pytest.fixture
async def directory(
    sqlite_db: Database, private_nats_url: str, tmp_path: Path
) -> AsyncIterator[NatsIdentityDirectory]:
    await sqlite_db.create(IDENTITY)
    assert not (await seed_demo(sqlite_db.sessions, b"k" * 32)).errors
    issuer = DevIssuer.load_or_create(tmp_path / "issuer.pem")
    broker = NatsBroker(private_nats_url)
    wire(broker, IdentityService(sqlite_db.sessions), issuer.verifier())
    await broker.start()
    nc = await nats.connect(private_nats_url)
    yield NatsIdentityDirectory(nc, issuer.issue(service_actor("engagement")))
    await nc.close()
    await broker.stop()


async def test_acting_head_of_the_demo_agency_orders_telework(
    workflow_env: WorkflowEnvironment, sqlite_db: Database, directory: NatsIdentityDirectory
) -> None:
    env = workflow_env
    async with engagement_worker(env, sqlite_db, directory) as queue:  # type: ignore[arg-type]
        h = await begin(env, queue, official="D0202", by="D0201", selection="necessity")
        today = (await env.get_current_time()).astimezone(BANGKOK).date()
        ack = await h.execute_update(
            W.draft_agreement,
            DraftAgreement(by="D0201", goals=GOALS, schedule=six_months_mon_thu(today)),
        )
        await accept_both(h, ack.detail["agreement_version"], "D0202", "D0201")
        await h.execute_update(W.propose, Propose(by="D0201"))
        _, decider = await deciding_head(env)  # the acting head while in office, else the head
        done = await h.execute_update(W.decide_order, DecideOrder(by=decider, issue=True))
        assert done.state == State.ORDERED

        refused = await begin(env, queue, official="D0203", by="D0201", selection="necessity")
        assert (await refused.result()).state == State.CLOSED


async def test_an_acting_first_level_supervisor_takes_the_supervisors_steps(
    workflow_env: WorkflowEnvironment, sqlite_db: Database, directory: NatsIdentityDirectory
) -> None:
    """R-LAW-3 (issue #19): the head appoints D0203 to act for D0201 while away; the running
    workflow learns it from identity at the step, not from the chain it captured at the start."""
    env = workflow_env
    async with engagement_worker(env, sqlite_db, directory) as queue:  # type: ignore[arg-type]
        h = await begin(env, queue, official="D0202", by="D0201", selection="necessity")
        today = (await env.get_current_time()).astimezone(BANGKOK).date()
        ack = await h.execute_update(
            W.draft_agreement,
            DraftAgreement(by="D0201", goals=GOALS, schedule=six_months_mon_thu(today)),
        )
        start = now() - timedelta(minutes=5)
        await IdentityService(sqlite_db.sessions).appoint_acting_supervisor(
            OPERATOR,
            c.AppointActingSupervisor(
                supervisor_id="D0201",
                acting_id="D0203",
                valid_from=start,
                valid_to=start + timedelta(days=3),
            ),
        )
        await accept_both(h, ack.detail["agreement_version"], "D0202", "D0203")
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await h.execute_update(W.propose, Propose(by="D0102"))  # nobody's stand-in
        assert "nor acting for one today" in str(refused.value.cause)
        await h.execute_update(W.propose, Propose(by="D0203"))
    async with sqlite_db.sessions() as s:
        stream = await LOG.read_stream(s, engagement_stream(h.id))
    acted = [e.envelope.data for e in stream if "acting_supervisor_acted" in e.envelope.type]
    assert [(a["acting_id"], a["acting_for"], a["level"]) for a in acted] == [("D0203", "D0201", 0)]
