"""Appending to the chain, signing checkpoints, handing the key over (verifying is in
verification.py)."""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import String, insert, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contracts.envelope import CloudEvent
from contracts.events.audit import PLATFORM_AGENCY, CheckpointSigned, KeyRotated
from services.audit.adapters.tables import chain, checkpoints, key_rotations
from services.audit.domain.chain import (
    GENESIS,
    canonical,
    link,
)
from services.audit.domain.signing import (
    Checkpoint,
    KeySchedule,
    Rotation,
    Signer,
    fingerprint,
    public_from_raw,
    raw_public,
    sign,
)
from services.shared import clock
from services.shared.eventlog import EventLog, NewEvent

CHUNK = 20_000


class OldStoreFormat(Exception):
    """The store was written by a version that kept links as hex text (before 2026-11-26)."""


async def check_format(sessions: async_sessionmaker[Any]) -> None:
    """Refuse, with the way out, a store this version would misread."""
    async with sessions() as s:
        raw = (await s.execute(select(type_coerce(chain.c.hash, String)).limit(1))).scalar()
    if isinstance(raw, str):
        raise OldStoreFormat(
            "this audit store keeps links as text, the format before 2026-11-26; export it "
            "with the version that wrote it, or reset a development store with `make clean`"
        )


class ChainDoesNotExtend(RuntimeError):
    """The records since the last checkpoint do not follow from it."""


class KeyRetired(RuntimeError):
    """This process's key was handed over to another: it must not sign any more."""


ANCHORS = EventLog("/telework/audit")


async def rotations(s: AsyncSession) -> list[Rotation]:
    rows = (await s.execute(select(key_rotations).order_by(key_rotations.c.seq))).all()
    return [
        Rotation(
            r.position,
            r.hash,
            r.old_public,
            r.new_public,
            r.rotated_at,
            r.old_signature,
            r.new_signature,
        )
        for r in rows
    ]


async def key_schedule(sessions: async_sessionmaker[Any], current: Ed25519PublicKey) -> KeySchedule:
    """The keys that signed this chain, followed back from the key in use (raises
    BrokenRotation at the first hand-over that does not hold)."""
    async with sessions() as s:
        return KeySchedule.ending_with(current, await rotations(s))


