"""`telework serve portal`: the web UI and the public API on http://127.0.0.1:8000."""

import asyncio
import contextlib
import logging
import os
from collections.abc import Iterator

import uvicorn

from services.portal.app import create_app
from services.portal.deps import Backends
from services.portal.evaluation import survey_key
from services.portal.oidc import OidcClient, OidcSettings
from services.portal.tables import PORTAL
from services.shared.auth import platform_issuer, service_credentials, verifier_from_env
from services.shared.jetstream import connect
from services.shared.runtime import ServiceContext, ServiceSpec
from workflows.engagement.worker import connect_temporal

NAME = "portal"
PORT = int(os.environ.get("TELEWORK_PORTAL_PORT", "8000"))
# Loopback unless the site says otherwise (a container sets 0.0.0.0 behind its ingress).
HOST = os.environ.get("TELEWORK_PORTAL_HOST", "127.0.0.1")
log = logging.getLogger(__name__)


async def backends(ctx: ServiceContext) -> Backends:
    from services.documents.adapters.signing import identity_from_env

    issuer = platform_issuer(ctx.settings.data_dir)
    demo = os.environ.get("TELEWORK_DEMO_LOGIN", "0") == "1"
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
        secure_cookies=os.environ.get("TELEWORK_SECURE_COOKIES") == "1",
        survey_key=survey_key(ctx.settings.data_dir),
        oidc=OidcClient(oidc, ctx.sessions) if oidc else None,
        thai_digits=frozenset(
            c.strip() for c in os.environ.get("TELEWORK_THAI_DIGITS", "").split(",") if c.strip()
        ),
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
    task = asyncio.create_task(server.serve())
    await ctx.stop.wait()
    server.should_exit = True
    await task


SPEC = ServiceSpec(
    name=NAME, description="Web UI and public HTTP API", metadatas=(PORTAL,), tasks=(run,)
)
