"""The nats-py responder keeps the request/reply contract of every other service: each request
is answered, refusals carry a reason in the caller's language, requests are answered
concurrently, and stopping answers what was already taken."""

import asyncio
import json
from pathlib import Path
from typing import Any

import nats
import pytest
from pydantic import BaseModel, ConfigDict

from services.shared.auth import DevIssuer
from services.shared.authz import Actor, Grant, Role
from services.shared.rpc import Responder, RpcError, rpc_subject

pytestmark = pytest.mark.integration


class Echo(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str


class Service:
    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.waiting = 0

    async def echo(self, actor: Actor, cmd: Echo) -> dict[str, Any]:
        if cmd.text == "refuse":
            raise RpcError("conflict", "ปฏิเสธ", "refused")
        if cmd.text == "wait":
            self.waiting += 1
            await self.release.wait()
        return {"who": actor.subject, "text": cmd.text}


async def test_contract_concurrency_and_stop(private_nats_url: str, tmp_path: Path) -> None:
    issuer = DevIssuer.load_or_create(tmp_path / "issuer.pem")
    token = issuer.issue(Actor("D0001", (Grant(Role.OFFICIAL, "ONDE"),)))
    service = Service()
    responder = Responder("echo", issuer.verifier(), [("echo", Echo, service.echo)])
    nc = await nats.connect(private_nats_url)
    server = await nats.connect(private_nats_url)
    await responder.start(server)
    subject = rpc_subject("echo", "echo")

    async def ask(body: bytes, auth: str | None = token, lang: str = "th") -> Any:
        headers = {"Accept-Language": lang}
        if auth is not None:
            headers["Authorization"] = f"Bearer {auth}"
        reply = await nc.request(subject, body, timeout=5, headers=headers)
        return json.loads(reply.data)

    # A second connection may see the subscription a moment after the first one's flush
    # (nats-server#2876); nobody received a request answered "no responders", so ask again.
    for _ in range(50):
        try:
            await nc.request(subject, b"{}", timeout=5)
            break
        except nats.errors.NoRespondersError:
            await asyncio.sleep(0.05)
    try:
        assert await ask(b'{"text": "hi"}') == {
            "ok": True,
            "result": {"who": "D0001", "text": "hi"},
        }
        refused = await ask(b'{"text": "refuse"}', lang="en")
        assert refused == {"ok": False, "error": {"code": "conflict", "reason": "refused"}}
        assert (await ask(b'{"text": "hi"}', auth=None))["error"]["code"] == "unauthenticated"
        assert (await ask(b'{"text": "hi"}', auth="forged"))["error"]["code"] == "unauthenticated"
        bad_json = await ask(b"{not json", lang="en")
        assert bad_json["error"]["code"] == "invalid"
        assert "not JSON" in bad_json["error"]["reason"]
        extra = await ask(b'{"text": "hi", "more": 1}')
        assert extra["error"]["code"] == "invalid" and "more" in extra["error"]["reason"]
        assert (await ask(b"[1]"))["error"]["code"] == "invalid"

        # Ten requests held inside the handler at once: answered concurrently, not in turn.
        held = [asyncio.create_task(ask(b'{"text": "wait"}')) for _ in range(10)]
        for _ in range(100):
            if service.waiting == 10:
                break
            await asyncio.sleep(0.02)
        assert service.waiting == 10
        # Stopping takes no new request but answers those already taken.
        stopping = asyncio.create_task(responder.stop())
        await asyncio.sleep(0.05)
        assert not stopping.done()
        service.release.set()
        await stopping
        assert all(r["ok"] for r in await asyncio.gather(*held))
        with pytest.raises(nats.errors.NoRespondersError):
            await nc.request(subject, b"{}", timeout=1)
    finally:
        await responder.stop()
        await nc.close()
        await server.close()


async def test_a_request_past_its_deadline_is_never_acted_on(
    private_nats_url: str, tmp_path: Path
) -> None:
    """Issue #21, item 2: the caller gave up (and told its user to retry), so a late copy of
    the request must change nothing; and a request connection never buffers while NATS is
    away, so the caller learns at once."""
    import time

    from services.shared import rpc
    from services.shared.jetstream import connect

    issuer = DevIssuer.load_or_create(tmp_path / "issuer.pem")
    token = issuer.issue(Actor("D0001", (Grant(Role.OFFICIAL, "ONDE"),)))
    done: list[str] = []

    async def act(actor: Actor, cmd: Echo) -> str:
        done.append(cmd.text)
        return cmd.text

    responder = Responder("late", issuer.verifier(), [("act", Echo, act)])
    server = await nats.connect(private_nats_url)
    await responder.start(server)
    nc = await connect(private_nats_url, "test-requests", for_requests=True)
    try:
        assert await rpc.request(nc, "late", "act", {"text": "now"}, token) == "now"
        reply = await nc.request(
            rpc_subject("late", "act"),
            b'{"text": "late"}',
            headers={"Authorization": f"Bearer {token}", rpc.DEADLINE: f"{time.time() - 1}"},
            timeout=5,
        )
        assert json.loads(reply.data)["error"]["code"] == "expired"
        assert done == ["now"]
        with pytest.raises(rpc.Refused) as refused:
            await rpc.request(nc, "late", "act", {"text": 3}, token, lang="en")
        assert refused.value.code == "invalid"
        with pytest.raises(rpc.Unavailable):
            await rpc.request(nc, "nobody", "act", {}, token, timeout=0.5)
    finally:
        await responder.stop()
        await server.close()
        await nc.close()
