"""An acknowledged check-in is never lost (R-ATT-1): the service process is killed (SIGKILL)
during a burst; after a restart every acknowledged check-in is stored once and published once."""

import asyncio
import json
import os
import signal
import subprocess
import sys
import uuid
from collections import Counter
from pathlib import Path

import nats
import pytest
from sqlalchemy import func, insert, select, text

from services.attendance.adapters.tables import ATTENDANCE, attendance_days, known_officials
from services.shared.auth import DevIssuer
from services.shared.authz import Actor, Grant, Role
from services.shared.db import create_schema, make_engine, outbox, sessionmaker
from services.shared.rpc import rpc_subject
from tests.support.jetstream import read_agency

pytestmark = pytest.mark.integration
BURST = 400


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, str]:
    prefix = "t" + uuid.uuid4().hex[:8] + "_"
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'attendance.db'}", prefix
    return request.getfixturevalue("postgres_url"), prefix


def spawn(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "services.cli", "serve", "attendance"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def wait_answering(nc: nats.aio.client.Client, token: str) -> None:
    for _ in range(150):
        try:
            await nc.request(
                rpc_subject("attendance", "check_in"),
                b"{}",
                headers={"Authorization": f"Bearer {token}"},
                timeout=0.5,
            )
            return
        except Exception:
            await asyncio.sleep(0.1)
    raise AssertionError("the attendance service never answered")


async def test_killed_mid_burst_loses_and_duplicates_nothing(
    database: tuple[str, str], private_nats_url: str, tmp_path: Path, agency: str
) -> None:
    url, prefix = database
    schema = None if url.startswith("sqlite") else f"{prefix}attendance"
    engine = make_engine(url, schema)
    await create_schema(engine, [ATTENDANCE], schema)
    sessions = sessionmaker(engine)
    officials = [f"K{i:05d}" for i in range(BURST)]
    async with sessions.begin() as s:
        await s.execute(
            insert(known_officials), [{"official_id": o, "agency_code": agency} for o in officials]
        )
    issuer = DevIssuer.load_or_create(tmp_path / "dev-issuer.pem")
    tokens = {o: issuer.issue(Actor(o, (Grant(Role.OFFICIAL, agency),))) for o in officials}
    env = {
        **os.environ,
        "NATS_URL": private_nats_url,
        "DATABASE_URL": url,
        "TELEWORK_SCHEMA_PREFIX": prefix,
        "TELEWORK_DATA_DIR": str(tmp_path),
    }
    if url.startswith("sqlite"):
        env.pop("DATABASE_URL")
    nc = await nats.connect(private_nats_url)
    proc = spawn(env)
    acked: list[str] = []
    try:
        await wait_answering(nc, tokens[officials[0]])

        async def check_in(o: str) -> None:
            body = json.dumps({"channel": "mobile", "idempotency_key": f"{o}-burst"}).encode()
            try:
                reply = await nc.request(
                    rpc_subject("attendance", "check_in"),
                    body,
                    timeout=10,
                    headers={"Authorization": f"Bearer {tokens[o]}"},
                )
            except Exception:
                return  # no answer: not acknowledged, may or may not be stored
            if json.loads(reply.data).get("ok"):
                acked.append(o)
                if len(acked) == BURST // 4:
                    proc.send_signal(signal.SIGKILL)

        await asyncio.gather(*(check_in(o) for o in officials))
        assert proc.wait(10) == -signal.SIGKILL
        assert BURST // 4 <= len(acked) < BURST, "the kill came too late to prove anything"

        proc = spawn(env)  # restart: the relay publishes what the dead process committed
        await wait_answering(nc, tokens[officials[0]])
        async with asyncio.timeout(120):
            while True:
                async with sessions() as s:
                    if not (await s.execute(select(func.count()).select_from(outbox))).scalar():
                        break
                await asyncio.sleep(0.1)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            proc.wait(15)
        await nc.close()

    async with sessions() as s:
        stored = Counter((await s.execute(select(attendance_days.c.official_id))).scalars())
    assert all(stored[o] == 1 for o in acked), "an acknowledged check-in was lost"
    assert max(stored.values()) == 1
    published = Counter(
        e.data["official_id"]
        for e in await read_agency(private_nats_url, agency)
        if e.type.endswith("checked_in.v1")
    )
    assert all(published[o] == 1 for o in acked), "an acknowledged check-in was not published"
    assert published == stored  # everything committed, acknowledged or not, published once
    if schema:
        async with engine.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    await engine.dispose()
