"""R-INT-3, R-DEP-1: two processes of every service (issue #15, item 2): requests are spread over
both, the work that must run once (relay, projections, the audit chain, delivery) runs in the
replica holding the service's lease. Under a steady flow of check-ins through two portals, the
leading process of each service in turn is killed with SIGKILL: the other takes over, nothing
acknowledged is lost or doubled, and each takeover's time is measured and printed."""

import asyncio
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

from services.registry import SERVICES
from tests.support.processes import (
    CheckInLoad,
    ProcessStack,
    attendance_knows,
    every_check_in_once,
    holds,
    official_tokens,
    process_stack,
    until,
    write_officials,
)

pytestmark = [pytest.mark.integration, pytest.mark.fault]

OFFICIALS = 900
AGENCY = "ONDE-STRAT"
VICTIMS = ("attendance", "audit", "notification", "identity", "engagement", "meetings", "portal")


async def leader(ps: ProcessStack, service: str) -> tuple[str, float]:
    """The holder of the service's lease and when its term ends (seconds since the epoch)."""
    where = f"FROM leases WHERE name = '{service}-leader'"
    holder = await ps.value(service, f"SELECT holder {where}")
    ends = await ps.value(service, f"SELECT expires_at {where}")
    return str(holder), float(ends)


def process_of(ps: ProcessStack, holder: str) -> str:
    pid = int(holder.split("/")[1])
    return next(key for key, proc in ps.procs.items() if proc.pid == pid)


async def test_kill9_of_each_leading_replica_under_check_in_load(
    tmp_path: Path, postgres_url: str
) -> None:
    """On PostgreSQL, as replicas run in production (one database shared by a service's
    processes; the single-process kill -9 test covers SQLite)."""
    data = tmp_path / "data"
    with process_stack(data, replicas=2, database_url=postgres_url) as ps:
        assert len(ps.procs) == 2 * len(SERVICES)
        ids = [f"R{i:05d}" for i in range(OFFICIALS)]
        write_officials(tmp_path / "officials.csv", ids, AGENCY)
        ps.cli("identity", "import", str(tmp_path / "officials.csv"))
        await attendance_knows(ps, "R", OFFICIALS)

        portals = [f"http://127.0.0.1:{port}" for port in ps.portal_ports.values()]
        load = CheckInLoad(portals, official_tokens(data, ids, AGENCY))
        accepted, answers = load.accepted, load.answers
        takeover: dict[str, float] = {}

        async def killer() -> None:
            step = OFFICIALS // (len(VICTIMS) + 2)
            for n, service in enumerate(VICTIMS, start=1):
                await until(
                    lambda n=n: holds(len(accepted) >= n * step),
                    lambda: f"check-ins to flow ({len(accepted)} accepted; answers {answers})",
                    timeout=90,
                )
                holder, _ = await leader(ps, service)
                victim = process_of(ps, holder)
                killed = time.monotonic()
                ps.kill9(victim)

                async def taken_over(service: str = service, old: str = holder) -> bool:
                    now_holder, ends = await leader(ps, service)
                    return now_holder != old and ends > time.time()

                await until(taken_over, f"another {service} replica to take over", timeout=60)
                takeover[service] = round(time.monotonic() - killed, 1)
                ps.start(service, 1 if victim == service else 2)

        async with asyncio.timeout(420):
            await asyncio.gather(killer(), load.run(ids))

        print(f"takeover after kill -9 of the leading replica (s): {takeover}")
        print(f"answers during the kills: {dict(answers)}")
        assert set(takeover) == set(VICTIMS)
        assert accepted == set(ids), answers

        await every_check_in_once(ps, load, "R", AGENCY, OFFICIALS)

        # Every process is ready, and each service has exactly one leader (issue #15 item 7).
        leaders: Counter[str] = Counter()
        async with httpx.AsyncClient(timeout=10) as client:
            for key, port in ps.health_ports.items():
                ready = await client.get(f"http://127.0.0.1:{port}/readyz")
                assert ready.status_code == 200, (key, ready.text)
                leaders[key.split("-")[0]] += ready.json()["leader"]
                metrics = (await client.get(f"http://127.0.0.1:{port}/metrics")).text
                assert "telework_outbox_depth{" in metrics, metrics
        assert leaders == Counter({name: 1 for name in SERVICES}), leaders