class Chain:
    def __init__(
        self,
        key: Signer,
        checkpoint_every: int = 1000,
        now: Callable[[], datetime] = clock.now,
        reload: Callable[[], Signer] | None = None,
    ) -> None:
        self._key = key
        # Where a key handed over while this process runs is read again (the key file).
        self._reload = reload
        self._every = checkpoint_every
        self._now = now
        self._head: tuple[int, bytes] | None = None  # cached (position, link) of the last record

    async def head(self, s: AsyncSession) -> tuple[int, bytes]:
        row = (
            await s.execute(
                select(chain.c.position, chain.c.hash).order_by(chain.c.position.desc()).limit(1)
            )
        ).first()
        return (row.position, bytes(row.hash)) if row else (0, GENESIS)

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
                canonical=data,
                hash=digest,
                prev_hash=prev,
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
        await self._still_in_use(s)
        await self._extends_last_checkpoint(s, position, digest)
        cp = sign(self._key, position, digest.hex(), self._now())
        await s.execute(
            insert(checkpoints).values(
                position=cp.position, hash=cp.hash, signed_at=cp.signed_at, signature=cp.signature
            )
        )
        # The same checkpoint on the bus, in this transaction: an anchor outside the store.
        await ANCHORS.append(
            s,
            "audit-checkpoints",
            [
                NewEvent(
                    CheckpointSigned(
                        position=cp.position,
                        hash=cp.hash,
                        signed_at=cp.signed_at.isoformat(),
                        signature=cp.signature,
                        key_fingerprint=fingerprint(self._key.public_key()),
                    ),
                    PLATFORM_AGENCY,
                    event_id=f"audit-checkpoint-{cp.position}",
                )
            ],
            None,
        )
        return cp

    async def _still_in_use(self, s: AsyncSession) -> None:
        """After a hand-over, only the new key signs: a process still holding the old one
        reads its key again, and refuses to sign if that is not the new key either."""
        latest = (
            await s.execute(
                select(key_rotations.c.new_public).order_by(key_rotations.c.seq.desc()).limit(1)
            )
        ).scalar()
        if latest is None or latest == raw_public(self._key.public_key()):
            return
        if self._reload is not None:
            fresh = self._reload()
            if raw_public(fresh.public_key()) == latest:
                self._key = fresh
                return
        raise KeyRetired(
            "the audit key was rotated; this process holds a retired key and will not sign "
            "(restart it with the new key)"
        )

    async def rotate(self, s: AsyncSession, new: Signer) -> Rotation:
        """Hand the signing over to `new`: the head is signed by the old key one last time,
        then both keys sign the hand-over, which is kept and published as key_rotated."""
        await self._still_in_use(s)
        position, digest = await self.head(s)
        if position:
            signed = (
                await s.execute(
                    select(checkpoints.c.position).where(checkpoints.c.position == position)
                )
            ).first()
            if signed is None:
                await self.checkpoint(s, position, digest)
        rotation = Rotation(
            position,
            digest.hex(),
            raw_public(self._key.public_key()),
            raw_public(new.public_key()),
            self._now(),
        ).signed_by(self._key, new)
        await s.execute(
            insert(key_rotations).values(
                position=rotation.position,
                hash=rotation.hash,
                old_public=rotation.old_public,
                new_public=rotation.new_public,
                rotated_at=rotation.rotated_at,
                old_signature=rotation.old_signature,
                new_signature=rotation.new_signature,
            )
        )
        count = len(await rotations(s))
        await ANCHORS.append(
            s,
            "audit-keys",
            [
                NewEvent(
                    KeyRotated(
                        position=rotation.position,
                        hash=rotation.hash,
                        old_fingerprint=fingerprint(public_from_raw(rotation.old_public)),
                        new_fingerprint=fingerprint(new.public_key()),
                        new_public_key=rotation.new_public,
                        rotated_at=rotation.rotated_at.isoformat(),
                        old_signature=rotation.old_signature,
                        new_signature=rotation.new_signature,
                    ),
                    PLATFORM_AGENCY,
                    event_id=f"audit-key-rotation-{count}",
                )
            ],
            None,
        )
        self._key = new
        return rotation

    async def _extends_last_checkpoint(self, s: AsyncSession, position: int, digest: bytes) -> None:
        """Refuse to sign a head that does not follow from the last signed one: a store
        rewritten behind the service's back is not blessed by a fresh signature (R-SEC-5)."""
        last = (
            await s.execute(
                select(checkpoints.c.position, checkpoints.c.hash)
                .where(checkpoints.c.position < position)
                .order_by(checkpoints.c.position.desc())
                .limit(1)
            )
        ).first()
        start, prev = (last.position, bytes.fromhex(last.hash)) if last else (0, GENESIS)
        rows = (
            await s.execute(
                select(chain.c.position, chain.c.canonical, chain.c.hash, chain.c.prev_hash)
                .where(chain.c.position > start, chain.c.position <= position)
                .order_by(chain.c.position)
            )
        ).all()
        expected = start + 1
        for r in rows:
            if (
                r.position != expected
                or bytes(r.prev_hash) != prev
                or link(prev, bytes(r.canonical)) != bytes(r.hash)
            ):
                raise ChainDoesNotExtend(
                    f"record {expected} does not extend the checkpoint at {start}; not signing"
                )
            prev = bytes(r.hash)
            expected += 1
        if expected != position + 1 or prev != digest:
            raise ChainDoesNotExtend(f"the head at {position} is not the chain's; not signing")
