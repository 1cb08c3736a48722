"""How every service process runs: settings, logging, telemetry, database, relay, its own
tasks; SIGINT/SIGTERM stop it cleanly.

A service is described by a `ServiceSpec`: what it answers (through FastStream, or for the hot
few straight on nats-py), what its leading replica runs periodically, and any task of its own.
`telework serve <name>` finds it in the registry and runs it here, so all services start,
answer, drain and stop the same way (issue #20, item 3).
"""

import asyncio
import contextlib
import gc
import json
import logging
import signal
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field, replace
from typing import Any

from faststream.nats import NatsBroker
from sqlalchemy import MetaData
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from infra.nats import identities
from services.shared import clock, health, lease, migrate, telemetry
from services.shared.auth import TokenVerifier, verifier_from_env
from services.shared.db import brief, is_sqlite, make_engine, probe_writable, sessionmaker
from services.shared.lease import Job
from services.shared.relay import OutboxRelay
from services.shared.rpc import Responder, Route, make_broker
from services.shared.settings import Operations, Settings, Stack


@dataclass
class ServiceContext:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[Any]
    relay: OutboxRelay
    stop: asyncio.Event


Task = Callable[[ServiceContext], Coroutine[Any, Any, None]]
# Registers a service's request handlers on a broker, each checked by the verifier.
Wiring = Callable[[NatsBroker, TokenVerifier], None]


@dataclass(frozen=True)
class Periodic:
    """A job the leading replica runs every `every_s` seconds. A round that fails is logged by
    its kind (never its data) and tried again at the next; a round that returns True had more
    to do and runs again at once."""

    job: Callable[[ServiceContext], Awaitable[bool | None]]
    every_s: float


@dataclass(frozen=True)
class ServiceSpec:
    """What a service runs. In every replica: `answers` (its request handlers, on a FastStream
    broker in the service's queue group), `hot_answers` (routes served straight on nats-py,
    docs/decisions/0006) and `tasks`. In the one replica holding the service's lease, beside the
    outbox relay: `periodic` jobs and `leader_tasks` (projections, the audit chain, delivery),
    whose `ctx.stop` is set when the process stops or the replica loses the lease
    (docs/decisions/0008)."""

    name: str
    description: str
    metadatas: Sequence[MetaData] = ()
    answers: Callable[[ServiceContext], AbstractAsyncContextManager[Wiring]] | None = None
    hot_answers: Callable[[ServiceContext], Awaitable[Sequence[Route]]] | None = None
    tasks: Sequence[Task] = field(default_factory=tuple)
    periodic: Sequence[Periodic] = field(default_factory=tuple)
    leader_tasks: Sequence[Task] = field(default_factory=tuple)

    @property
    def schema(self) -> str:
        # A prefix other than the default lets tests and side-by-side installations share one
        # PostgreSQL database without sharing tables.
        return f"{Stack().schema_prefix}{self.name}"


