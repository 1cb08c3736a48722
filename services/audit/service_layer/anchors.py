"""The store checked against anchors kept outside it (R-SEC-5, issue #13 item 5).

Every signed checkpoint is also published (`checkpoint_signed`, subject
`telework.v1.TELEWORK.audit.checkpoint_signed`); a subscriber, or the stream itself, keeps them.
An insider who can write the store can recompute every link and delete or re-sign checkpoints,
so the store cannot vouch for itself; the anchors can. Against them this reports, at its exact
position:

- `rewritten`: the store's link at an anchored position is not the anchored one; with the
  original events (the stream) the first record whose content differs is named;
- `checkpoint_deleted`: an anchored checkpoint is gone from the store;
- `cut`: the store ends before the last anchor;
- `not_extending`: records after the last anchor do not follow from it;
- `resigned`: an anchor or checkpoint not signed by the key pinned when the chain began.
"""

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from services.audit.adapters.tables import chain, checkpoints
from services.audit.domain.chain import GENESIS, Problem, link
from services.audit.domain.signing import (
    BrokenRotation,
    Checkpoint,
    fingerprint,
    signature_holds,
)
from services.audit.service_layer.store import key_schedule


@dataclass(frozen=True)
class Anchor:
    position: int
    hash: str
    signed_at: datetime
    signature: str
    key_fingerprint: str

    @classmethod
    def of(cls, data: Mapping[str, Any]) -> "Anchor":
        return cls(
            int(data["position"]),
            str(data["hash"]),
            datetime.fromisoformat(str(data["signed_at"])),
            str(data["signature"]),
            str(data["key_fingerprint"]),
        )

    def checkpoint(self) -> Checkpoint:
        return Checkpoint(self.position, self.hash, self.signed_at, self.signature)


