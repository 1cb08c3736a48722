"""Health, readiness and Prometheus metrics of a service process (R-DEP-3, issue #15).

Services other than the portal speak only NATS, so each gets a small HTTP listener when
`TELEWORK_HEALTH_PORT` is set (Kubernetes probes and a Prometheus scrape point at it):

- `GET /healthz`: 200 while the process's event loop answers (liveness).
- `GET /readyz`: 200 when the database answers now; 503 naming what is away (readiness).
- `GET /metrics`: the process's OpenTelemetry metrics in Prometheus' text format, plus the
  outbox depth (events committed but not yet acknowledged by JetStream: the relay's lag) and
  whether this replica leads.

GET only, no request body, nothing personal: a port an orchestrator may reach.
"""

import asyncio
import contextlib
import json
import logging
import math
import re
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import async_sessionmaker

from services.shared import telemetry
from services.shared.db import outbox
from services.shared.settings import Operations

log = logging.getLogger(__name__)


def prometheus_text(points: dict[tuple[str, tuple[tuple[str, Any], ...]], float]) -> str:
    """OpenTelemetry points as Prometheus exposition text (names with `_`, counters as
    `_total`)."""
    lines: list[str] = []
    typed: set[str] = set()
    histograms = {n.removesuffix("_bucket") for n, _ in points if n.endswith("_bucket")}
    for (name, attrs), value in sorted(points.items()):
        metric = re.sub(r"[^a-zA-Z0-9_]", "_", name)
        family, kind = metric, "gauge"
        base = re.sub(r"_(bucket|sum|count)$", "", name)
        if base in histograms:
            family, kind = re.sub(r"[^a-zA-Z0-9_]", "_", base), "histogram"
        elif metric.endswith(("_published", "_events")):
            metric = family = f"{metric}_total"
            kind = "counter"
        if family not in typed:
            lines.append(f"# TYPE {family} {kind}")
            typed.add(family)
        labels = ",".join(f'{k}="{_escape(str(v))}"' for k, v in attrs)
        shown = "NaN" if math.isnan(value) else repr(float(value))
        lines.append(f"{metric}{{{labels}}} {shown}" if labels else f"{metric} {shown}")
    return "\n".join(lines) + "\n"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


class Health:
    def __init__(
        self, service: str, sessions: async_sessionmaker[Any], leading: Callable[[], bool]
    ) -> None:
        self.service = service
        self._sessions = sessions
        self._leading = leading

    async def database_answers(self) -> bool:
        try:
            async with asyncio.timeout(2), self._sessions() as s:
                await s.execute(text("SELECT 1"))
            return True
        except Exception:  # any failure means "not ready"; the reason is in the service log
            return False

    async def outbox_depth(self) -> int | None:
        try:
            async with asyncio.timeout(2), self._sessions() as s:
                return int((await s.execute(select(func.count()).select_from(outbox))).scalar())
        except Exception:
            return None

    async def answer(self, path: str) -> tuple[int, str, str]:
        """(status, content type, body) for one GET."""
        if path == "/healthz":
            return 200, "application/json", json.dumps({"status": "ok"})
        if path == "/readyz":
            if await self.database_answers():
                body = {"status": "ready", "leader": self._leading()}
                return 200, "application/json", json.dumps(body)
            body = {"status": "not ready", "down": ["database"]}
            return 503, "application/json", json.dumps(body)
        if path == "/metrics":
            points = dict(telemetry.snapshot())
            depth = await self.outbox_depth()
            if depth is not None:
                points[("telework.outbox.depth", (("service", self.service),))] = depth
            points[("telework.leader", (("service", self.service),))] = float(self._leading())
            return 200, "text/plain; version=0.0.4", prometheus_text(points)
        return 404, "application/json", json.dumps({"detail": "not found"})


async def serve(health: Health, host: str, port: int, stop: asyncio.Event) -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async with asyncio.timeout(5):
                request = await reader.readline()
                while (await reader.readline()) not in (b"\r\n", b"\n", b""):
                    pass  # headers: nothing here depends on them
            parts = request.decode("latin-1").split()
            if len(parts) < 2 or parts[0] != "GET":
                status, kind, body = 405, "application/json", '{"detail": "GET only"}'
            else:
                status, kind, body = await health.answer(parts[1].split("?")[0])
            data = body.encode()
            reason = {200: "OK", 404: "Not Found", 405: "Method Not Allowed"}.get(
                status, "Service Unavailable"
            )
            writer.write(
                f"HTTP/1.1 {status} {reason}\r\nContent-Type: {kind}\r\n"
                f"Content-Length: {len(data)}\r\nConnection: close\r\n\r\n".encode()
                + data
            )
            await writer.drain()
        except (TimeoutError, ConnectionError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    server = await asyncio.start_server(handle, host, port)
    log.info("health on http://%s:%d (/healthz /readyz /metrics)", host, port)
    async with server:
        await stop.wait()


def port_from_env() -> int | None:
    return Operations().health_port


def host_from_env() -> str:
    return Operations().health_host
