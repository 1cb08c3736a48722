"""`telework serve engagement`: the Temporal worker running engagement workflows and their
activities, plus the engagement service's own outbox relay."""

import asyncio
import logging
from typing import Any

from sqlalchemy.ext.asyncio import async_sessionmaker
from temporalio.client import Client
from temporalio.contrib.opentelemetry import TracingInterceptor
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Worker

from services.shared import clock
from services.shared.auth import TokenVerifier, service_credentials, verifier_from_env
from services.shared.jetstream import connect
from services.shared.runtime import ServiceContext, ServiceSpec
from services.shared.settings import Stack
from workflows.engagement import TASK_QUEUE
from workflows.engagement.activities import EngagementActivities
from workflows.engagement.assignment import AssignmentWorkflow
from workflows.engagement.directory import IdentityDirectory, NatsIdentityDirectory
from workflows.engagement.proof import ActorProof, ActorToken
from workflows.engagement.tables import ENGAGEMENT
from workflows.engagement.workflow import EngagementWorkflow
from workflows.evaluation import (
    EvaluationActivities,
    YearlyEvaluationWorkflow,
    ensure_yearly_schedule,
)

log = logging.getLogger(__name__)
WORKFLOW_TASKS = Stack().workflow_tasks
WORKFLOW_CACHE = Stack().workflow_cache


async def temporal_client(address: str, namespace: str = "default") -> Client:
    from services.shared.tls import temporal_tls

    return await Client.connect(
        address,
        namespace=namespace,
        data_converter=pydantic_data_converter,
        interceptors=[TracingInterceptor(), ActorToken()],
        **temporal_tls(),  # TLS / mTLS / API key when the site sets them
    )


def build_worker(
    client: Client,
    sessions: async_sessionmaker[Any],
    directory: IdentityDirectory,
    task_queue: str = TASK_QUEUE,
    *,
    actor_proof: TokenVerifier | None,
    evaluation: EvaluationActivities | None = None,
    **options: Any,
) -> Worker:
    """`actor_proof`: the verifier of the tokens that prove who takes each step (issue #13).
    None only in tests that drive workflows with a bare client."""
    activities = EngagementActivities(sessions, directory)
    interceptors: list[Any] = [TracingInterceptor()]
    if actor_proof is not None:
        interceptors.append(ActorProof(actor_proof))
    # A Python worker runs one workflow task at a time; tasks pulled beyond what it can run
    # in 10 s time out and fail updates ("Workflow Task in failed state") when a whole agency
    # is assigned at once. Left on the server, they only wait (issue #19 bulk bench).
    options.setdefault("max_concurrent_workflow_tasks", WORKFLOW_TASKS)
    options.setdefault("max_cached_workflows", WORKFLOW_CACHE)
    return Worker(
        client,
        task_queue=task_queue,
        workflows=[EngagementWorkflow, AssignmentWorkflow, YearlyEvaluationWorkflow],
        activities=[
            *activities.all(),
            *([evaluation.record_yearly_evaluation] if evaluation is not None else []),
        ],
        interceptors=interceptors,
        **options,
    )


async def connect_temporal(ctx: ServiceContext) -> Client | None:
    """The Temporal client, waiting while Temporal starts (None if stopped meanwhile)."""
    while not ctx.stop.is_set():
        try:
            return await temporal_client(
                ctx.settings.temporal_address, ctx.settings.temporal_namespace
            )
        except Exception as exc:
            log.warning("Temporal not reachable (%s); retrying", type(exc).__name__)
            await clock.pause(ctx.stop, 2)
    return None


async def run_worker(ctx: ServiceContext) -> None:
    nc = await connect(
        ctx.settings.nats_url, name="telework-engagement-directory", for_requests=True
    )
    client = await connect_temporal(ctx)
    if client is None:
        return
    credentials = service_credentials("engagement", ctx.settings.data_dir)
    worker = build_worker(
        client,
        ctx.sessions,
        NatsIdentityDirectory(nc, credentials),
        actor_proof=verifier_from_env(ctx.settings.data_dir),
        evaluation=EvaluationActivities(nc, credentials),
    )
    async with worker:
        # Beside the worker, never before it: a slow answer from Temporal about schedules
        # (just restarted, say) must not keep the engagements' tasks waiting.
        scheduling = asyncio.create_task(schedule_yearly_evaluation(client))
        await ctx.stop.wait()
        scheduling.cancel()
    await nc.close()


async def schedule_yearly_evaluation(client: Client) -> None:
    """The yearly evaluation's schedule (issue #18): made once, by whichever worker."""
    try:
        async with asyncio.timeout(120):
            if await ensure_yearly_schedule(client, TASK_QUEUE):
                log.info("yearly evaluation scheduled (1 October 06:00, Asia/Bangkok)")
    except Exception as exc:  # a server without schedules, or busy: said; the worker goes on
        log.warning("yearly evaluation not scheduled (%s: %s)", type(exc).__name__, exc)


SPEC = ServiceSpec(
    name="engagement",
    description="Engagement workflows (Temporal worker) and their event log",
    metadatas=(ENGAGEMENT,),
    tasks=(run_worker,),
)
