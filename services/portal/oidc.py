"""Sign-in through the agency's OpenID Connect provider (issue #14, R-SEC-3).

The authorization code flow with PKCE (S256), a `state` that is held once on the server and
bound to the browser by a cookie (so nobody can finish a sign-in they did not start in that
browser), and a `nonce` checked in the ID token. The provider says *who* signed in, never what
they may do: the official is found in identity by a configurable claim, and the session's
roles come from identity's grants as for every other session. The provider's tokens stay here;
the other services only ever see the platform's own token (services/shared/auth.py).

Authlib makes the authorization request and the code exchange (over httpx2, its transport);
PyJWT checks the ID token against the provider's published keys.
"""

import hashlib
import hmac
import secrets
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

import httpx2
import jwt
from authlib.integrations.httpx_client import AsyncOAuth2Client
from sqlalchemy import Column, String, Table, delete
from sqlalchemy.ext.asyncio import async_sessionmaker

from services.portal.tables import PORTAL
from services.shared.db import AwareDateTime
from services.shared.settings import SignIn

PENDING_TTL = timedelta(minutes=10)  # from leaving for the provider to coming back
# Asymmetric algorithms only: `none` and HMAC (keyed with the client secret) are never taken.
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA")
Match = Literal["email", "official_id"]

pending = Table(
    "portal_oidc_sign_ins",
    PORTAL,
    Column("state_hash", String(64), primary_key=True),  # sha256 of the state: used once
    Column("nonce", String(100), nullable=False),
    Column("code_verifier", String(200), nullable=False),
    Column("created_at", AwareDateTime, nullable=False),
)


class ConfigError(ValueError):
    """A setting is missing or wrong; the message names it."""


class SignInFailed(Exception):
    """The sign-in did not complete. `key` names the message in the portal's catalogue; the
    provider's own words are never shown to the user."""

    def __init__(self, key: str, status: int = 400, detail: str = "") -> None:
        super().__init__(detail or key)
        self.key = key
        self.status = status
        self.detail = detail


@dataclass(frozen=True)
class OidcSettings:
    issuer: str
    client_id: str
    redirect_uri: str
    client_secret: str | None = None  # none: a public client, PKCE alone
    claim: str = "email"  # the claim that names the official
    match: Match = "email"  # what that claim holds: the e-mail or the official id
    scope: str = "openid email"
    ca_file: str | None = None  # the provider's CA, where it is not a public one

    @classmethod
    def from_env(cls) -> "OidcSettings | None":
        given = SignIn()
        issuer = given.oidc_issuer.strip()
        if not issuer:
            return None
        missing = [
            name
            for name, value in (
                ("TELEWORK_OIDC_CLIENT_ID", given.oidc_client_id),
                ("TELEWORK_OIDC_REDIRECT_URI", given.oidc_redirect_uri),
            )
            if not value.strip()
        ]
        if missing:
            raise ConfigError(f"TELEWORK_OIDC_ISSUER is set but {', '.join(missing)} is not")
        match = given.oidc_match
        if match not in ("email", "official_id"):
            raise ConfigError("TELEWORK_OIDC_MATCH must be email or official_id")
        return cls(
            issuer=issuer.rstrip("/"),
            client_id=given.oidc_client_id.strip(),
            redirect_uri=given.oidc_redirect_uri.strip(),
            client_secret=given.oidc_client_secret or None,
            claim=given.oidc_claim,
            match=match,  # type: ignore[arg-type]
            scope=given.oidc_scope,
            ca_file=given.oidc_ca or None,
        )


@dataclass(frozen=True)
class Identified:
    """Who the provider says signed in: its subject and the value of the configured claim."""

    subject: str
    value: str


