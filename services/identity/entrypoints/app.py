"""`telework serve identity`: commands and queries over NATS request/reply."""

from faststream.nats import NatsBroker

from services.identity.adapters.tables import IDENTITY
from services.identity.service_layer.handlers import IdentityService, routes
from services.shared import rpc
from services.shared.auth import TokenVerifier, verifier_from_env
from services.shared.runtime import ServiceContext, ServiceSpec

NAME = "identity"


def wire(broker: NatsBroker, service: IdentityService, verifier: TokenVerifier) -> None:
    rpc.register_routes(broker, NAME, verifier, routes(service))


async def serve_requests(ctx: ServiceContext) -> None:
    broker = rpc.make_broker(ctx.settings.nats_url)
    from services.identity.entrypoints.cli import citizen_key

    service = IdentityService(ctx.sessions, citizen_key(ctx.settings.data_dir))
    wire(broker, service, verifier_from_env(ctx.settings.data_dir, NAME))
    await broker.start()
    try:
        await ctx.stop.wait()
    finally:
        await broker.stop()


async def apply_policies_on_their_day(ctx: ServiceContext, every_s: float = 600) -> None:
    """Every ten minutes: officials under a policy whose first day has come are re-determined
    (and told, through the notification service, when their eligibility changed)."""
    import logging

    from services.identity.service_layer.eligibility import policies_taking_effect
    from services.identity.service_layer.handlers import LOG
    from services.shared import clock

    log = logging.getLogger(NAME)
    while not ctx.stop.is_set():
        try:
            async with ctx.sessions.begin() as s:
                changed = await policies_taking_effect(s, LOG)
            if changed:
                log.info("policies took effect: %d officials re-determined", changed)
        except Exception as exc:  # the database away: try again next round
            log.warning("applying policies failed (%s); retrying", type(exc).__name__)
        await clock.pause(ctx.stop, every_s)


SPEC = ServiceSpec(
    name=NAME,
    description="Agencies, officials, supervisor chains, roles, policies, eligibility",
    metadatas=(IDENTITY,),
    tasks=(serve_requests,),
    leader_tasks=(apply_policies_on_their_day,),
)
