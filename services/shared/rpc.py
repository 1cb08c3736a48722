"""Request/reply over NATS, the same way for every service.

A request carries `Authorization: Bearer <token>` and optionally `Accept-Language: th|en` in
its headers and a JSON body. The reply is always JSON: `{"ok": true, "result": …}` or
`{"ok": false, "error": {"code": …, "reason": …}}` with the reason in the caller's language.
Nothing is left unanswered: bad input, a refused token and a refused action all reply.
"""

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

from faststream.nats import NatsBroker, NatsMessage
from faststream.nats.opentelemetry import NatsTelemetryMiddleware
from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.errors import Error as NatsError
from nats.errors import MaxPayloadError, NoRespondersError
from opentelemetry.trace import SpanKind
from pydantic import BaseModel, ValidationError

from contracts.requests import Request
from contracts.subjects import RPC_ROOT
from services.shared import telemetry
from services.shared.auth import AuthError, TokenVerifier
from services.shared.authz import Actor
from services.shared.db import database_unavailable

log = logging.getLogger(__name__)
RPC_DURATION = telemetry.meter("telework.rpc").create_histogram(
    "telework.rpc.duration",
    unit="ms",
    description="Requests each service answered, from receipt to reply, by subject and outcome",
)

JSON_HEADERS = {"content-type": "application/json"}
# Seconds since the epoch after which the caller has given up: the responder then does not
# act (issue #21, item 2: check-ins answered 503 were stored when NATS came back).
DEADLINE = "Telework-Deadline"
NO_RESPONDERS_GRACE_S = 2.0  # how long "nobody subscribed" may last before a service counts as down


class RpcError(Exception):
    """A refusal the caller should read: code plus a Thai and an English reason."""

    def __init__(self, code: str, reason_th: str, reason_en: str | None = None) -> None:
        super().__init__(reason_en or reason_th)
        self.code = code
        self.reason_th = reason_th
        self.reason_en = reason_en or reason_th

    def reply(self, lang: str) -> dict[str, Any]:
        reason = self.reason_en if lang == "en" else self.reason_th
        return {"ok": False, "error": {"code": self.code, "reason": reason}}


def forbidden(reason: str) -> RpcError:
    return RpcError("forbidden", f"ไม่มีสิทธิ์: {reason}", f"forbidden: {reason}")


def invalid(reason: str) -> RpcError:
    return RpcError("invalid", f"ข้อมูลไม่ถูกต้อง: {reason}", f"invalid request: {reason}")


Handler = Callable[[Actor, dict[str, Any]], Awaitable[Any]]


class Unavailable(Exception):
    """The service did not answer in time, or NATS is away: nothing was done, or, if the
    request reached it after its deadline, it was refused unread."""

    def __init__(self, service: str) -> None:
        super().__init__(f"the {service} service is not answering")
        self.service = service


