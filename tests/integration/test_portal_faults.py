"""The portal when a backend is away (issue #21, items 4 and 9): 503 with a Thai reason and
Retry-After, never 401, 409 or a plain-text 500; a retried start returns the first
engagement."""

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from temporalio.client import Client as Temporal
from temporalio.contrib.pydantic import pydantic_data_converter

from infra.stack import free_port
from services.identity.adapters.tables import IDENTITY
from services.identity.demo.seed import seed_demo
from services.identity.entrypoints.app import wire as wire_identity
from services.identity.service_layer.handlers import IdentityService
from services.portal.app import create_app
from services.portal.deps import Backends
from services.portal.tables import PORTAL
from services.shared import rpc
from services.shared.auth import DevIssuer, service_actor
from services.shared.db import create_schema, make_engine, sessionmaker
from services.shared.jetstream import connect
from tests.support.stack import Stack

pytestmark = pytest.mark.integration


async def portal_with(nats_url: str, tmp: Path, identity: bool) -> AsyncIterator[Any]:
    issuer = DevIssuer.load_or_create(tmp / "issuer.pem")
    engine = make_engine(f"sqlite+aiosqlite:///{tmp / 'portal.db'}")
    await create_schema(engine, [PORTAL], None)
    broker = None
    if identity:
        ie = make_engine(f"sqlite+aiosqlite:///{tmp / 'identity.db'}")
        await create_schema(ie, [IDENTITY], None)
        assert not (await seed_demo(sessionmaker(ie), b"k" * 32)).errors
        broker = rpc.make_broker(nats_url)
        wire_identity(broker, IdentityService(sessionmaker(ie)), issuer.verifier())
        await broker.start()
    nc = await connect(nats_url, "test-portal", for_requests=True)
    # Temporal away: nothing listens on this port.
    temporal = await Temporal.connect(
        f"127.0.0.1:{free_port()}", lazy=True, data_converter=pydantic_data_converter
    )
    backends = Backends(
        nats=nc,
        temporal=temporal,
        sessions=sessionmaker(engine),
        issuer=issuer,
        verifier=issuer.verifier(),
        service_token=issuer.issue(service_actor("portal")),
        demo_login=True,
    )
    transport = httpx.ASGITransport(app=create_app(backends))
    async with httpx.AsyncClient(transport=transport, base_url="http://portal") as c:
        yield c, issuer
    await nc.close()
    if broker is not None:
        await broker.stop()
    await engine.dispose()


async def test_identity_away_is_503_with_retry_after_never_401(
    private_nats_url: str, tmp_path: Path
) -> None:
    async for c, _ in portal_with(private_nats_url, tmp_path, identity=False):
        r = await c.post(
            "/api/login", json={"email": "head@onde.example.go.th", "password": "demo"}
        )
        assert r.status_code == 503, r.text
        assert "ไม่พร้อมให้บริการ" in r.json()["detail"] and r.headers["Retry-After"]


async def test_temporal_away_is_503_with_a_thai_reason(
    private_nats_url: str, tmp_path: Path
) -> None:
    async for c, _ in portal_with(private_nats_url, tmp_path, identity=True):
        r = await c.post(
            "/api/login", json={"email": "official1@onde.example.go.th", "password": "demo"}
        )
        assert r.status_code == 200, r.text
        official = {"Authorization": f"Bearer {r.json()['token']}"}
        r = await c.post("/api/engagements", json={}, headers=official)
        assert r.status_code == 503, r.text
        assert "ไม่พร้อมให้บริการ" in r.json()["detail"] and r.headers["Retry-After"]


