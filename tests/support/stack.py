"""The whole platform in one test process: identity, attendance, engagement worker (on the
time-skipping server), relays and consumers on a private NATS, and the portal on a free port."""

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import nats
import uvicorn
from sqlalchemy import select
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from infra.stack import free_port
from services.attendance.adapters.tables import ATTENDANCE
from services.attendance.entrypoints.app import responder as attendance_responder
from services.attendance.service_layer.handlers import AttendanceService
from services.audit.adapters.tables import AUDIT
from services.audit.entrypoints.app import wire as wire_audit
from services.audit.service_layer.store import Chain
from services.documents.adapters.signing import demo_identity
from services.identity.adapters.tables import IDENTITY
from services.identity.demo.seed import seed_demo
from services.identity.entrypoints.app import wire as wire_identity
from services.identity.service_layer.handlers import IdentityService
from services.meetings.adapters.tables import MEETINGS
from services.meetings.entrypoints.app import wire as wire_meetings
from services.meetings.service_layer.handlers import MeetingsService
from services.notification.adapters.channels import SmtpSettings
from services.notification.adapters.tables import NOTIFICATION
from services.notification.entrypoints.app import deliver
from services.notification.entrypoints.app import wire as wire_notification
from services.notification.service_layer.notifier import Notifier
from services.portal.app import create_app
from services.portal.deps import Backends
from services.portal.read_model import ENGAGEMENT_EVENTS, ReadModel
from services.portal.tables import PORTAL, started
from services.shared import rpc
from services.shared.auth import DevIssuer, load_or_create_key, service_actor
from services.shared.clock import BANGKOK
from services.shared.consumer import EventConsumer
from services.shared.db import create_schema, make_engine, sessionmaker
from services.shared.relay import OutboxRelay
from workflows.calendar import WorkingCalendar
from workflows.engagement.directory import NatsIdentityDirectory
from workflows.engagement.proof import ActorToken
from workflows.engagement.tables import ENGAGEMENT
from workflows.engagement.worker import build_worker


