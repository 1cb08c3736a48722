"""The one typed request client: ask another service with a request contract
(contracts/requests) and get its reply as the contract's type.

The portal, the engagement worker, the notification service and the tests ask through it; the
wire underneath is `rpc.request` (deadline, no-responders grace, errors as `Unavailable` and
`Refused`), so a caller never builds a subject or parses a reply itself.
"""

from collections.abc import Callable
from typing import Any

from nats.aio.client import Client as Nats

from contracts.requests import ReplyT, Request
from services.shared import rpc
from services.shared.auth import ServiceCredentials

Credentials = str | ServiceCredentials | Callable[[str], str]


class Client:
    """Requests as one caller: a fixed token, service credentials renewed per target service,
    or a function of the target service giving the token."""

    def __init__(
        self, nc: Nats, credentials: Credentials, *, lang: str = "th", timeout: float = 10.0
    ) -> None:
        self._nc = nc
        self._credentials = credentials
        self._lang = lang
        self._timeout = timeout

    def token_for(self, service: str) -> str:
        c = self._credentials
        if isinstance(c, str):
            return c
        if isinstance(c, ServiceCredentials):
            return c.token(service)
        return c(service)

    async def ask(
        self,
        request: Request[ReplyT],
        *,
        token: str | None = None,
        lang: str | None = None,
        timeout: float | None = None,
    ) -> ReplyT:
        """The reply, validated as the request's declared type; `rpc.Refused` when the service
        said no, `rpc.Unavailable` when it did not answer."""
        result = await self.ask_raw(
            request.service,
            request.command,
            request.model_dump(mode="json"),
            token=token,
            lang=lang,
            timeout=timeout,
        )
        reply: ReplyT = request.reply_adapter().validate_python(result)
        return reply

    async def ask_raw(
        self,
        service: str,
        command: str,
        body: dict[str, Any],
        *,
        token: str | None = None,
        lang: str | None = None,
        timeout: float | None = None,
    ) -> Any:
        """A request without a contract yet (its reply as JSON): the portal's pass-through of
        forms to services whose requests are not in contracts/requests."""
        return await rpc.request(
            self._nc,
            service,
            command,
            body,
            token or self.token_for(service),
            lang=lang or self._lang,
            timeout=timeout or self._timeout,
        )
