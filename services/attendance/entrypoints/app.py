"""`telework serve attendance`: check-in/out over NATS, the projection consumer, day closing."""

import asyncio
import logging
from datetime import timedelta

from services.attendance.adapters.tables import ATTENDANCE
from services.attendance.service_layer import projection
from services.attendance.service_layer.commands import CheckIn, CheckOut, LedgerQuery
from services.attendance.service_layer.handlers import AttendanceService
from services.shared import clock, rpc
from services.shared.auth import TokenVerifier, verifier_from_env
from services.shared.consumer import EventConsumer
from services.shared.jetstream import connect
from services.shared.runtime import ServiceContext, ServiceSpec

NAME = "attendance"
CONSUMER = "attendance"
log = logging.getLogger(__name__)


def responder(service: AttendanceService, verifier: TokenVerifier) -> rpc.Responder:
    """Check-in and check-out are the platform's hottest requests (every official, every
    morning at once), so they are answered on nats-py directly (docs/decisions/0006)."""
    return rpc.Responder(
        NAME,
        verifier,
        [
            ("check_in", CheckIn, service.check_in),
            ("check_out", CheckOut, service.check_out),
            ("ledger", LedgerQuery, service.ledger),
        ],
    )


async def serve_requests(ctx: ServiceContext) -> None:
    """In every replica: check-ins are answered through a queue group."""
    service = AttendanceService(ctx.sessions)
    answering = responder(service, verifier_from_env(ctx.settings.data_dir, NAME))
    requests = await connect(ctx.settings.nats_url, name="telework-attendance")
    await answering.start(requests)
    try:
        await ctx.stop.wait()
    finally:
        await answering.stop()
        await requests.close()


async def project_and_close_days(ctx: ServiceContext) -> None:
    """In the leading replica: the projection (in stream order) and day closing."""
    service = AttendanceService(ctx.sessions)
    nc = await connect(ctx.settings.nats_url, name="telework-attendance-consumer")
    consumer = EventConsumer(CONSUMER, ctx.sessions, service.apply_event, wants=projection.wants)
    try:
        await asyncio.gather(consumer.run(nc, ctx.stop), close_days(service, ctx.stop))
    finally:
        await nc.close()


async def close_days(
    service: AttendanceService, stop: asyncio.Event, every: float = 60.0, back: int = 7
) -> None:
    """Close each of the last `back` days once it has ended (R-ATT-2)."""
    while not stop.is_set():
        today = clock.today()
        for n in range(back, 0, -1):
            try:
                closed = await service.close_day(today - timedelta(days=n))
            except Exception:
                log.exception("closing day failed; will retry")
                break
            if closed:
                log.info("closed %s: %d flags", today - timedelta(days=n), sum(closed.values()))
        await clock.pause(stop, every)


SPEC = ServiceSpec(
    name=NAME,
    description="Check-in/check-out evidence on telework days, flags, ledger",
    metadatas=(ATTENDANCE,),
    tasks=(serve_requests,),
    leader_tasks=(project_and_close_days,),
)