class Refused(Exception):
    """The service answered no: its code and reason (in the caller's language)."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


async def request(
    nc: NatsClient,
    service: str,
    command: str,
    body: Mapping[str, Any],
    token: str,
    *,
    lang: str = "th",
    timeout: float = 10.0,
) -> Any:
    """Ask a service and return its result; the one request client of the platform. The
    request carries its deadline, so a copy that arrives late is refused, never acted on."""
    headers = {
        "Authorization": f"Bearer {token}",
        "Accept-Language": lang,
        DEADLINE: f"{time.time() + timeout:.3f}",
    }
    payload = json.dumps(body, ensure_ascii=False).encode()
    started = time.monotonic()
    while True:
        try:
            reply = await nc.request(
                rpc_subject(service, command), payload, headers=headers, timeout=timeout
            )
            break
        except MaxPayloadError:
            # Larger than the server takes in one message: nothing was sent, so say so rather
            # than "the service is not answering".
            limit = nc.max_payload
            raise Refused(
                "too_large",
                f"ข้อมูลใหญ่เกินกว่าที่ส่งได้ในครั้งเดียว ({len(payload):,} ไบต์ สูงสุด {limit:,}) กรุณาแบ่งส่ง"
                if lang == "th"
                else f"too large to send at once ({len(payload):,} bytes; at most {limit:,}); "
                "split it",
            ) from None
        except NoRespondersError:
            # Nobody received it, so asking again cannot do anything twice. A responder that is
            # restarting, or a subscription the server has not spread yet (nats-server#2876),
            # answers a moment later; a service that is down is reported within a few seconds.
            if time.monotonic() - started > min(timeout, NO_RESPONDERS_GRACE_S):
                raise Unavailable(service) from None
            await asyncio.sleep(0.1)
        except (NatsError, TimeoutError, OSError):
            raise Unavailable(service) from None
    try:
        answer = json.loads(reply.data)
    except ValueError:
        raise Refused("internal", f"{service} answered something that is not JSON") from None
    if not answer.get("ok"):
        err = answer.get("error", {})
        raise Refused(err.get("code", "internal"), err.get("reason", "refused"))
    return answer["result"]


def make_broker(nats_url: str) -> NatsBroker:
    """The broker every service answers requests on. FastStream's per-message access log is
    off: it cost 40% of a check-in's CPU, and services log what matters themselves (without
    personal data)."""
    from infra.nats.identities import connection_options

    return NatsBroker(
        nats_url,
        middlewares=[NatsTelemetryMiddleware()],
        logger=None,
        **connection_options(),  # this process's NATS identity, if any (issue #13)
    )


def rpc_subject(service: str, command: str) -> str:
    return f"{RPC_ROOT}.{service}.{command}"


async def answer(
    subject: str,
    headers: Mapping[str, str],
    body: bytes,
    verifier: TokenVerifier,
    handler: Handler,
) -> dict[str, Any]:
    """One request, whatever carried it: who is asking, what they ask, and the reply; its
    duration and outcome counted per request subject (`telework_rpc_duration` on /metrics)."""
    started = time.perf_counter()
    reply = await _answer(subject, headers, body, verifier, handler)
    outcome = "ok" if reply.get("ok") else str(reply.get("error", {}).get("code", "error"))
    RPC_DURATION.record(
        (time.perf_counter() - started) * 1000, {"rpc": subject, "outcome": outcome}
    )
    return reply


async def _answer(
    subject: str,
    headers: Mapping[str, str],
    body: bytes,
    verifier: TokenVerifier,
    handler: Handler,
) -> dict[str, Any]:
    lang = "en" if headers.get("Accept-Language", "th").startswith("en") else "th"
    if _past(headers.get(DEADLINE)):
        log.warning("%s: request arrived after its deadline; not acted on", subject)
        return RpcError(
            "expired", "คำขอหมดเวลาแล้ว ไม่ได้ดำเนินการ", "request expired; nothing was done"
        ).reply(lang)
    try:
        auth = headers.get("Authorization", "")
        actor = verifier.verify(auth.removeprefix("Bearer ").strip())
        try:
            parsed = json.loads(body or b"{}")
        except json.JSONDecodeError as exc:
            raise invalid(f"body is not JSON ({exc.msg})") from None
        if not isinstance(parsed, dict):
            raise invalid("body must be a JSON object")
        result = await handler(actor, parsed)
        return {"ok": True, "result": result}
    except AuthError as exc:
        return RpcError(
            "unauthenticated", f"ยืนยันตัวตนไม่สำเร็จ: {exc}", f"unauthenticated: {exc}"
        ).reply(lang)
    except RpcError as exc:
        return exc.reply(lang)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err.get("loc", ())) or "body"
        return invalid(f"{where}: {err.get('msg')}").reply(lang)
    except Exception as exc:
        if database_unavailable(exc):
            # The service's database is away, locked, read-only or full: nothing was done and
            # the same request will work later — a 503 at the portal, not a 502.
            log.warning("%s: database unavailable (%s)", subject, _cause(exc))
            return RpcError(
                "unavailable",
                "ฐานข้อมูลของบริการไม่พร้อมชั่วคราว ไม่ได้ดำเนินการ กรุณาลองใหม่",
                "the service's database is temporarily unavailable; nothing was done, retry",
            ).reply(lang)
        log.exception("%s failed", subject)
        return RpcError("internal", "ระบบขัดข้อง กรุณาลองใหม่", "internal error; retry").reply(lang)


def _cause(exc: BaseException) -> str:
    """The driver's error class: never the message, which may quote a statement's data."""
    return type(getattr(exc, "orig", None) or exc).__name__


def _past(deadline: str | None) -> bool:
    if not deadline:
        return False
    try:
        return time.time() > float(deadline)
    except ValueError:
        return False


def register(
    broker: NatsBroker,
    service: str,
    command: str,
    verifier: TokenVerifier,
    handler: Handler,
    max_workers: int = 1,
) -> None:
    subject = rpc_subject(service, command)

    async def entry(msg: NatsMessage) -> dict[str, Any]:
        return await answer(subject, msg.headers or {}, msg.body, verifier, handler)

    # max_workers: requests are answered concurrently, each in its own transaction.
    broker.subscriber(subject, queue=service, max_workers=max_workers)(entry)


Route = tuple[str, type[BaseModel], Callable[..., Awaitable[Any]]]


class ReplyBreaksContract(Exception):
    """A responder's reply does not match its request contract's reply type."""


def route(request: type[Request[Any]], method: Callable[..., Awaitable[Any]]) -> Route:
    """A route from a request contract (contracts/requests): its command and its model."""
    return (request.command, request, method)


def validated(model: type[BaseModel], method: Callable[..., Awaitable[Any]]) -> Handler:
    """The handler on a validated request; a request contract's reply is checked against its
    declared type before it leaves, so a responder cannot drift from what callers read."""
    if issubclass(model, Request) and model.reply_type() != dict[str, Any]:
        reply = model.reply_adapter()

        async def contracted(actor: Actor, body: dict[str, Any]) -> Any:
            result = await method(actor, model.model_validate(body))
            try:
                checked = reply.validate_python(result)
            except ValidationError as exc:
                # Our fault, not the caller's: answered "internal", never "invalid request".
                raise ReplyBreaksContract(f"{model.__name__}: {exc.errors()[0]['msg']}") from None
            return reply.dump_python(checked, mode="json", by_alias=True)

        return contracted

    async def handler(actor: Actor, body: dict[str, Any]) -> Any:
        return await method(actor, model.model_validate(body))

    return handler


def register_routes(
    broker: NatsBroker,
    service: str,
    verifier: TokenVerifier,
    routes: Iterable[Route],
    max_workers: int = 1,
) -> None:
    """Each route: command name, its request model, and the handler `(actor, request)`."""
    for command, model, method in routes:
        register(broker, service, command, verifier, validated(model, method), max_workers)


class Responder:
    """The same request/reply contract served straight on a nats-py connection, for the few
    hot commands (check-in) where FastStream's per-message machinery cost more CPU than the
    command itself (docs/decisions/0006). Requests are answered concurrently, at most
    `max_in_flight` at once; beyond that NATS holds them in the subscription's queue."""

    def __init__(
        self,
        service: str,
        verifier: TokenVerifier,
        routes: Iterable[Route],
        max_in_flight: int = 256,
    ) -> None:
        self._service = service
        self._verifier = verifier
        self._routes = [(rpc_subject(service, c), validated(m, f)) for c, m, f in routes]
        self._slots = asyncio.Semaphore(max_in_flight)
        self._subscriptions: list[Subscription] = []
        self._answering: set[asyncio.Task[None]] = set()
        self._tracer = telemetry.tracer(__name__)
        self._nc: NatsClient | None = None

    async def start(self, nc: NatsClient) -> None:
        self._nc = nc
        for subject, handler in self._routes:

            async def receive(msg: Msg, subject: str = subject, handler: Handler = handler) -> None:
                await self._slots.acquire()
                task = asyncio.create_task(self._answer(nc, msg, subject, handler))
                self._answering.add(task)
                task.add_done_callback(self._answering.discard)

            self._subscriptions.append(await nc.subscribe(subject, queue=self._service, cb=receive))
        # Answering once start() returns: the server has the subscriptions, not just the socket.
        await nc.flush()

    async def stop(self) -> None:
        """Take no more requests; answer those already taken."""
        for sub in self._subscriptions:
            await sub.unsubscribe()
        if self._subscriptions and self._nc is not None and self._nc.is_connected:
            await self._nc.flush()
        self._subscriptions.clear()
        if self._answering:
            await asyncio.gather(*self._answering, return_exceptions=True)

    async def _answer(self, nc: NatsClient, msg: Msg, subject: str, handler: Handler) -> None:
        try:
            headers = msg.headers or {}
            with self._tracer.start_as_current_span(
                f"{subject} process",
                context=telemetry.context_from(headers.get("traceparent")),
                kind=SpanKind.CONSUMER,
            ):
                reply = await answer(subject, headers, msg.data, self._verifier, handler)
            if msg.reply:
                await nc.publish(
                    msg.reply, json.dumps(reply, ensure_ascii=False).encode(), headers=JSON_HEADERS
                )
        finally:
            self._slots.release()
