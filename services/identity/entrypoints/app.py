"""`telework serve identity`: commands and queries over NATS request/reply."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from faststream.nats import NatsBroker

from services.identity.adapters.tables import IDENTITY
from services.identity.service_layer.handlers import IdentityService, routes
from services.shared import rpc
from services.shared.auth import TokenVerifier
from services.shared.runtime import Periodic, ServiceContext, ServiceSpec, Wiring

NAME = "identity"


def wire(broker: NatsBroker, service: IdentityService, verifier: TokenVerifier) -> None:
    rpc.register_routes(broker, NAME, verifier, routes(service))


@asynccontextmanager
async def answers(ctx: ServiceContext) -> AsyncIterator[Wiring]:
    from services.identity.entrypoints.cli import citizen_key

    service = IdentityService(ctx.sessions, citizen_key(ctx.settings.data_dir))
    yield lambda broker, verifier: wire(broker, service, verifier)


async def apply_policies_on_their_day(ctx: ServiceContext) -> None:
    """Officials under a policy whose first day has come are re-determined (and told, through
    the notification service, when their eligibility changed)."""
    import logging

    from services.identity.service_layer.eligibility import policies_taking_effect
    from services.identity.service_layer.handlers import LOG

    async with ctx.sessions.begin() as s:
        changed = await policies_taking_effect(s, LOG)
    if changed:
        logging.getLogger(NAME).info("policies took effect: %d officials re-determined", changed)


SPEC = ServiceSpec(
    name=NAME,
    description="Agencies, officials, supervisor chains, roles, policies, eligibility",
    metadatas=(IDENTITY,),
    answers=answers,
    periodic=(Periodic(apply_policies_on_their_day, every_s=600),),
)
