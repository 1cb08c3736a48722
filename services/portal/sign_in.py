"""Signing in and sessions: the demo password form (demo mode only), the agency's provider
vouching for an official, and a session's token re-minted from identity as roles change."""

from datetime import datetime
from typing import Any

from contracts.requests import identity as ask
from services.portal.base import PortalBase
from services.portal.deps import BackendError
from services.portal.refusals import (
    Refused,
    backend_away,
)
from services.portal.sessions import TOKEN_TTL, Session
from services.shared import clock
from services.shared.auth import AuthError
from services.shared.authz import Actor, Grant, Role


def actor_from_claims(result: dict[str, Any]) -> Actor:
    grants = tuple(
        Grant(
            Role(g["role"]),
            g["agency"],
            datetime.fromisoformat(g["from"]) if g.get("from") else None,
            datetime.fromisoformat(g["to"]) if g.get("to") else None,
            bool(g.get("acting")),
        )
        for g in result["grants"]
    )
    return Actor(result["official_id"], grants, result["email"])


class SignIn(PortalBase):
    async def sign_in(self, email: str, password: str, address: str) -> tuple[Session, Any]:
        """A session for the official with that e-mail. The password form exists in demo mode
        only (production signs in through the agency's OpenID Connect provider); failures
        slow down further attempts on the account and from the address."""
        if not self.b.demo_login:
            raise Refused(
                403,
                "การเข้าสู่ระบบด้วยรหัสผ่านใช้ได้เฉพาะโหมดสาธิต / password sign-in exists in demo "
                "mode only; sign in through your agency's identity provider",
            )
        now = clock.now()
        keys = self.limiter.keys(email, address)
        wait = await self.limiter.wait_s(keys, now)
        if wait:
            raise Refused(
                429,
                f"ลองเข้าสู่ระบบผิดหลายครั้ง กรุณารอ {wait} วินาที / too many failed sign-ins; "
                f"try again in {wait} s",
                retry_after=wait,
            )
        wrong = Refused(401, "อีเมลหรือรหัสผ่านไม่ถูกต้อง / wrong e-mail or password")
        if password != "demo":
            await self.limiter.failed(keys, now)
            raise wrong
        try:
            who = await self._actor(ask.EmailQuery(email=email))
        except BackendError as exc:
            if exc.code in ("unavailable", "expired", "internal"):
                raise backend_away("ทะเบียนบุคลากร (identity)") from None
            await self.limiter.failed(keys, now)
            raise wrong from None
        await self.limiter.succeeded(keys[0])
        return await self._open(who, now), who

    async def sign_in_as(self, value: str, match: str) -> tuple[Session, Any]:
        """A session for the official the agency's provider vouched for (services/portal/oidc.py):
        found by e-mail or by official id, with the roles identity holds, never the provider's."""
        request: ask.EmailQuery | ask.ActorById = (
            ask.EmailQuery(email=value) if match == "email" else ask.ActorById(official_id=value)
        )
        try:
            who = await self._actor(request)
        except BackendError as exc:
            if exc.code in ("unavailable", "expired", "internal"):
                raise backend_away("ทะเบียนบุคลากร (identity)") from None
            raise Refused(
                403,
                "ไม่พบบัญชีนี้ในทะเบียนบุคลากรของหน่วยงาน หรือพ้นจากหน่วยงานแล้ว / "
                "this account is not an official in the agency's registry, or has left",
            ) from None
        return await self._open(who, clock.now()), who

    async def _actor(self, request: ask.EmailQuery | ask.ActorById) -> dict[str, Any]:
        """The official and their grants as identity holds them now (the token's claims)."""
        return (await self.b.query(request)).model_dump(mode="json", by_alias=True)

    async def _open(self, who: dict[str, Any], now: datetime) -> Session:
        token = self.b.issuer.issue(actor_from_claims(who), ttl=TOKEN_TTL)
        return await self.sessions.open(who["official_id"], token, now)

    async def session(self, session_id: str) -> Session | None:
        """The live session, its token re-minted from identity when older than REFRESH_S: a
        revoked role or a departure ends there (issue #14)."""
        now = clock.now()
        found = await self.sessions.find(session_id, now)
        if found is None or not found.needs_refresh(now):
            return found
        try:
            who = await self._actor(ask.ActorById(official_id=found.official_id))
        except BackendError as exc:
            if exc.code in ("not_found", "forbidden"):
                await self.sessions.close(session_id)
                return None
            try:  # identity away: the current token serves while it lasts
                self.b.verifier.verify(found.token)
            except AuthError:
                raise backend_away("ทะเบียนบุคลากร (identity)") from None
            return found
        token = self.b.issuer.issue(actor_from_claims(who), ttl=TOKEN_TTL)
        return await self.sessions.refreshed(found, token, now)