class StackClock:
    """The platform's wall clock in tests: the time-skipping server's, so services and
    workflows agree on what "today" is however far earlier tests skipped."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(BANGKOK) + self.offset

    async def sync(self, env: WorkflowEnvironment) -> None:
        self.offset = await env.get_current_time() - datetime.now(UTC)


@dataclass
class Stack:
    url: str
    env: WorkflowEnvironment
    issuer: DevIssuer
    clock: StackClock
    identity: Any = None  # the identity service's sessionmaker, for a test's own set-up
    backends: Any = None  # what the portal was built with
    attendance: Any = None  # the attendance service's sessionmaker, to look at what it kept
    audit: Any = None  # the audit chain's sessionmaker
    engagement: Any = None  # the engagement service's store (its read model)

    async def today(self) -> date:
        await self.clock.sync(self.env)
        return self.clock.now().date()

    async def to_working_morning(self) -> date:
        """Skip to 09:00 (Bangkok) of the next working day and return it: a story that starts
        "today" then starts on a telework day, whatever the real date (public holidays and
        weekends included), and its check-ins are on time."""
        now = (await self.env.get_current_time()).astimezone(BANGKOK)
        day = now.date() + timedelta(days=1)
        while not WorkingCalendar().is_working_day(day):
            day += timedelta(days=1)
        morning = datetime(day.year, day.month, day.day, 9, tzinfo=BANGKOK)
        await self.env.sleep(morning - now)
        await self.clock.sync(self.env)
        return day


@contextlib.asynccontextmanager
async def platform(env: WorkflowEnvironment, nats_url: str, tmp: Path) -> AsyncIterator[Stack]:
    # Nothing of this stack is published before now; the tests share one NATS, and the last
    # events of the test before (within the second the other consumers allow) are not this
    # portal's cases (an official would seem to have one open).
    opened = datetime.now(UTC)

    async def db(name: str, md: Any) -> Any:
        engine = make_engine(f"sqlite+aiosqlite:///{tmp / (name + '.db')}")
        await create_schema(engine, [md], None)
        return engine, sessionmaker(engine)

    (
        (ie, identity),
        (ee, engagement),
        (ae, attendance),
        (pe, portal),
        (ne, notification),
        (ue, audit),
        (me, meetings),
    ) = [
        await db(n, md)
        for n, md in (
            ("identity", IDENTITY),
            ("engagement", ENGAGEMENT),
            ("attendance", ATTENDANCE),
            ("portal", PORTAL),
            ("notification", NOTIFICATION),
            ("audit", AUDIT),
            ("meetings", MEETINGS),
        )
    ]
    assert not (await seed_demo(identity, b"k" * 32)).errors
    issuer = DevIssuer.load_or_create(tmp / "dev-issuer.pem")
    stop = asyncio.Event()
    broker = rpc.make_broker(nats_url)
    wire_identity(broker, IdentityService(identity), issuer.verifier())
    stack_clock = StackClock()
    await stack_clock.sync(env)
    att = AttendanceService(attendance, now=stack_clock.now)
    nc = await nats.connect(nats_url)
    answering = attendance_responder(att, issuer.verifier())
    await answering.start(nc)
    directory = NatsIdentityDirectory(nc, issuer.issue(service_actor("engagement")))
    notifier = Notifier(notification, directory, SmtpSettings(port=free_port()), b"s")
    wire_notification(broker, notifier, issuer.verifier())
    audit_key = load_or_create_key(tmp / "audit.pem")
    wire_audit(broker, audit, audit_key.public_key(), issuer.verifier())
    wire_meetings(broker, MeetingsService(meetings), issuer.verifier())
    chain = Chain(audit_key, checkpoint_every=10)
    await broker.start()
    # From the platform's start, not from whenever each consumer happens to be made: on a
    # loaded machine a consumer made late missed the events before it (an order never chained).
    began = datetime.now(UTC) - timedelta(seconds=1)
    tasks = [
        asyncio.create_task(OutboxRelay(s, nats_url, name=n).run(stop))
        for n, s in (
            ("identity", identity),
            ("engagement", engagement),
            ("attendance", attendance),
            ("portal", portal),
            ("meetings", meetings),
        )
    ]
    # Only this stack's events: from the shared stream's start, the attendance ledger would
    # take earlier tests' orders for the same demo officials (a check-in judged against an
    # agency another test placed the official in).
    consumer = EventConsumer(
        f"attendance-{uuid.uuid4().hex[:8]}", attendance, att.apply_event, since=opened
    )
    tasks.append(asyncio.create_task(consumer.run(nc, stop)))

    async def route(s: Any, event: Any) -> None:
        await notifier.route(s, event)

    tasks.append(
        asyncio.create_task(
            EventConsumer(
                f"notification-{uuid.uuid4().hex[:8]}", notification, route, since=began
            ).run(nc, stop)
        )
    )
    tasks.append(asyncio.create_task(deliver(notifier, stop)))

    async def keep(s: Any, event: Any) -> None:
        await chain.append(s, event)

    tasks.append(
        asyncio.create_task(
            EventConsumer(f"audit-{uuid.uuid4().hex[:8]}", audit, keep, since=began).run(nc, stop)
        )
    )
    read_model = ReadModel(portal)
    tasks.append(
        asyncio.create_task(
            EventConsumer(
                f"portal-{uuid.uuid4().hex[:8]}",
                portal,
                read_model.apply,
                filter_subject=ENGAGEMENT_EVENTS,
                since=opened,
            ).run(nc, stop)
        )
    )
    queue = f"engagement-{uuid.uuid4().hex[:8]}"
    backends = Backends(
        nats=nc,
        # The portal's own client, proving each step's actor with the caller's token.
        temporal=Client(**{**env.client.config(), "interceptors": [ActorToken()]}),
        sessions=portal,
        issuer=issuer,
        verifier=issuer.verifier(),
        service_token=issuer.issue(service_actor("portal")),
        demo_login=True,
        task_queue=queue,
        document_signer=demo_identity(tmp / "document-ca"),
        survey_key=b"s" * 32,
    )
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(backends), host="127.0.0.1", port=port, log_level="warning", access_log=False
        )
    )
    tasks.append(asyncio.create_task(server.serve()))
    async with build_worker(
        env.client, engagement, directory, task_queue=queue, actor_proof=issuer.verifier()
    ):
        while not server.started:
            await asyncio.sleep(0.05)
        try:
            yield Stack(
                f"http://127.0.0.1:{port}",
                env,
                issuer,
                stack_clock,
                identity,
                backends,
                attendance,
                audit,
                engagement,
            )
        finally:
            # Leave no timers behind for the next test's time skipping to fire.
            async with portal() as s:
                ids = (await s.execute(select(started.c.engagement_id))).scalars().all()
            for engagement_id in ids:
                with contextlib.suppress(Exception):
                    await env.client.get_workflow_handle(engagement_id).terminate("test over")
            server.should_exit = True
            stop.set()
            await asyncio.gather(*tasks, return_exceptions=True)
    await broker.stop()
    await answering.stop()
    await nc.close()
    for engine in (ie, ee, ae, pe, ne, ue, me):
        await engine.dispose()


async def deciding_head(env: WorkflowEnvironment) -> tuple[str, str]:
    """(account, official id) of whoever decides for ONDE at the test server's time. The demo
    seed appoints the deputy acting head for the real current month; tests share the
    time-skipping server's clock, which earlier tests may have moved past it."""
    from services.shared.clock import today as real_today

    now = (await env.get_current_time()).astimezone(BANGKOK).date()
    start = real_today().replace(day=1)
    if start <= now < start + timedelta(days=31):
        return "deputy", "D0002"
    return "head", "D0001"