async def test_a_retried_start_returns_the_first_engagement(stack: Stack) -> None:
    async with httpx.AsyncClient(base_url=stack.url, timeout=60) as c:
        r = await c.post(
            "/api/login", json={"email": "official1@onde.example.go.th", "password": "demo"}
        )
        official = {"Authorization": f"Bearer {r.json()['token']}"}
        key = {"Idempotency-Key": "start-once-7f3a"}
        first = await c.post("/api/engagements", json={}, headers={**official, **key})
        again = await c.post("/api/engagements", json={}, headers={**official, **key})
        assert first.status_code == again.status_code == 201, (first.text, again.text)
        assert first.json()["engagement_id"] == again.json()["engagement_id"]
        mine = (await c.get("/api/engagements", headers=official)).json()
        assert [e["engagement_id"] for e in mine] == [first.json()["engagement_id"]]


def big_export(rows: int) -> bytes:
    head = "official_id,agency_code,position_code,name_th,name_en,email,citizen_id,lang\n"
    body = "".join(
        f"X{i:06d},ONDE-DGT,COMP,นายทดสอบ นำเข้า {i},Bulk {i},bulk{i}@onde.example.go.th,,th\n"
        for i in range(rows)
    )
    return (head + body).encode()


async def test_an_hr_export_over_a_mebibyte_is_imported_or_refused_with_the_reason(
    private_nats_url: str, tmp_path: Path
) -> None:
    """Issue #21, item 5: the embedded NATS takes 8 MB messages, so a large agency's export
    goes through; a server that takes less says "too large" (413), never "not answering"; a
    file over the portal's limit is refused, never cut short."""
    export = big_export(14_000)
    assert len(export) > 1_100_000
    files = [("files", ("officials.csv", export, "text/csv"))]

    async def import_as_hr(c: Any) -> Any:
        r = await c.post("/api/login", json={"email": "hr@onde.example.go.th", "password": "demo"})
        hr = {"Authorization": f"Bearer {r.json()['token']}"}
        return await c.post("/api/identity/import", headers=hr, files=files)

    # A NATS with the default 1 MB limit.
    (tmp_path / "small").mkdir()
    (tmp_path / "big").mkdir()
    async for c, _ in portal_with(private_nats_url, tmp_path / "small", identity=True):
        r = await import_as_hr(c)
        assert r.status_code == 413, r.text
        assert "ใหญ่เกิน" in r.json()["detail"]  # Thai by default; "too large" in English
    # The embedded stack's NATS (8 MB).
    from infra.nats.accounts import render_config
    from tests.support.servers import NatsServer

    assert "max_payload: 8MB" in render_config(port=4222, store_dir="x", subscribers=[])
    server = NatsServer(store=tmp_path / "js")
    conf = tmp_path / "nats.conf"
    conf.write_text(
        f"listen: 127.0.0.1:{server.port}\nmax_payload: 8MB\n"
        f'jetstream {{ store_dir: "{server.store}" }}\n'
    )
    server.config = conf
    server.start()
    try:
        async for c, _ in portal_with(server.url, tmp_path / "big", identity=True):
            r = await import_as_hr(c)
            assert r.status_code == 200 and r.json()["applied"], r.text[:300]
            assert r.json()["counts"]["officials_registered"] == 14_000
            over = [("files", ("officials.csv", b"x" * 5_000_001, "text/csv"))]
            r = await c.post(
                "/api/identity/import",
                headers={"Authorization": r.request.headers["Authorization"]},
                files=over,
            )
            assert r.status_code == 413 and "5 MB" in r.json()["detail"]
    finally:
        server.cleanup()


async def test_readiness_names_what_is_away_and_liveness_stays_up(
    private_nats_url: str, tmp_path: Path
) -> None:
    """Issue #15: an orchestrator restarts a portal that does not answer /healthz and sends no
    user to one whose /readyz is 503 (here Temporal is away)."""
    async for c, _ in portal_with(private_nats_url, tmp_path, identity=False):
        assert (await c.get("/healthz")).json() == {"status": "ok"}
        r = await c.get("/readyz")
        assert r.status_code == 503 and r.json()["down"] == ["temporal"]


async def test_a_whole_stack_is_ready(stack: Stack) -> None:
    async with httpx.AsyncClient(base_url=stack.url, timeout=30) as c:
        r = await c.get("/readyz")
        assert r.status_code == 200 and r.json() == {"status": "ready", "down": []}
