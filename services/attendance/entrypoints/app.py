"""`telework serve attendance`: check-in/out over NATS, the projection consumer, day closing."""

import logging
from datetime import timedelta

from contracts.requests.attendance import CheckIn, CheckOut, LedgerQuery
from services.attendance.adapters.tables import ATTENDANCE
from services.attendance.service_layer import closing, projection
from services.attendance.service_layer.handlers import AttendanceService
from services.shared import clock, rpc
from services.shared.auth import TokenVerifier
from services.shared.consumer import EventConsumer
from services.shared.jetstream import connect
from services.shared.rpc import Route
from services.shared.runtime import Periodic, ServiceContext, ServiceSpec

NAME = "attendance"
CONSUMER = "attendance"
log = logging.getLogger(__name__)


def routes(service: AttendanceService) -> list[Route]:
    """Check-in and check-out are the platform's hottest requests (every official, every
    morning at once), so they are answered on nats-py directly (docs/decisions/0006)."""
    return [
        rpc.route(CheckIn, service.check_in),
        rpc.route(CheckOut, service.check_out),
        rpc.route(LedgerQuery, service.ledger),
    ]


def responder(service: AttendanceService, verifier: TokenVerifier) -> rpc.Responder:
    return rpc.Responder(NAME, verifier, routes(service))


async def hot_answers(ctx: ServiceContext) -> list[Route]:
    """In every replica, through a queue group."""
    return routes(AttendanceService(ctx.sessions))


async def project(ctx: ServiceContext) -> None:
    """In the leading replica: the projection, in stream order."""
    service = AttendanceService(ctx.sessions)
    nc = await connect(ctx.settings.nats_url, name="telework-attendance-consumer")
    consumer = EventConsumer(CONSUMER, ctx.sessions, service.apply_event, wants=projection.wants)
    try:
        await consumer.run(nc, ctx.stop)
    finally:
        await nc.close()


async def close_ended_days(ctx: ServiceContext, back: int = 7) -> None:
    """Each of the last `back` days is closed once it has ended (R-ATT-2); a closed day stays
    closed, so every round asks again cheaply."""
    today = clock.today()
    for n in range(back, 0, -1):
        day = today - timedelta(days=n)
        if closed := await closing.close_day(ctx.sessions, day):
            log.info("closed %s: %d flags", day, sum(closed.values()))


SPEC = ServiceSpec(
    name=NAME,
    description="Check-in/check-out evidence on telework days, flags, ledger",
    metadatas=(ATTENDANCE,),
    hot_answers=hot_answers,
    periodic=(Periodic(close_ended_days, every_s=60),),
    leader_tasks=(project,),
)
