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


SPEC = ServiceSpec(
    name=NAME,
    description="Agencies, officials, supervisor chains, roles, policies, eligibility",
    metadatas=(IDENTITY,),
    tasks=(serve_requests,),
)
