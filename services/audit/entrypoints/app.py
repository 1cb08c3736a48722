"""`telework serve audit`: every event of the stream into the hash chain; signed checkpoints."""

import asyncio
import os
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.envelope import CloudEvent
from services.audit.adapters.tables import AUDIT, checkpoints
from services.audit.domain.signing import load_or_create_key
from services.audit.service_layer.store import Chain
from services.shared import clock
from services.shared.consumer import EventConsumer
from services.shared.jetstream import connect
from services.shared.runtime import ServiceContext, ServiceSpec

NAME = "audit"


def signing_key(data_dir: Path) -> Ed25519PrivateKey:
    return load_or_create_key(
        Path(os.environ.get("TELEWORK_AUDIT_KEY", data_dir / "audit-signing.pem"))
    )


def chain_from_env(data_dir: Path) -> Chain:
    return Chain(
        signing_key(data_dir),
        checkpoint_every=int(os.environ.get("TELEWORK_AUDIT_CHECKPOINT_EVERY", "1000")),
    )


async def run(ctx: ServiceContext) -> None:
    store = chain_from_env(ctx.settings.data_dir)

    async def append(s: AsyncSession, event: CloudEvent) -> None:
        await store.append(s, event)

    nc = await connect(ctx.settings.nats_url, name="telework-audit")
    consumer = EventConsumer(NAME, ctx.sessions, append, batch=500)
    every = float(os.environ.get("TELEWORK_AUDIT_CHECKPOINT_SECONDS", "300"))
    tasks = [
        asyncio.create_task(consumer.run(nc, ctx.stop)),
        asyncio.create_task(sign_periodically(ctx, store, every)),
    ]
    try:
        await ctx.stop.wait()
    finally:
        await asyncio.gather(*tasks, return_exceptions=True)
        await nc.close()


async def sign_periodically(ctx: ServiceContext, store: Chain, every: float) -> None:
    """A checkpoint at least every `every` seconds while the chain grows."""
    while not ctx.stop.is_set():
        await clock.pause(ctx.stop, every)
        async with ctx.sessions.begin() as s:
            position, _ = await store.head(s)
            last: Any = (
                await s.execute(
                    select(checkpoints.c.position).order_by(checkpoints.c.position.desc()).limit(1)
                )
            ).scalar()
            if position and position != last:
                await store.checkpoint(s)


SPEC = ServiceSpec(
    name=NAME,
    description="Tamper-evident hash chain of every event",
    metadatas=(AUDIT,),
    tasks=(run,),
)
