"""`telework serve notification`: routes events to people and delivers them."""

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import time
from pathlib import Path
from typing import Any

from faststream.nats import NatsBroker
from nats.aio.client import Client
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.envelope import CloudEvent
from contracts.requests.notification import (
    InboxQuery,
    MarkRead,
    PreferencesQuery,
    SetPreferences,
)
from services.notification.adapters.channels import SmtpSettings
from services.notification.adapters.people import IdentityPeople
from services.notification.adapters.tables import NOTIFICATION
from services.notification.service_layer.notifier import Notifier
from services.shared import clock, rpc
from services.shared.auth import TokenVerifier, service_credentials
from services.shared.authz import Actor, Resource, can
from services.shared.client import Client as RequestClient
from services.shared.clock import BANGKOK
from services.shared.consumer import EventConsumer
from services.shared.jetstream import connect
from services.shared.rpc import forbidden, invalid
from services.shared.runtime import ServiceContext, ServiceSpec, Wiring, repeat
from services.shared.secret_file import read_or_make
from services.shared.settings import Notification, Trust

NAME = "notification"
DIGEST_AT = time(8, 0)


def smtp_from_env() -> SmtpSettings:
    mail = Notification()
    return SmtpSettings(
        host=mail.smtp_host,
        port=mail.smtp_port,
        sender=mail.smtp_from,
    )


def webhook_secret(data_dir: Path) -> bytes:
    env = Trust().webhook_secret
    if env:
        return env.encode()
    return read_or_make(data_dir / "webhook-secret", lambda: os.urandom(32).hex().encode()).strip()


async def notifier_of(ctx: ServiceContext, nc: Client) -> Notifier:
    credentials = service_credentials(NAME, ctx.settings.data_dir)
    people = IdentityPeople(RequestClient(nc, credentials, lang="en", timeout=5.0))
    return Notifier(ctx.sessions, people, smtp_from_env(), webhook_secret(ctx.settings.data_dir))


@asynccontextmanager
async def answers(ctx: ServiceContext) -> AsyncIterator[Wiring]:
    """In every replica: each person's inbox."""
    nc = await connect(ctx.settings.nats_url, name="telework-notification-requests")
    try:
        notifier = await notifier_of(ctx, nc)
        yield lambda broker, verifier: wire(broker, notifier, verifier)
    finally:
        await nc.close()


async def route_and_deliver(ctx: ServiceContext) -> None:
    """In the leading replica only: routing in stream order, and each mail sent once."""
    nc = await connect(ctx.settings.nats_url, name="telework-notification")
    notifier = await notifier_of(ctx, nc)

    async def route(s: AsyncSession, event: CloudEvent) -> None:
        await notifier.route(s, event)

    consumer = EventConsumer(NAME, ctx.sessions, route)
    try:
        await asyncio.gather(consumer.run(nc, ctx.stop), deliver(notifier, ctx.stop))
    finally:
        await nc.close()


def wire(broker: NatsBroker, notifier: Notifier, verifier: TokenVerifier) -> None:
    """Each person reads their own inbox (unread count, mark read), nobody else's."""

    def own(actor: Actor) -> None:
        scope = tuple(sorted({g.agency for g in actor.grants}))
        if not can(actor, "notification.read", Resource("inbox", scope, owner=actor.subject)):
            raise forbidden("an inbox is read by its owner only")

    async def inbox(actor: Actor, q: InboxQuery) -> dict[str, Any]:
        own(actor)
        return await notifier.inbox(actor.subject, q.unread_only)

    async def mark_read(actor: Actor, q: MarkRead) -> dict[str, Any]:
        own(actor)
        return {"marked": await notifier.mark_read(actor.subject, q.item_id)}

    async def get_preferences(actor: Actor, q: PreferencesQuery) -> dict[str, Any]:
        own(actor)
        return await notifier.preferences(actor.subject)

    async def set_preferences(actor: Actor, q: SetPreferences) -> dict[str, Any]:
        own(actor)
        if not (q.email or q.inbox):
            raise invalid("keep at least one way of being told: e-mail or the inbox")
        quiet = (q.quiet_from, q.quiet_until) if q.quiet_from and q.quiet_until else None
        return await notifier.set_preferences(
            actor.subject, q.email, q.inbox, q.daily_digest, quiet
        )

    rpc.register_routes(
        broker,
        NAME,
        verifier,
        [
            rpc.route(InboxQuery, inbox),
            rpc.route(MarkRead, mark_read),
            rpc.route(PreferencesQuery, get_preferences),
            rpc.route(SetPreferences, set_preferences),
        ],
    )


async def deliver(notifier: Notifier, stop: asyncio.Event) -> None:
    """What is due, every second (at once again while there is more); the daily digests once a
    day after DIGEST_AT. In the leading replica only: each mail is sent once."""
    last_digest: Any = None

    async def delivery_round() -> bool:
        nonlocal last_digest
        sent = await notifier.deliver_due()
        now = clock.now().astimezone(BANGKOK)
        if now.time() >= DIGEST_AT and last_digest != now.date():
            await notifier.send_digests()
            last_digest = now.date()
        return bool(sent)

    await repeat(NAME, "delivery", delivery_round, 1.0, stop)


SPEC = ServiceSpec(
    name=NAME,
    description="Notifications by e-mail, signed webhook and inbox",
    metadatas=(NOTIFICATION,),
    answers=answers,
    leader_tasks=(route_and_deliver,),
)