class JsonLines(logging.Formatter):
    """One JSON object per line (`TELEWORK_LOG_FORMAT=json`), for a log collector."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "service": self.service,
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(service: str) -> None:
    # Log lines carry ids and counts only; names, e-mails and citizen ids never reach a logger
    # (R-INT-4), which is why no handler here formats request bodies.
    if Operations().log_format == "json":
        handler = logging.StreamHandler()
        handler.setFormatter(JsonLines(service))
        logging.basicConfig(level=logging.INFO, handlers=[handler])
        return
    logging.basicConfig(
        level=logging.INFO,
        format=f"%(asctime)s {service} %(levelname)s %(name)s: %(message)s",
    )


async def open_context(
    spec: ServiceSpec, settings: Settings, stop: asyncio.Event
) -> ServiceContext:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    schema = None if is_sqlite(settings.database_url) else spec.schema
    stack = Stack()
    pool = (
        {}
        if schema is None
        else {"pool_size": stack.db_pool_size, "max_overflow": stack.db_max_overflow}
    )
    engine = make_engine(settings.database_url, schema, **pool)
    await until_database_ready(engine, spec, schema, stop)
    sessions = sessionmaker(engine)
    relay = OutboxRelay(sessions, settings.nats_url, name=spec.name)
    return ServiceContext(settings, engine, sessions, relay, stop)


async def until_database_ready(
    engine: AsyncEngine, spec: ServiceSpec, schema: str | None, stop: asyncio.Event
) -> None:
    """Bring the tables to the service's latest migration and prove a write commits, retrying
    until it does: a database that is away, read-only or full at start is waited for (one log
    line per change), never taken as ready (issue #21, item 3)."""
    log = logging.getLogger(spec.name)
    delay, said = 0.5, None
    while True:
        try:
            await migrate.upgrade(engine, spec.name, schema)
            await probe_writable(engine)
        except (DBAPIError, OSError) as exc:
            reason = brief(exc)
            if reason != said:
                log.warning("database not ready (%s); retrying", reason)
                said = reason
            if stop.is_set():
                raise
            await clock.pause(stop, delay)
            delay = min(delay * 2, 10.0)
            continue
        if said is not None:
            log.info("database ready again")
        return


async def lead(spec: ServiceSpec, ctx: ServiceContext, held: lease.Lease) -> None:
    """The relay and the leader tasks, in whichever replica holds the lease."""

    def job(task: Task) -> Job:
        async def run(resign: asyncio.Event) -> None:
            await task(replace(ctx, stop=resign))

        run.__name__ = getattr(task, "__name__", "task")
        return run

    async def relay(resign: asyncio.Event) -> None:
        await ctx.relay.run(resign)

    rounds = [every(spec.name, p) for p in spec.periodic]
    await lease.lead(
        held,
        ctx.stop,
        [relay, *(job(t) for t in (*rounds, *spec.leader_tasks))],
    )


def every(service: str, periodic: Periodic) -> Task:
    """A periodic job as a task that stops with its context."""
    name = getattr(periodic.job, "__name__", "periodic job")

    async def rounds(ctx: ServiceContext) -> None:
        await repeat(service, name, lambda: periodic.job(ctx), periodic.every_s, ctx.stop)

    rounds.__name__ = name
    return rounds


async def repeat(
    service: str,
    name: str,
    job: Callable[[], Awaitable[bool | None]],
    every_s: float,
    stop: asyncio.Event,
) -> None:
    """The one stop-aware loop of the platform: run `job` every `every_s` seconds until `stop`;
    a round that fails is logged by its kind (never its data, which may be personal) and tried
    again at the next; a round that returns True had more to do and runs again at once."""
    log = logging.getLogger(service)
    while not stop.is_set():
        more = False
        try:
            more = bool(await job())
        except Exception as exc:  # the database away, say: the next round tries again
            log.warning("%s failed (%s); retrying", name, type(exc).__name__)
        if not more:
            await clock.pause(stop, every_s)


def answering(spec: ServiceSpec) -> list[Task]:
    """The request handlers a spec declares, as tasks that take requests until the context
    stops and then answer what they already took."""
    tasks: list[Task] = []
    if spec.answers is not None:
        declared = spec.answers

        async def answer(ctx: ServiceContext) -> None:
            # The context holds what the handlers need (a connection, say) while they answer.
            async with declared(ctx) as wiring:
                broker = make_broker(ctx.settings.nats_url)
                wiring(broker, verifier_from_env(ctx.settings.data_dir, spec.name))
                await broker.start()
                try:
                    await ctx.stop.wait()
                finally:
                    await broker.stop()

        tasks.append(answer)
    if spec.hot_answers is not None:
        hot = spec.hot_answers

        async def answer_hot(ctx: ServiceContext) -> None:
            from services.shared.jetstream import connect

            verifier = verifier_from_env(ctx.settings.data_dir, spec.name)
            responder = Responder(spec.name, verifier, await hot(ctx))
            nc = await connect(ctx.settings.nats_url, name=f"telework-{spec.name}")
            await responder.start(nc)
            try:
                await ctx.stop.wait()
            finally:
                await responder.stop()
                await nc.close()

        tasks.append(answer_hot)
    return tasks


def run_service(main: Coroutine[Any, Any, None]) -> None:
    """Run a service process on uvloop where it exists (not on Windows): the same asyncio,
    with the loop and socket I/O in C. On check-ins it cut the service's p99 from 26–35 ms to
    20–24 ms (tests/bench/test_checkin_bench.py)."""
    try:
        import uvloop
    except ImportError:
        asyncio.run(main)
    else:
        uvloop.run(main)


async def serve(spec: ServiceSpec, settings: Settings | None = None) -> None:
    settings = settings or Settings.from_env(spec.name)
    configure_logging(spec.name)
    telemetry.configure(f"telework-{spec.name}")
    # Its own NATS identity, when the site has issued one (issue #13).
    identities.use(spec.name, identities.seed_dir_of(settings.data_dir))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    ctx = await open_context(spec, settings, stop)
    # What exists after start-up (modules, tables, compiled statements) lives as long as the
    # process: keep it out of the collector's way, so collections under load stay short.
    gc.freeze()
    log = logging.getLogger(spec.name)
    log.info("%s ready (database %s)", spec.name, ctx.engine.url.get_backend_name())
    held = lease.Lease(ctx.sessions, f"{spec.name}-leader")
    tasks = [asyncio.create_task(lead(spec, ctx, held), name="leader")]
    port = health.port_from_env()
    if port is not None:
        probes = health.Health(spec.name, ctx.sessions, lambda: held.leading)
        tasks.append(asyncio.create_task(health.serve(probes, health.host_from_env(), port, stop)))
    tasks += [
        asyncio.create_task(t(ctx), name=getattr(t, "__name__", "task"))
        for t in (*answering(spec), *spec.tasks)
    ]
    try:
        done, _ = await asyncio.wait(
            [asyncio.create_task(stop.wait()), *tasks], return_when=asyncio.FIRST_COMPLETED
        )
        for t in done:
            if t in tasks and t.exception() is not None:
                log.error("task %s failed: %r", t.get_name(), t.exception())
    finally:
        stop.set()
        # Each task sees `stop` and winds down (a server drains, a consumer acks what it took);
        # only what does not finish in time is cancelled.
        await asyncio.wait(tasks, timeout=10)
        for t in tasks:
            t.cancel()
        for t in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await t
        await ctx.engine.dispose()
        log.info("%s stopped", spec.name)