def read_anchor_file(path: Path) -> list[Anchor]:
    """Anchors as JSON lines: each a `checkpoint_signed` event, or just its data."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            doc = json.loads(line)
            out.append(Anchor.of(doc.get("data", doc)))
    return out


def anchor_lines(anchors: Iterable[Anchor]) -> str:
    return "".join(
        json.dumps(
            {
                "position": a.position,
                "hash": a.hash,
                "signed_at": a.signed_at.isoformat(),
                "signature": a.signature,
                "key_fingerprint": a.key_fingerprint,
            }
        )
        + "\n"
        for a in anchors
    )


async def check_against_anchors(
    sessions: async_sessionmaker[Any],
    anchors: list[Anchor],
    public: Ed25519PublicKey,
    originals: Mapping[str, bytes] | None = None,
) -> Problem | None:
    """The first disagreement between the store and the anchors; None when they agree.
    `originals` (event id → canonical bytes, from the stream) pin a rewrite to its record."""
    if not anchors:
        return None
    anchors = sorted({a.position: a for a in anchors}.values(), key=lambda a: a.position)
    pinned = anchors[0].key_fingerprint
    try:
        # The key in use, followed back through the recorded hand-overs (each signed by both
        # keys) to the key the chain began with: that one must be the pinned key.
        schedule = await key_schedule(sessions, public)
    except BrokenRotation as exc:
        return Problem(exc.position, "bad_rotation", str(exc))
    for a in anchors:
        key = schedule.key_at(a.position)
        if a.key_fingerprint != fingerprint(key) or not signature_holds(key, a.checkpoint()):
            return Problem(
                a.position,
                "resigned",
                f"the anchor at {a.position} is not signed by the key pinned when the chain "
                f"began ({pinned[:16]}…) or the key it was handed over to",
            )
    if fingerprint(schedule.first) != pinned:
        return Problem(
            anchors[0].position,
            "resigned",
            f"the store's audit key ({fingerprint(public)[:16]}…) is not the key pinned when "
            f"the chain began ({pinned[:16]}…) nor handed over from it: the chain was re-signed",
        )
    async with sessions() as s:
        head = (
            await s.execute(select(chain.c.position).order_by(chain.c.position.desc()).limit(1))
        ).scalar() or 0
        links = {
            r.position: bytes(r.hash).hex()
            for r in (
                await s.execute(
                    select(chain.c.position, chain.c.hash).where(
                        chain.c.position.in_([a.position for a in anchors])
                    )
                )
            ).all()
        }
        signed = set(
            (
                await s.execute(
                    select(checkpoints.c.position).where(
                        checkpoints.c.position.in_([a.position for a in anchors])
                    )
                )
            ).scalars()
        )
    good = 0
    for a in anchors:
        if a.position > head:
            return Problem(
                head + 1,
                "cut",
                f"the store ends at {head} but the chain was anchored up to {a.position}",
            )
        if links.get(a.position) != a.hash:
            where = await _first_rewritten(sessions, good + 1, a.position, originals)
            return Problem(
                where,
                "rewritten",
                f"the store differs from the anchor at {a.position}"
                + (
                    f"; record {where} is not the event that was chained"
                    if where != a.position or originals
                    else f" (rewritten between {good + 1} and {a.position})"
                ),
            )
        if a.position not in signed:
            return Problem(
                a.position, "checkpoint_deleted", f"the anchored checkpoint at {a.position} is gone"
            )
        good = a.position
    last = anchors[-1]
    async with sessions() as s:
        after = (
            await s.execute(select(chain.c.prev_hash).where(chain.c.position == last.position + 1))
        ).scalar()
    if after is not None and bytes(after).hex() != last.hash:
        return Problem(
            last.position + 1,
            "not_extending",
            f"record {last.position + 1} does not follow from the anchor at {last.position}",
        )
    return None


async def _first_rewritten(
    sessions: async_sessionmaker[Any],
    first: int,
    last: int,
    originals: Mapping[str, bytes] | None,
) -> int:
    """The first record in [first, last] whose content is not the original event's, or whose
    link does not follow; `last` when neither can be told."""
    async with sessions() as s:
        rows = (
            await s.execute(
                select(chain.c.position, chain.c.event_id, chain.c.canonical, chain.c.hash)
                .where(chain.c.position >= first, chain.c.position <= last)
                .order_by(chain.c.position)
            )
        ).all()
    prev = GENESIS
    if first > 1:
        async with sessions() as s:
            found = (
                await s.execute(select(chain.c.hash).where(chain.c.position == first - 1))
            ).scalar()
        prev = bytes(found) if found is not None else GENESIS
    for r in rows:
        original = originals.get(r.event_id) if originals else None
        if original is not None and original != bytes(r.canonical):
            return int(r.position)
        if link(prev, bytes(r.canonical)) != bytes(r.hash):
            return int(r.position)
        prev = bytes(r.hash)
    return last


async def from_stream(js: Any, batch: int = 2000) -> tuple[list[Anchor], dict[str, bytes]]:
    """The anchors and the original events, read back from the stream TELEWORK."""
    from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

    from contracts.envelope import CloudEvent
    from contracts.subjects import STREAM_NAME, STREAM_SUBJECTS
    from services.audit.domain.chain import canonical

    anchors: list[Anchor] = []
    originals: dict[str, bytes] = {}
    sub = await js.pull_subscribe(
        STREAM_SUBJECTS,
        stream=STREAM_NAME,
        config=ConsumerConfig(
            ack_policy=AckPolicy.NONE, deliver_policy=DeliverPolicy.ALL, inactive_threshold=60
        ),
    )
    try:
        pending = 1
        while pending:
            try:
                msgs = await sub.fetch(batch, timeout=5)
            except TimeoutError:
                break
            for msg in msgs:
                pending = msg.metadata.num_pending
                try:
                    event = CloudEvent.from_json_bytes(msg.data)
                except ValueError:
                    continue
                originals[event.id] = canonical(event.model_dump(mode="json", exclude_none=True))
                if event.type.endswith(".audit.checkpoint_signed.v1"):
                    anchors.append(Anchor.of(event.data))
    finally:
        await sub.unsubscribe()
    return anchors, originals
