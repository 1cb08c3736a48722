"""What the portal talks to: identity and attendance over NATS, engagements on Temporal, its
own small store (the engagements it started, help requests as events)."""

from dataclasses import dataclass
from typing import Any

from nats.aio.client import Client as Nats
from sqlalchemy.ext.asyncio import async_sessionmaker
from temporalio.client import Client as Temporal

from contracts.requests import ReplyT, Request
from services.documents.adapters.signing import SigningIdentity
from services.portal.oidc import OidcClient
from services.shared import rpc
from services.shared.auth import DevIssuer, ServiceCredentials, TokenVerifier
from services.shared.client import Client


class BackendError(Exception):
    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


@dataclass
class Backends:
    nats: Nats
    temporal: Temporal
    sessions: async_sessionmaker[Any]
    issuer: DevIssuer
    verifier: TokenVerifier
    service_token: "str | ServiceCredentials"  # credentials renewed per target, or a fixed token
    task_queue: str = "engagement"
    demo_login: bool = False  # the password form: demo mode only (`make run` turns it on)
    secure_cookies: bool = False
    # Who signs official documents: the agency's certificate, or the demo CA in demo mode.
    document_signer: SigningIdentity | None = None
    # The key of the satisfaction survey's one-answer-per-person hash (issue #18).
    survey_key: bytes = b""
    # Sign-in through the agency's OpenID Connect provider (TELEWORK_OIDC_*); None: not set up.
    oidc: OidcClient | None = None
    # Agencies whose documents use Thai numerals (TELEWORK_THAI_DIGITS: codes, or * for all).
    thai_digits: frozenset[str] = frozenset()

    def thai_digits_for(self, agency_code: str) -> bool:
        return "*" in self.thai_digits or agency_code in self.thai_digits

    @property
    def client(self) -> Client:
        """The typed request client, as the portal itself (its service credentials)."""
        return Client(self.nats, self.service_token)

    async def query(
        self,
        request: Request[ReplyT],
        token: str | None = None,
        lang: str = "th",
        timeout: float = 10.0,
    ) -> ReplyT:
        """A request contract's reply (contracts/requests), typed; errors as `BackendError`."""
        try:
            return await self.client.ask(request, token=token, lang=lang, timeout=timeout)
        except (rpc.Unavailable, rpc.Refused) as exc:
            raise _backend_error(request.service, exc) from None

    async def ask(
        self,
        service: str,
        command: str,
        body: dict[str, Any],
        token: str | None = None,
        lang: str = "th",
        timeout: float = 10.0,
    ) -> Any:
        """A request whose contract is not in contracts/requests yet: its reply as JSON."""
        try:
            return await self.client.ask_raw(
                service, command, body, token=token, lang=lang, timeout=timeout
            )
        except (rpc.Unavailable, rpc.Refused) as exc:
            raise _backend_error(service, exc) from None


def _backend_error(service: str, exc: Exception) -> BackendError:
    if isinstance(exc, rpc.Refused):
        return BackendError(exc.code, exc.reason)
    return BackendError(
        "unavailable",
        f"บริการ {service} ไม่พร้อมใช้งาน / the {service} service is not answering; try again",
    )
