"""Verifying the chain (R-INT-2): every link recomputed (in PostgreSQL itself where it runs),
the first doubt walked in Python to name what is wrong, then every checkpoint's signature under
the key schedule of its time."""

import asyncio
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import LargeBinary, case, func, literal, select, text
from sqlalchemy.ext.asyncio import async_sessionmaker

from services.audit.adapters.tables import chain, checkpoints
from services.audit.domain.chain import (
    GENESIS,
    Problem,
    Record,
    fast_check,
    first_problem,
)
from services.audit.domain.signing import (
    BrokenRotation,
    Checkpoint,
    signature_holds,
)
from services.audit.service_layer.store import CHUNK, key_schedule


async def verify(
    sessions: async_sessionmaker[Any], public: Ed25519PublicKey, start: int = 1
) -> tuple[Problem | None, int]:
    """The first thing wrong from `start` on, and how many records were checked."""
    prev = GENESIS
    if start > 1:
        found = await _link_at(sessions, start - 1)
        if found is None:
            return Problem(start - 1, "record_missing", "no record before --from"), 0
        prev = found
    if _dialect(sessions) == "postgresql":
        # PostgreSQL recomputes every link itself (sha256 in C, next to the data); Python then
        # walks only the few records around the first doubt, to name what is wrong.
        doubt, count = await _first_doubt_in_database(sessions, start, prev)
        if doubt is None:
            return await verify_checkpoints(sessions, public, start), count
        begin = max(start, doubt - 2)
        if begin > start:
            prev = await _link_at(sessions, begin - 1) or prev
        problem, checked = await _walk(sessions, begin, prev)
        if problem is not None:
            return problem, begin - start + checked
        return await verify_checkpoints(sessions, public, start), count
    problem, checked = await _walk(sessions, start, prev)
    if problem is not None:
        return problem, checked
    return await verify_checkpoints(sessions, public, start), checked


def _dialect(sessions: async_sessionmaker[Any]) -> str:
    return str(sessions.kw["bind"].dialect.name)


async def _link_at(sessions: async_sessionmaker[Any], position: int) -> bytes | None:
    async with sessions() as s:
        row = (await s.execute(select(chain.c.hash).where(chain.c.position == position))).first()
    return bytes(row.hash) if row else None


async def _first_doubt_in_database(
    sessions: async_sessionmaker[Any], start: int, prev: bytes
) -> tuple[int | None, int]:
    """(first position whose link, predecessor or number is wrong, records from `start`).

    Two questions at once, on two connections, so both cores work: every record's content
    against its link (a parallel scan of the table, SHA-256 next to the data), and every
    record's predecessor against the link before it (one ordered pass over the
    `audit_chain_links` index, which holds nothing but positions and links)."""
    mismatch = func.sha256(chain.c.prev_hash.op("||")(chain.c.canonical)) != chain.c.hash
    contents = select(
        func.min(case((mismatch, chain.c.position))),
        func.count(),
        func.min(chain.c.position),
        func.max(chain.c.position),
    ).where(chain.c.position >= start)
    before = func.lag(chain.c.hash).over(order_by=chain.c.position)
    pairs = (
        select(chain.c.position, chain.c.prev_hash, before.label("before"))
        .where(chain.c.position >= start)
        .subquery()
    )
    expected = func.coalesce(pairs.c.before, literal(prev, LargeBinary))
    links = select(func.min(case((pairs.c.prev_hash != expected, pairs.c.position))))

    async def ask(query: Any) -> Any:
        async with sessions.begin() as s:
            # Compiling these two plans costs more than it saves on a million rows.
            await s.execute(text("SET LOCAL jit = off"))
            return (await s.execute(query)).one()

    (bad_content, count, first, last), (bad_link,) = await asyncio.gather(ask(contents), ask(links))
    doubts = [p for p in (bad_content, bad_link) if p is not None]
    if count and (first != start or last - first + 1 != count):
        doubts.append(start)  # a gap at the very start, or numbers used twice
    return (int(min(doubts)) if doubts else None), int(count)


async def _walk(
    sessions: async_sessionmaker[Any], start: int, prev: bytes
) -> tuple[Problem | None, int]:
    """Python's own walk: recompute each link, name the first problem."""
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
            return None, total
        held, n, prev_after = fast_check(rows, prev, position)
        if not held:
            # Slow path only where something is off, over the whole chunk so that it sees the
            # records before the doubt too (an inserted record is told by its neighbours).
            recs = [Record(r[0], bytes(r[1]), bytes(r[2]), bytes(r[3])) for r in rows]
            problem, m, _ = first_problem(recs, prev, position)
            if problem is not None:
                return problem, total + m
        total += n
        position += n
        prev = prev_after


async def verify_checkpoints(
    sessions: async_sessionmaker[Any], public: Ed25519PublicKey, start: int = 1
) -> Problem | None:
    """Each checkpoint signed by the key in force at its position: `public` (the key in use)
    followed back through the recorded hand-overs."""
    try:
        schedule = await key_schedule(sessions, public)
    except BrokenRotation as exc:
        return Problem(exc.position, "bad_rotation", str(exc))
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
        if not signature_holds(schedule.key_at(r.position), cp):
            return Problem(
                r.position,
                "bad_signature",
                f"the checkpoint at {r.position} is not signed by the audit key",
            )
        if r.chain_hash is None or bytes(r.chain_hash).hex() != r.hash:
            return Problem(
                r.position,
                "content_changed",
                f"the chain at {r.position} differs from its signed checkpoint",
            )
    for rotation in schedule.rotations:
        async with sessions() as s:
            link_at = (
                await s.execute(select(chain.c.hash).where(chain.c.position == rotation.position))
            ).scalar()
        if rotation.position and (link_at is None or bytes(link_at).hex() != rotation.hash):
            return Problem(
                rotation.position,
                "content_changed",
                f"the chain at {rotation.position} differs from the key hand-over signed there",
            )
    return None
