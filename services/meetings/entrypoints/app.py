"""`telework serve meetings`: request/reply commands over NATS, events through the outbox."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from faststream.nats import NatsBroker

from contracts.requests import meetings as c
from services.meetings.adapters.tables import MEETINGS
from services.meetings.entrypoints.cli import cabinet_named_kinds
from services.meetings.service_layer.handlers import MeetingsService
from services.shared import rpc
from services.shared.auth import TokenVerifier
from services.shared.runtime import ServiceContext, ServiceSpec, Wiring

NAME = "meetings"


def wire(broker: NatsBroker, service: MeetingsService, verifier: TokenVerifier) -> None:
    rpc.register_routes(
        broker,
        NAME,
        verifier,
        [
            rpc.route(c.PlanMeeting, service.plan),
            rpc.route(c.RecordAttendance, service.record_attendance),
            rpc.route(c.VerifyIdentity, service.verify_identity),
            rpc.route(c.RegisterRecording, service.register_recording),
            rpc.route(c.CheckMeeting, service.check),
        ],
    )


@asynccontextmanager
async def answers(ctx: ServiceContext) -> AsyncIterator[Wiring]:
    service = MeetingsService(ctx.sessions, tuple(cabinet_named_kinds(None)))
    yield lambda broker, verifier: wire(broker, service, verifier)


SPEC = ServiceSpec(
    name=NAME,
    description="Electronic-meeting compliance (R-MTG)",
    metadatas=(MEETINGS,),
    answers=answers,
)