def _hash(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


class OidcClient:
    def __init__(self, settings: OidcSettings, db: async_sessionmaker[Any]) -> None:
        self.settings = settings
        self._db = db
        self._metadata: dict[str, Any] | None = None
        self._keys: dict[str, Any] = {}

    def _http(self, **kw: Any) -> AsyncOAuth2Client:
        s = self.settings
        return AsyncOAuth2Client(
            client_id=s.client_id,
            client_secret=s.client_secret,
            token_endpoint_auth_method="client_secret_basic" if s.client_secret else "none",
            scope=s.scope,
            redirect_uri=s.redirect_uri,
            code_challenge_method="S256",
            timeout=10.0,
            verify=ssl.create_default_context(cafile=s.ca_file) if s.ca_file else True,
            **kw,
        )

    async def metadata(self) -> dict[str, Any]:
        """The provider's discovery document, read once. Its issuer must be the configured
        one exactly (OpenID Connect Discovery §4.3): otherwise another provider's tokens
        could pass as this one's."""
        if self._metadata is None:
            url = self.settings.issuer + "/.well-known/openid-configuration"
            try:
                async with self._http() as http:
                    response = await http.request("GET", url, withhold_token=True)
                response.raise_for_status()
                found = response.json()
            except (httpx2.HTTPError, ValueError) as exc:
                raise SignInFailed("oidc_unavailable", 503, f"discovery: {exc}") from None
            if found.get("issuer", "").rstrip("/") != self.settings.issuer:
                raise SignInFailed("oidc_unavailable", 503, "discovery names another issuer")
            self._metadata = found
        return self._metadata

    async def begin(self, now: datetime) -> tuple[str, str]:
        """The provider's address to send the browser to, and the state to bind to it."""
        meta = await self.metadata()
        state = secrets.token_urlsafe(32)
        nonce = secrets.token_urlsafe(32)
        verifier = secrets.token_urlsafe(64)
        async with self._db.begin() as s:
            await s.execute(delete(pending).where(pending.c.created_at < now - PENDING_TTL))
            await s.execute(
                pending.insert().values(
                    state_hash=_hash(state), nonce=nonce, code_verifier=verifier, created_at=now
                )
            )
        async with self._http() as http:
            url, _ = http.create_authorization_url(
                meta["authorization_endpoint"], state=state, code_verifier=verifier, nonce=nonce
            )
        return url, state

    async def finish(self, state: str, bound: str, code: str, now: datetime) -> Identified:
        """The person the provider vouches for, once: the state is spent whatever happens."""
        if not state or not bound or not hmac.compare_digest(state, bound):
            raise SignInFailed("oidc_state", 400, "state missing or not this browser's")
        async with self._db.begin() as s:
            row = (
                await s.execute(
                    delete(pending)
                    .where(pending.c.state_hash == _hash(state))
                    .returning(pending.c.nonce, pending.c.code_verifier, pending.c.created_at)
                )
            ).first()
        if row is None or now - row.created_at > PENDING_TTL:
            raise SignInFailed("oidc_state", 400, "state unknown, used or expired")
        meta = await self.metadata()
        try:
            async with self._http() as http:
                tokens = await http.fetch_token(
                    meta["token_endpoint"],
                    grant_type="authorization_code",
                    code=code,
                    code_verifier=row.code_verifier,
                )
        except httpx2.HTTPError as exc:
            raise SignInFailed("oidc_unavailable", 503, f"token endpoint: {exc}") from None
        except Exception as exc:  # Authlib's OAuthError and kin: the provider said no
            raise SignInFailed("oidc_refused", 400, f"code exchange: {exc}") from None
        if "id_token" not in tokens:
            raise SignInFailed("oidc_refused", 400, "no ID token in the token response")
        claims = await self._id_token(str(tokens["id_token"]), row.nonce)
        value = claims.get(self.settings.claim)
        if value is None and meta.get("userinfo_endpoint"):
            value = await self._from_userinfo(meta["userinfo_endpoint"], tokens, claims["sub"])
        if not isinstance(value, str) or not value.strip():
            raise SignInFailed("oidc_no_claim", 403, f"no {self.settings.claim} claim")
        if self.settings.claim == "email" and claims.get("email_verified") is False:
            raise SignInFailed("oidc_no_claim", 403, "e-mail not verified by the provider")
        return Identified(subject=str(claims["sub"]), value=value.strip())

    async def _id_token(self, id_token: str, nonce: str) -> dict[str, Any]:
        """OpenID Connect Core §3.1.3.7: signature by the provider's key, issuer, audience (and
        `azp` when there are several), expiry, issue time and our nonce."""
        meta = await self.metadata()
        offered = meta.get("id_token_signing_alg_values_supported", ["RS256"])
        allowed = [a for a in offered if a in ALGORITHMS]
        try:
            header = jwt.get_unverified_header(id_token)
            key = await self._key(str(header.get("kid", "")), meta["jwks_uri"])
            claims: dict[str, Any] = jwt.decode(
                id_token,
                key,
                algorithms=allowed,
                audience=self.settings.client_id,
                issuer=self.settings.issuer,
                leeway=60,  # a minute's skew between the provider's clock and ours
                options={"require": ["exp", "iat", "sub", "aud", "iss"]},
            )
        except jwt.PyJWTError as exc:
            raise SignInFailed("oidc_refused", 400, f"ID token: {exc}") from None
        audience = claims["aud"]
        several = isinstance(audience, list) and len(audience) > 1
        if several and claims.get("azp") != self.settings.client_id:
            raise SignInFailed("oidc_refused", 400, "ID token for another party (azp)")
        if not hmac.compare_digest(str(claims.get("nonce", "")), nonce):
            raise SignInFailed("oidc_refused", 400, "ID token nonce is not ours")
        return claims

    async def _key(self, kid: str, jwks_uri: str) -> Any:
        """The signing key by id; the key set is read again once for an unknown id (the
        provider rotated its keys)."""
        if kid not in self._keys:
            try:
                async with self._http() as http:
                    response = await http.request("GET", jwks_uri, withhold_token=True)
                response.raise_for_status()
                keys = jwt.PyJWKSet.from_dict(response.json()).keys
            except (httpx2.HTTPError, ValueError, jwt.PyJWTError) as exc:
                raise SignInFailed("oidc_unavailable", 503, f"keys: {exc}") from None
            self._keys = {str(k.key_id or ""): k.key for k in keys if k.public_key_use != "enc"}
        if kid not in self._keys:
            if len(self._keys) == 1 and not kid:
                return next(iter(self._keys.values()))
            raise SignInFailed("oidc_refused", 400, "ID token signed by an unknown key")
        return self._keys[kid]

    async def _from_userinfo(self, endpoint: str, tokens: dict[str, Any], subject: str) -> Any:
        try:
            async with self._http(token=tokens) as http:
                response = await http.get(endpoint)
            response.raise_for_status()
            info = response.json()
        except (httpx2.HTTPError, ValueError) as exc:
            raise SignInFailed("oidc_unavailable", 503, f"userinfo: {exc}") from None
        if info.get("sub") != subject:  # Core §5.3.2: else the answer may be someone else's
            raise SignInFailed("oidc_refused", 400, "userinfo is about another subject")
        if self.settings.claim == "email" and info.get("email_verified") is False:
            raise SignInFailed("oidc_no_claim", 403, "e-mail not verified by the provider")
        return info.get(self.settings.claim)
