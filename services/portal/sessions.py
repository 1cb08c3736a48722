"""Who is signed in, held on the server (issue #14).

A browser or API client holds an opaque session id, never a token it could replay: logging out
or an official's departure ends the session at once, and the signed token the portal passes on
to the other services is re-minted from identity at least every `REFRESH_S`, so a revoked role
stops working within a minute everywhere. Sessions and sign-in failures live in the portal's
database, so several portal processes behind a load balancer share them.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar

from sqlalchemy import Column, Integer, String, Table, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker

from services.portal.tables import PORTAL
from services.shared.db import AwareDateTime

REFRESH_S = 60  # a revoked role or a departure is seen within this
TOKEN_TTL = timedelta(minutes=5)  # the token passed on: outlives one refresh interval, no more
IDLE = timedelta(hours=8)  # a session unused this long ends
ABSOLUTE = timedelta(hours=12)  # and none lives longer than a long working day

sessions = Table(
    "portal_sessions",
    PORTAL,
    Column("session_hash", String(64), primary_key=True),  # sha256 of the id: a leaked table
    Column("official_id", String(64), nullable=False, index=True),  # cannot be replayed
    Column("token", String(4000), nullable=False),
    Column("csrf", String(64), nullable=False),
    Column("created_at", AwareDateTime, nullable=False),
    Column("refreshed_at", AwareDateTime, nullable=False),
    Column("last_seen", AwareDateTime, nullable=False),
    Column("flash", String(600), nullable=True),  # the next page's message, set by the server
)

failures = Table(
    "portal_sign_in_failures",
    PORTAL,
    Column("key", String(80), primary_key=True),  # account or address, hashed
    Column("count", Integer, nullable=False),
    Column("last_at", AwareDateTime, nullable=False),
    Column("blocked_until", AwareDateTime, nullable=False),
)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class Session:
    session_id: str
    official_id: str
    token: str
    csrf: str
    refreshed_at: datetime
    created_at: datetime
    flash: str | None = None

    def needs_refresh(self, now: datetime) -> bool:
        return now - self.refreshed_at >= timedelta(seconds=REFRESH_S)


class SessionStore:
    def __init__(self, db: async_sessionmaker[Any]) -> None:
        self._db = db

    async def open(self, official_id: str, token: str, now: datetime) -> Session:
        sid = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(24)
        async with self._db.begin() as s:
            await s.execute(
                insert(sessions).values(
                    session_hash=_hash(sid),
                    official_id=official_id,
                    token=token,
                    csrf=csrf,
                    created_at=now,
                    refreshed_at=now,
                    last_seen=now,
                )
            )
        return Session(sid, official_id, token, csrf, now, now)

    async def find(self, session_id: str, now: datetime) -> Session | None:
        """The live session with that id; an idle or too old one is ended on sight."""
        if not session_id or len(session_id) > 100:
            return None
        key = _hash(session_id)
        async with self._db() as s:
            row = (await s.execute(select(sessions).where(sessions.c.session_hash == key))).first()
        if row is None:
            return None
        if now - row.last_seen > IDLE or now - row.created_at > ABSOLUTE:
            await self.close(session_id)
            return None
        if now - row.last_seen > timedelta(seconds=REFRESH_S):
            async with self._db.begin() as s:
                await s.execute(
                    update(sessions).where(sessions.c.session_hash == key).values(last_seen=now)
                )
        return Session(
            session_id,
            row.official_id,
            row.token,
            row.csrf,
            row.refreshed_at,
            row.created_at,
            row.flash,
        )

    async def refreshed(self, session: Session, token: str, now: datetime) -> Session:
        async with self._db.begin() as s:
            await s.execute(
                update(sessions)
                .where(sessions.c.session_hash == _hash(session.session_id))
                .values(token=token, refreshed_at=now, last_seen=now)
            )
        return Session(
            session.session_id,
            session.official_id,
            token,
            session.csrf,
            now,
            session.created_at,
            session.flash,
        )

    async def close(self, session_id: str) -> None:
        async with self._db.begin() as s:
            await s.execute(delete(sessions).where(sessions.c.session_hash == _hash(session_id)))

    async def close_all_of(self, official_id: str) -> int:
        async with self._db.begin() as s:
            result = await s.execute(delete(sessions).where(sessions.c.official_id == official_id))
        return int(result.rowcount or 0)

    async def set_flash(self, session_id: str, message: str | None) -> None:
        async with self._db.begin() as s:
            await s.execute(
                update(sessions)
                .where(sessions.c.session_hash == _hash(session_id))
                .values(flash=message[:600] if message else None)
            )


class SignInLimiter:
    """Growing delays after failed sign-ins, per account and per address: the first few are
    free (3 per account, 30 per address), then 2, 4, 8 … seconds up to 15 minutes. A delay,
    never a lock-out, so an attacker cannot keep the head of agency out for good; a success
    clears the account's count."""

    # An office behind one NAT address shares its allowance, hence the larger one.
    FREE: ClassVar[dict[str, int]] = {"acct": 3, "addr": 30}
    CAP = timedelta(minutes=15)

    def __init__(self, db: async_sessionmaker[Any]) -> None:
        self._db = db

    @staticmethod
    def keys(email: str, address: str) -> tuple[str, str]:
        return "acct:" + _hash(email.strip().lower())[:60], "addr:" + _hash(address)[:60]

    async def wait_s(self, keys: tuple[str, ...], now: datetime) -> int:
        """Seconds before another attempt is heard (0: now)."""
        async with self._db() as s:
            rows = (await s.execute(select(failures).where(failures.c.key.in_(keys)))).all()
        waits = [(r.blocked_until - now).total_seconds() for r in rows]
        return max([0, *(int(w) + 1 for w in waits if w > 0)])

    async def failed(self, keys: tuple[str, ...], now: datetime) -> None:
        async with self._db.begin() as s:
            for key in keys:
                try:
                    async with s.begin_nested():
                        await s.execute(
                            insert(failures).values(
                                key=key, count=1, last_at=now, blocked_until=now
                            )
                        )
                except IntegrityError:  # counted before, maybe by another portal process
                    await s.execute(
                        update(failures)
                        .where(failures.c.key == key)
                        .values(count=failures.c.count + 1, last_at=now)
                    )
                count = (
                    await s.execute(select(failures.c.count).where(failures.c.key == key))
                ).scalar_one()
                free = self.FREE[key.split(":", 1)[0]]
                delay = (
                    timedelta(0)
                    if count <= free
                    else min(self.CAP, timedelta(seconds=2 ** min(count - free, 20)))
                )
                await s.execute(
                    update(failures).where(failures.c.key == key).values(blocked_until=now + delay)
                )

    async def succeeded(self, account_key: str) -> None:
        async with self._db.begin() as s:
            await s.execute(delete(failures).where(failures.c.key == account_key))
