"""Appending to the chain, signing checkpoints, verifying, reading history back."""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contracts.envelope import CloudEvent
from services.audit.adapters.tables import chain, checkpoints
from services.audit.domain.chain import (
    GENESIS,
    Problem,
    Record,
    canonical,
    fast_check,
    first_problem,
    link,
)
from services.audit.domain.signing import Checkpoint, sign, signature_holds
from services.shared import clock

CHUNK = 20_000


class Chain:
    def __init__(
        self,
        key: Ed25519PrivateKey,
        checkpoint_every: int = 1000,
        now: Callable[[], datetime] = clock.now,
    ) -> None:
        self._key = key
        self._every = checkpoint_every
        self._now = now
        self._head: tuple[int, bytes] | None = None  # cached (position, link) of the last record

    async def head(self, s: AsyncSession) -> tuple[int, bytes]:
        row = (
            await s.execute(
                select(chain.c.position, chain.c.hash).order_by(chain.c.position.desc()).limit(1)
            )
        ).first()
        return (row.position, bytes.fromhex(row.hash)) if row else (0, GENESIS)

    async def append(self, s: AsyncSession, event: CloudEvent) -> int:
        """Add one event (the consumer's inbox has already made this idempotent)."""
        position, prev = await self.head(s)
        body = event.model_dump(mode="json", exclude_none=True)
        data = canonical(body)
        digest = link(prev, data)
        position += 1
        await s.execute(
            insert(chain).values(
                position=position,
                event_id=event.id,
                type=event.type,
                agency=event.agency,
                subject=event.subject,
                official_id=event.data.get("official_id"),
                time=event.time,
                canonical=data.decode("utf-8"),
                hash=digest.hex(),
                prev_hash=prev.hex(),
            )
        )
        if position % self._every == 0:
            await self.checkpoint(s, position, digest)
        return position

    async def checkpoint(
        self, s: AsyncSession, position: int | None = None, digest: bytes | None = None
    ) -> Checkpoint | None:
        if position is None or digest is None:
            position, digest = await self.head(s)
        if position == 0:
            return None
        cp = sign(self._key, position, digest.hex(), self._now())
        await s.execute(
            insert(checkpoints).values(
                position=cp.position, hash=cp.hash, signed_at=cp.signed_at, signature=cp.signature
            )
        )
        return cp


async def verify(
    sessions: async_sessionmaker[Any], public: Ed25519PublicKey, start: int = 1
) -> tuple[Problem | None, int]:
    """The first thing wrong from `start` on, and how many records were checked."""
    prev = GENESIS
    if start > 1:
        async with sessions() as s:
            row = (
                await s.execute(select(chain.c.hash).where(chain.c.position == start - 1))
            ).first()
        if row is None:
            return Problem(start - 1, "record_missing", "no record before --from"), 0
        prev = bytes.fromhex(row.hash)
    total, position = 0, start
    while True:
        async with sessions() as s:
            rows = (
                await s.execute(
                    select(chain.c.position, chain.c.canonical, chain.c.hash, chain.c.prev_hash)
                    .where(chain.c.position >= position)
                    .order_by(chain.c.position)
                    .limit(CHUNK)
                )
            ).all()
        if not rows:
            break
        held, n, prev_after = fast_check(rows, prev, position)
        if not held:
            # Slow path only where something is off, over the whole chunk so that it sees the
            # records before the doubt too (an inserted record is told by its neighbours).
            recs = [
                Record(r[0], r[1].encode("utf-8"), bytes.fromhex(r[2]), bytes.fromhex(r[3]))
                for r in rows
            ]
            problem, m, _ = first_problem(recs, prev, position)
            if problem is not None:
                return problem, total + m
        total += n
        position += n
        prev = prev_after
    return await verify_checkpoints(sessions, public, start), total


async def verify_checkpoints(
    sessions: async_sessionmaker[Any], public: Ed25519PublicKey, start: int = 1
) -> Problem | None:
    async with sessions() as s:
        rows = (
            await s.execute(
                select(checkpoints, chain.c.hash.label("chain_hash"))
                .outerjoin(chain, chain.c.position == checkpoints.c.position)
                .where(checkpoints.c.position >= start)
                .order_by(checkpoints.c.position)
            )
        ).all()
    for r in rows:
        cp = Checkpoint(r.position, r.hash, r.signed_at, r.signature)
        if not signature_holds(public, cp):
            return Problem(
                r.position,
                "bad_signature",
                f"the checkpoint at {r.position} is not signed by the audit key",
            )
        if r.chain_hash != r.hash:
            return Problem(
                r.position,
                "content_changed",
                f"the chain at {r.position} differs from its signed checkpoint",
            )
    return None

