"""Authentication: signed tokens (JWT) verified at every entry point.

Every service verifies one kind of token: the platform's own, signed with the platform issuer's
Ed25519 key (`TELEWORK_TOKEN_KEY`, by default `.data/dev-issuer.pem`, made on first use;
`telework token issue --as EMAIL`). The portal mints it after sign-in with the roles identity
holds. The agency's OpenID Connect provider only says who signed in (services/portal/oidc.py):
its tokens are never passed on, so a role can never come from a claim of the provider
(issue #14). A refused token always comes with the reason.
"""

import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from services.shared import clock
from services.shared.authz import Actor, Grant, Role
from services.shared.secret_file import read_or_make
from services.shared.settings import Trust

DEV_ISSUER = "telework-dev"
DEFAULT_AUDIENCE = "telework"


class AuthError(Exception):
    """The caller is not authenticated; the message says why (never the token itself)."""


def load_key(path: Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    assert isinstance(key, Ed25519PrivateKey)
    return key


def load_or_create_key(path: Path) -> Ed25519PrivateKey:
    """An Ed25519 private key kept in a PEM file (mode 600), made once on first use, whoever
    starts first (`secret_file`): the dev token issuer's and the audit signing key."""
    pem = read_or_make(
        path,
        lambda: Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    )
    key = serialization.load_pem_private_key(pem, password=None)
    assert isinstance(key, Ed25519PrivateKey)
    return key


@dataclass(frozen=True)
class DevIssuer:
    key: Ed25519PrivateKey
    issuer: str = DEV_ISSUER
    audience: str = DEFAULT_AUDIENCE

    @classmethod
    def load_or_create(cls, path: Path) -> "DevIssuer":
        return cls(load_or_create_key(path))

    def issue(
        self,
        actor: Actor,
        ttl: timedelta = timedelta(hours=8),
        now: datetime | None = None,
        audience: str | None = None,
    ) -> str:
        issued = now or clock.now()
        claims = {
            "iss": self.issuer,
            "aud": audience or self.audience,
            "sub": actor.subject,
            "email": actor.email,
            "iat": int(issued.timestamp()),
            "exp": int((issued + ttl).timestamp()),
            "jti": uuid.uuid4().hex,
            "grants": [_grant_claim(g) for g in actor.grants],
        }
        return jwt.encode(claims, self.key, algorithm="EdDSA")

    def verifier(self, service: str | None = None) -> "TokenVerifier":
        return TokenVerifier(self.key.public_key(), self.issuer, self.audience, service=service)


def _grant_claim(g: Grant) -> dict[str, Any]:
    claim: dict[str, Any] = {"role": g.role.value, "agency": g.agency}
    if g.valid_from:
        claim["from"] = g.valid_from.isoformat()
    if g.valid_to:
        claim["to"] = g.valid_to.isoformat()
    if g.acting:
        claim["acting"] = True
    return claim


def _grant(claim: dict[str, Any]) -> Grant:
    try:
        return Grant(
            role=Role(claim["role"]),
            agency=str(claim["agency"]),
            valid_from=datetime.fromisoformat(claim["from"]) if claim.get("from") else None,
            valid_to=datetime.fromisoformat(claim["to"]) if claim.get("to") else None,
            acting=bool(claim.get("acting", False)),
        )
    except (KeyError, ValueError) as exc:
        raise AuthError(f"token has a malformed grant: {exc}") from None


class TokenVerifier:
    def __init__(
        self,
        key: Ed25519PublicKey,
        issuer: str,
        audience: str,
        *,
        remember: int = 10_000,
        clock_seconds: Callable[[], float] = time.time,
        service: str | None = None,
    ) -> None:
        """`service`: the service this verifier guards; it also accepts tokens minted for it
        alone (audience `<audience>:<service>`), and those minted for another service never
        (issue #13)."""
        self._key = key
        self._issuer = issuer
        self._audience = audience
        self._service = service
        # Tokens already verified, until they expire: a portal session sends the same token
        # with every request, and the signature check is the largest cost of a small request.
        # Keyed by the whole token, signature included, so only a token that verified hits.
        self._verified: OrderedDict[str, tuple[Actor, float]] = OrderedDict()
        self._remember = remember
        self._seconds = clock_seconds

    def verify(self, token: str) -> Actor:
        if not token:
            raise AuthError("no token: send 'Authorization: Bearer <token>'")
        known = self._verified.get(token)
        if known is not None:
            actor, expires = known
            if self._seconds() < expires:
                self._verified.move_to_end(token)
                return actor
            del self._verified[token]
            raise AuthError("token expired")
        actor, expires = self._decode(token)
        self._verified[token] = (actor, expires)
        if len(self._verified) > self._remember:
            self._verified.popitem(last=False)
        return actor

    def _decode(self, token: str) -> tuple[Actor, float]:
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=["EdDSA"],
                audience=[
                    self._audience,
                    *([service_audience(self._service)] if self._service else []),
                ],
                issuer=self._issuer,
                # Times are checked below on this verifier's clock (injectable in tests).
                options={
                    "require": ["exp", "iat", "sub", "aud", "iss"],
                    "verify_exp": False,
                    "verify_iat": False,
                },
            )
        except jwt.ExpiredSignatureError:
            raise AuthError("token expired") from None
        except jwt.InvalidAudienceError:
            raise AuthError(f"token is not for audience {self._audience!r}") from None
        except jwt.InvalidIssuerError:
            raise AuthError(f"token is not from issuer {self._issuer!r}") from None
        except jwt.InvalidSignatureError:
            raise AuthError("token signature does not verify (tampered or foreign key)") from None
        except jwt.PyJWTError as exc:
            raise AuthError(f"token refused: {exc}") from None
        now = self._seconds()
        if float(claims["exp"]) <= now:
            raise AuthError("token expired")
        if float(claims["iat"]) > now + 60:  # a minute's skew between machines is allowed
            raise AuthError("token refused: issued in the future")
        grants = tuple(_grant(g) for g in claims.get("grants", []))
        actor = Actor(subject=str(claims["sub"]), grants=grants, email=claims.get("email"))
        return actor, float(claims["exp"])


