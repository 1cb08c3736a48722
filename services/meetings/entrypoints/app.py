"""`telework serve meetings`: request/reply commands over NATS, events through the outbox."""

import asyncio

from faststream.nats import NatsBroker

from services.meetings.adapters.tables import MEETINGS
from services.meetings.entrypoints.cli import cabinet_named_kinds
from services.meetings.service_layer import commands as c
from services.meetings.service_layer.handlers import MeetingsService
from services.shared import rpc
from services.shared.auth import TokenVerifier, verifier_from_env
from services.shared.runtime import ServiceContext, ServiceSpec

NAME = "meetings"


def wire(broker: NatsBroker, service: MeetingsService, verifier: TokenVerifier) -> None:
    rpc.register_routes(
        broker,
        NAME,
        verifier,
        [
            ("plan", c.PlanMeeting, service.plan),
            ("record_attendance", c.RecordAttendance, service.record_attendance),
            ("verify_identity", c.VerifyIdentity, service.verify_identity),
            ("register_recording", c.RegisterRecording, service.register_recording),
            ("check", c.CheckMeeting, service.check),
        ],
    )


async def serve_requests(ctx: ServiceContext) -> None:
    broker = rpc.make_broker(ctx.settings.nats_url)
    service = MeetingsService(ctx.sessions, tuple(cabinet_named_kinds(None)))
    wire(broker, service, verifier_from_env(ctx.settings.data_dir, NAME))
    await broker.start()
    try:
        await ctx.stop.wait()
    finally:
        await broker.stop()
    await asyncio.sleep(0)


SPEC = ServiceSpec(
    name=NAME,
    description="Electronic-meeting compliance (R-MTG)",
    metadatas=(MEETINGS,),
    tasks=(serve_requests,),
)
