"""R-DEP-3, issue #15 item 7: every service's health, readiness and Prometheus metrics."""

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest

from infra.stack import free_port
from services.shared import health
from services.shared.db import make_engine, sessionmaker
from services.shared.migrate import upgrade

pytestmark = pytest.mark.integration


def test_prometheus_text_names_types_and_labels() -> None:
    text = health.prometheus_text(
        {
            ("telework.relay.published", (("relay", "attendance"),)): 12.0,
            ("telework.consumer.lag", (("consumer", 'a"b'),)): 3.0,
            ("telework.leader", ()): 1.0,
        }
    )
    assert "# TYPE telework_relay_published_total counter" in text
    assert 'telework_relay_published_total{relay="attendance"} 12.0' in text
    assert 'telework_consumer_lag{consumer="a\\"b"} 3.0' in text
    assert "telework_leader 1.0" in text


async def test_request_latency_is_a_prometheus_histogram() -> None:
    """Every answered request is timed by subject and outcome; /metrics shows the histogram
    (cumulative buckets, sum, count) that latency alerts are written against."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from services.shared import rpc, telemetry
    from services.shared.auth import DevIssuer
    from services.shared.authz import Actor, Grant, Role

    telemetry.configure("telework-tests")  # once per process; later calls add nothing
    issuer = DevIssuer(Ed25519PrivateKey.generate())
    token = issuer.issue(Actor("D0102", (Grant(Role.OFFICIAL, "ONDE"),)))

    async def handler(actor: Any, body: dict[str, Any]) -> Any:
        if body.get("bad"):
            raise rpc.invalid("bad")
        return {"done": True}

    subject = "telework.rpc.test.latency"
    for body in (b"{}", b"{}", b'{"bad": true}'):
        await rpc.answer(
            subject, {"Authorization": f"Bearer {token}"}, body, issuer.verifier(), handler
        )
    text = health.prometheus_text(telemetry.snapshot())
    assert "# TYPE telework_rpc_duration histogram" in text
    ok = [line for line in text.splitlines() if subject in line and 'outcome="ok"' in line]
    assert any(
        line.startswith("telework_rpc_duration_count") and line.endswith(" 2.0") for line in ok
    )
    assert any('le="+Inf"' in line and line.endswith(" 2.0") for line in ok)
    assert any(
        line.startswith("telework_rpc_duration_count") and 'outcome="invalid"' in line
        for line in text.splitlines()
        if subject in line
    )


async def test_health_readiness_and_metrics_of_a_service(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'svc.db'}")
    await upgrade(engine, "meetings", None)
    leading = {"now": True}
    probes = health.Health("meetings", sessionmaker(engine), lambda: leading["now"])
    port, stop = free_port(), asyncio.Event()
    server = asyncio.create_task(health.serve(probes, "127.0.0.1", port, stop))
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(timeout=5) as c:
            for _ in range(50):
                try:
                    await c.get(f"{base}/healthz")
                    break
                except httpx.ConnectError:
                    await asyncio.sleep(0.05)
            assert (await c.get(f"{base}/healthz")).json() == {"status": "ok"}
            ready = await c.get(f"{base}/readyz")
            assert ready.status_code == 200 and ready.json()["leader"] is True
            metrics = await c.get(f"{base}/metrics")
            assert 'telework_outbox_depth{service="meetings"} 0.0' in metrics.text
            assert 'telework_leader{service="meetings"} 1.0' in metrics.text
            assert (await c.get(f"{base}/nothing")).status_code == 404
            assert (await c.post(f"{base}/readyz")).status_code == 405

            (tmp_path / "svc.db").unlink()  # the database gone from under the service
            (tmp_path / "svc.db").mkdir()
            await engine.dispose()
            not_ready = await c.get(f"{base}/readyz")
            assert not_ready.status_code == 503, not_ready.text
            assert not_ready.json()["down"] == ["database"]
            assert (await c.get(f"{base}/healthz")).status_code == 200
    finally:
        stop.set()
        await server
        await engine.dispose()


async def test_each_process_opens_at_most_the_connections_its_settings_allow(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A ministry sizes PostgreSQL's max_connections from processes × (pool + overflow)
    (docs/deployment.md): those two settings reach every service's engine."""
    import uuid

    from sqlalchemy import text

    from services.registry import opened

    prefix = f"pool_{uuid.uuid4().hex[:8]}_"
    monkeypatch.setenv("DATABASE_URL", postgres_url)
    monkeypatch.setenv("TELEWORK_SCHEMA_PREFIX", prefix)
    monkeypatch.setenv("TELEWORK_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("TELEWORK_DB_POOL_SIZE", "3")
    monkeypatch.setenv("TELEWORK_DB_MAX_OVERFLOW", "1")
    async with opened("meetings") as ctx:
        pool: Any = ctx.engine.pool
        assert (pool.size(), pool._max_overflow) == (3, 1)
        async with ctx.engine.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{prefix}meetings" CASCADE'))
