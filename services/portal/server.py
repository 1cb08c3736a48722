"""`telework serve portal`: the web UI and the public API on http://127.0.0.1:8000."""

import asyncio
import contextlib
import gc
import logging
from collections.abc import Iterator

import uvicorn

from services.portal.app import create_app
from services.portal.deps import Backends
from services.portal.evaluation import survey_key
from services.portal.oidc import OidcClient, OidcSettings
from services.portal.read_model import CONSUMER, ENGAGEMENT_EVENTS, ReadModel
from services.portal.tables import PORTAL
from services.shared.auth import platform_issuer, service_credentials, verifier_from_env
from services.shared.consumer import EventConsumer
from services.shared.jetstream import connect
from services.shared.runtime import ServiceContext, ServiceSpec
from services.shared.settings import Portal
from workflows.engagement.worker import connect_temporal

NAME = "portal"
PORT = Portal().port
# Loopback unless the site says otherwise (a container sets 0.0.0.0 behind its ingress).
HOST = Portal().host
log = logging.getLogger(__name__)


async def backends(ctx: ServiceContext) -> Backends:
    from services.documents.adapters.signing import identity_from_env

    issuer = platform_issuer(ctx.settings.data_dir)
    portal = Portal()
    demo = portal.demo_login
    oidc = OidcSettings.from_env()
    nc = await connect(ctx.settings.nats_url, name="telework-portal", for_requests=True)
    temporal = await connect_temporal(ctx)
    assert temporal is not None, "stopped before Temporal answered"
    return Backends(
        nats=nc,
        temporal=temporal,
        sessions=ctx.sessions,
        issuer=issuer,
        verifier=verifier_from_env(ctx.settings.data_dir),
        service_token=service_credentials(NAME, ctx.settings.data_dir),
        demo_login=demo,
        document_signer=identity_from_env(ctx.settings.data_dir, demo),
        secure_cookies=portal.secure_cookies,
        survey_key=survey_key(ctx.settings.data_dir),
        oidc=OidcClient(oidc, ctx.sessions) if oidc else None,
        thai_digits=portal.thai_digit_agencies,
    )


class QuietServer(uvicorn.Server):
    """The service runtime owns SIGINT/SIGTERM; uvicorn must not take them over."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def run(ctx: ServiceContext) -> None:
    app = create_app(await backends(ctx))
    server = QuietServer(
        uvicorn.Config(app, host=HOST, port=PORT, log_level="warning", access_log=False)
    )
    # What start-up made lives as long as the process: kept out of the collector's full
    # passes, which otherwise scan it again and again while pages are being served (p95 of a
    # supervisor's home page, docs/benchmarks.md).
    gc.freeze()
    task = asyncio.create_task(server.serve())
    await ctx.stop.wait()
    server.should_exit = True
    await task


async def project_engagements(ctx: ServiceContext) -> None:
    """In the leading replica only: the read model every replica's pages read, fed by the
    engagement events in stream order."""
    nc = await connect(ctx.settings.nats_url, name="telework-portal-read-model")
    read_model = ReadModel(ctx.sessions)
    consumer = EventConsumer(
        CONSUMER, ctx.sessions, read_model.apply, filter_subject=ENGAGEMENT_EVENTS
    )
    try:
        await consumer.run(nc, ctx.stop)
    finally:
        await nc.close()


SPEC = ServiceSpec(
    name=NAME,
    description="Web UI and public HTTP API",
    metadatas=(PORTAL,),
    tasks=(run,),
    leader_tasks=(project_engagements,),
)
