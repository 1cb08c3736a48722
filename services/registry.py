"""Every service that `telework serve` and `make run` know, by name."""

import asyncio
import importlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from services.shared.runtime import ServiceContext, ServiceSpec, open_context
from services.shared.settings import Settings

# name -> "module:attribute" of its ServiceSpec; imported lazily so one service's
# dependencies never slow another's start.
SERVICES: dict[str, str] = {
    "identity": "services.identity.entrypoints.app:SPEC",
    "engagement": "workflows.engagement.worker:SPEC",
    "attendance": "services.attendance.entrypoints.app:SPEC",
    "audit": "services.audit.entrypoints.app:SPEC",
    "notification": "services.notification.entrypoints.app:SPEC",
    "portal": "services.portal.server:SPEC",
    "meetings": "services.meetings.entrypoints.app:SPEC",
}


class UnknownService(LookupError):
    pass


def spec(name: str) -> ServiceSpec:
    try:
        target = SERVICES[name]
    except KeyError:
        raise UnknownService(
            f"unknown service {name!r}; known: {', '.join(sorted(SERVICES))}"
        ) from None
    module, attr = target.split(":")
    found: ServiceSpec = getattr(importlib.import_module(module), attr)
    return found


@asynccontextmanager
async def opened(name: str) -> AsyncIterator[ServiceContext]:
    """A service's context (settings, database at its latest migration) for a command that
    works on that service's store: the one way every CLI opens one."""
    ctx = await open_context(spec(name), Settings.from_env(name), asyncio.Event())
    try:
        yield ctx
    finally:
        await ctx.engine.dispose()
