"""Calling request/reply services as a real client would."""

import json
from typing import Any

from nats.aio.client import Client

from services.shared.rpc import rpc_subject


async def call(
    nc: Client, service: str, command: str, body: Any, token: str | None, lang: str = "th"
) -> dict[str, Any]:
    headers = {"Accept-Language": lang}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    reply = await nc.request(rpc_subject(service, command), raw, headers=headers, timeout=5)
    result: dict[str, Any] = json.loads(reply.data)
    return result
