"""`telework serve engagement`: the Temporal worker running engagement workflows and their
activities, plus the engagement service's own outbox relay."""

import asyncio
import logging
import os
from typing import Any

from sqlalchemy.ext.asyncio import async_sessionmaker
from temporalio.client import Client
from temporalio.contrib.opentelemetry import TracingInterceptor
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Worker

from services.shared.jetstream import connect
from services.shared.runtime import ServiceContext, ServiceSpec
from workflows.engagement import TASK_QUEUE
from workflows.engagement.activities import EngagementActivities
from workflows.engagement.directory import IdentityDirectory, NatsIdentityDirectory
from workflows.engagement.tables import ENGAGEMENT
from workflows.engagement.workflow import EngagementWorkflow

log = logging.getLogger(__name__)


async def temporal_client(address: str, namespace: str = "default") -> Client:
    return await Client.connect(
        address,
        namespace=namespace,
        data_converter=pydantic_data_converter,
        interceptors=[TracingInterceptor()],
    )


def build_worker(
    client: Client,
    sessions: async_sessionmaker[Any],
    directory: IdentityDirectory,
    task_queue: str = TASK_QUEUE,
    **options: Any,
) -> Worker:
    activities = EngagementActivities(sessions, directory)
    return Worker(
        client,
        task_queue=task_queue,
        workflows=[EngagementWorkflow],
        activities=activities.all(),
        interceptors=[TracingInterceptor()],
        **options,
    )


def service_token(ctx: ServiceContext) -> str:
    token = os.environ.get("TELEWORK_SERVICE_TOKEN")
    if token:
        return token
    from services.identity.demo.seed import service_actor
    from services.shared.auth import DevIssuer

    return DevIssuer.load_or_create(ctx.settings.data_dir / "dev-issuer.pem").issue(
        service_actor("engagement")
    )


async def run_worker(ctx: ServiceContext) -> None:
    nc = await connect(ctx.settings.nats_url, name="telework-engagement-directory")
    while True:
        try:
            client = await temporal_client(
                ctx.settings.temporal_address, ctx.settings.temporal_namespace
            )
            break
        except Exception as exc:  # Temporal still starting: keep trying until stopped
            log.warning("Temporal not reachable (%s); retrying", type(exc).__name__)
            if ctx.stop.is_set():
                return
            await asyncio.sleep(2)
    worker = build_worker(client, ctx.sessions, NatsIdentityDirectory(nc, service_token(ctx)))
    async with worker:
        await ctx.stop.wait()
    await nc.close()


SPEC = ServiceSpec(
    name="engagement",
    description="Engagement workflows (Temporal worker) and their event log",
    metadatas=(ENGAGEMENT,),
    tasks=(run_worker,),
)