def service_actor(name: str) -> Actor:
    """A service of the platform asking another one (may query every agency, nothing more)."""
    from services.shared.authz import ALL_AGENCIES

    return Actor(f"svc:{name}", (Grant(Role.SERVICE, ALL_AGENCIES),))


def service_audience(service: str) -> str:
    return f"{DEFAULT_AUDIENCE}:{service}"


class ServiceCredentials:
    """How a service proves itself to another (issue #13, item 2): a token per target service
    (its audience names that service, so a token taken from one cannot be replayed to
    another), short-lived, and minted again well before it expires, so a service that has run
    for days keeps working. A site's own static `TELEWORK_SERVICE_TOKEN` is used as given."""

    LIFETIME = timedelta(minutes=15)
    RENEW_BEFORE = timedelta(minutes=5)

    def __init__(
        self,
        name: str,
        issuer: "DevIssuer | None",
        static: str | None = None,
        now: Callable[[], datetime] = clock.now,
    ) -> None:
        self._name = name
        self._issuer = issuer
        self._static = static
        self._now = now
        self._held: dict[str, tuple[str, datetime]] = {}

    def token(self, for_service: str) -> str:
        if self._static or self._issuer is None:
            return self._static or ""
        at = self._now()
        held = self._held.get(for_service)
        if held is None or held[1] - at <= self.RENEW_BEFORE:
            token = self._issuer.issue(
                service_actor(self._name),
                ttl=self.LIFETIME,
                now=at,
                audience=service_audience(for_service),
            )
            held = (token, at + self.LIFETIME)
            self._held[for_service] = held
        return held[0]


def platform_issuer(data_dir: Path) -> DevIssuer:
    """The platform's token issuer. A deployment mounts one key into every process
    (`TELEWORK_TOKEN_KEY`); a configured key that is missing is an error, never a new key
    (a fresh key in one pod would make every other pod refuse its tokens)."""
    trust = Trust()
    configured, audience = trust.token_key, trust.token_audience
    if configured:
        path = Path(configured)
        if not path.is_file():
            raise AuthError(f"TELEWORK_TOKEN_KEY names {path}, which is not a readable file")
        return DevIssuer(load_key(path), audience=audience)
    return DevIssuer(load_or_create_key(data_dir / "dev-issuer.pem"), audience=audience)


def service_credentials(name: str, data_dir: Path) -> ServiceCredentials:
    static = Trust().service_token
    issuer = None if static else platform_issuer(data_dir)
    return ServiceCredentials(name, issuer, static)


def service_token(name: str, data_dir: Path) -> str:
    """One token for any service (the CLI's `token issue --service`): prefer
    `service_credentials`, whose tokens are bound to their target and renewed."""
    return Trust().service_token or platform_issuer(data_dir).issue(service_actor(name))


def verifier_from_env(data_dir: Path, service: str | None = None) -> TokenVerifier:
    """Platform tokens only. `TELEWORK_OIDC_*` configures the portal's sign-in, not this:
    a provider's token carries no roles we would trust."""
    return platform_issuer(data_dir).verifier(service)
