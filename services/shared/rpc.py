"""Request/reply over NATS, the same way for every service.

A request carries `Authorization: Bearer <token>` and optionally `Accept-Language: th|en` in
its headers and a JSON body. The reply is always JSON: `{"ok": true, "result": …}` or
`{"ok": false, "error": {"code": …, "reason": …}}` with the reason in the caller's language.
Nothing is left unanswered: bad input, a refused token and a refused action all reply.
"""

import json
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from faststream.nats import NatsBroker, NatsMessage
from faststream.nats.opentelemetry import NatsTelemetryMiddleware
from pydantic import BaseModel, ValidationError

from services.shared.auth import AuthError, TokenVerifier
from services.shared.authz import Actor

log = logging.getLogger(__name__)

RPC_ROOT = "telework.rpc"


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


def make_broker(nats_url: str) -> NatsBroker:
    """The broker every service answers requests on. FastStream's per-message access log is
    off: it cost 40% of a check-in's CPU, and services log what matters themselves (without
    personal data)."""
    return NatsBroker(nats_url, middlewares=[NatsTelemetryMiddleware()], logger=None)


def rpc_subject(service: str, command: str) -> str:
    return f"{RPC_ROOT}.{service}.{command}"


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
        headers = msg.headers or {}
        lang = "en" if headers.get("Accept-Language", "th").startswith("en") else "th"
        try:
            auth = headers.get("Authorization", "")
            actor = verifier.verify(auth.removeprefix("Bearer ").strip())
            try:
                body = json.loads(msg.body or b"{}")
            except json.JSONDecodeError as exc:
                raise invalid(f"body is not JSON ({exc.msg})") from None
            if not isinstance(body, dict):
                raise invalid("body must be a JSON object")
            result = await handler(actor, body)
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
        except Exception:
            log.exception("%s failed", subject)
            return RpcError("internal", "ระบบขัดข้อง กรุณาลองใหม่", "internal error; retry").reply(lang)

    # max_workers: requests are answered concurrently, each in its own transaction.
    broker.subscriber(subject, queue=service, max_workers=max_workers)(entry)


def register_routes(
    broker: NatsBroker,
    service: str,
    verifier: TokenVerifier,
    routes: Iterable[tuple[str, type[BaseModel], Callable[..., Awaitable[Any]]]],
    max_workers: int = 1,
) -> None:
    """Each route: command name, its request model, and the handler `(actor, request)`."""
    for command, model, method in routes:

        async def handler(
            actor: Actor,
            body: dict[str, Any],
            model: type[BaseModel] = model,
            method: Callable[..., Awaitable[Any]] = method,
        ) -> Any:
            return await method(actor, model.model_validate(body))

        register(broker, service, command, verifier, handler, max_workers)
