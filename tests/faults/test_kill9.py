"""kill -9 of every service under load (issue #21): the platform as `make run` starts it, each
service its own process, killed with SIGKILL in turn while officials check in, and started
again as `make run` does. Clients behave as the portal's own pages do: a failed request is
sent again with the same idempotency key. At the end every count agrees: accepted = stored =
published = chained, each once, nothing dead-lettered, and `telework audit verify` holds."""

import asyncio
import sqlite3
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import nats
import pytest

from services.shared.auth import DevIssuer
from services.shared.authz import Actor, Grant, Role
from tests.support.processes import ProcessStack, process_stack

pytestmark = [pytest.mark.integration, pytest.mark.fault]

OFFICIALS = 1200
AGENCY = "ONDE-STRAT"
# Each in turn, after enough check-ins went through since the last kill; attendance (the
# service that stores check-ins) twice, the second time after everything else restarted.
VICTIMS = (
    "attendance",
    "audit",
    "identity",
    "notification",
    "portal",
    "meetings",
    "engagement",
    "attendance",
)


def officials_csv(path: Path) -> list[str]:
    ids = [f"F{i:05d}" for i in range(OFFICIALS)]
    rows = ["official_id,agency_code,position_code,name_th,name_en,email,citizen_id,lang"]
    rows += [
        f"{i},{AGENCY},PLAN,ทดสอบ {i},Test {i},{i.lower()}@onde.example.go.th,,th" for i in ids
    ]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return ids


def scalar(db: Path, sql: str) -> int:
    # A reader beside the writing services: short-lived, waits on their locks.
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30) as con:
        return int(con.execute(sql).fetchone()[0])


async def until(condition: Any, what: Any, timeout: float = 180) -> None:
    """Wait for `condition`; `what` says what was awaited (a callable: read at the timeout)."""
    try:
        async with asyncio.timeout(timeout):
            while not await condition():
                await asyncio.sleep(0.25)
    except TimeoutError:
        said = what() if callable(what) else what
        raise AssertionError(f"timed out waiting for {said}") from None


async def stream_count(ps: ProcessStack, stream: str, subjects: str | None = None) -> int:
    nc = await nats.connect(
        ps.nats_url, nkeys_seed=str(ps.data_dir / "nats-identities" / "admin.nk")
    )
    try:
        info = await nc.jetstream().stream_info(stream, subjects_filter=subjects)
        if subjects is None:
            return int(info.state.messages)
        return sum((info.state.subjects or {}).values())
    finally:
        await nc.close()


async def test_kill9_of_each_service_under_check_in_load(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with process_stack(data) as ps:
        ids = officials_csv(tmp_path / "officials.csv")
        ps.cli("identity", "import", str(tmp_path / "officials.csv"))
        issuer = DevIssuer.load_or_create(data / "dev-issuer.pem")
        tokens = {
            i: issuer.issue(
                Actor(i, (Grant(Role.OFFICIAL, AGENCY),), f"{i.lower()}@onde.example.go.th")
            )
            for i in ids
        }
        attendance_db = data / "attendance.db"

        async def attendance_knows_them() -> bool:
            return (
                attendance_db.exists()
                and scalar(
                    attendance_db,
                    "SELECT count(*) FROM att_officials WHERE official_id LIKE 'F%'",
                )
                == OFFICIALS
            )

        await until(attendance_knows_them, "attendance to learn the imported officials")

        accepted: set[str] = set()
        answers: Counter[str] = Counter()
        queue: asyncio.Queue[str] = asyncio.Queue()
        for i in ids:
            queue.put_nowait(i)

        async def official(client: httpx.AsyncClient) -> None:
            while not queue.empty():
                oid = queue.get_nowait()
                key = uuid.uuid4().hex  # one per check-in, kept across its retries
                while True:
                    try:
                        r = await client.post(
                            "/api/attendance/check-in",
                            json={"idempotency_key": key},
                            headers={"Authorization": f"Bearer {tokens[oid]}"},
                        )
                        answers[str(r.status_code)] += 1
                        if r.status_code == 200:
                            accepted.add(oid)
                            break
                    except httpx.TransportError as exc:
                        answers[type(exc).__name__] += 1
                    await asyncio.sleep(0.2)

        async def killer() -> None:
            step = OFFICIALS // (len(VICTIMS) + 2)
            for n, name in enumerate(VICTIMS, start=1):
                await until(
                    lambda n=n: _at_least(len(accepted), n * step),
                    lambda: f"check-ins to flow ({len(accepted)} accepted; answers {answers})",
                    timeout=90,
                )
                ps.kill9(name)
                ps.start(name)

        async with httpx.AsyncClient(base_url=ps.portal_url, timeout=15) as client:
            async with asyncio.timeout(300):
                await asyncio.gather(killer(), *(official(client) for _ in range(12)))

        assert ps.kills == {**Counter(VICTIMS)}, ps.kills
        assert accepted == set(ids), answers

        stored_sql = (
            f"SELECT count(*) FROM attendance_days WHERE official_id LIKE 'F%' AND "
            f"agency_code = '{AGENCY}'"
        )
        chained_sql = (
            "SELECT count(*) FROM audit_chain WHERE official_id LIKE 'F%' "
            "AND type LIKE '%.checked_in.v1'"
        )
        subject = f"telework.v1.{AGENCY}.attendance.checked_in"

        async def converged() -> bool:
            return (
                (data / "audit.db").exists()
                and scalar(data / "audit.db", chained_sql) >= OFFICIALS
                and await stream_count(ps, "TELEWORK", subject) >= OFFICIALS
            )

        await until(converged, "the check-ins to be published and chained")
        stored = scalar(attendance_db, stored_sql)
        published = await stream_count(ps, "TELEWORK", subject)
        chained = scalar(data / "audit.db", chained_sql)
        assert (len(accepted), stored, published, chained) == (OFFICIALS,) * 4, answers
        assert await stream_count(ps, "TELEWORK_DLQ") == 0

        auditor = ps.cli("token", "issue", "--as", "auditor@onde.example.go.th").stdout.strip()
        verify = ps.cli("audit", "verify", "--token", auditor, check=False)
        assert verify.returncode == 0, verify.stdout + verify.stderr
        for name in ps.procs:
            assert ps.procs[name].poll() is None, f"{name} died:\n{ps.log_tail(name)}"


async def _at_least(value: int, target: int) -> bool:
    return value >= target
