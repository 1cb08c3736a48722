"""Audit on PostgreSQL: verify rate over N events (default 1,000,000) against a raw hashlib chain
over the same bytes in the same run (goal ≥ 0.5), and rebuild rate (goal ≥ 50,000 events/s)."""

import hashlib
import os
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from services.audit.adapters.tables import AUDIT
from services.audit.domain.chain import GENESIS, canonical, link
from services.audit.entrypoints.rebuild import history
from services.audit.service_layer.verification import verify
from services.shared.auth import load_or_create_key
from services.shared.db import create_schema, make_engine, sessionmaker
from tests.bench.conftest import report

N = int(os.environ.get("BENCH_AUDIT_EVENTS", "1000000"))


def event(i: int) -> dict[str, object]:
    return {
        "specversion": "1.0",
        "id": f"ev-{i:09d}",
        "source": "/telework/attendance",
        "type": "th.go.telework.attendance.checked_in.v1",
        "subject": f"attendance/P{i % 5000}",
        "time": "2026-12-08T08:31:00+07:00",
        "datacontenttype": "application/json",
        "agency": "ONDE-DGT",
        "data": {
            "official_id": f"P{i % 5000:06d}",
            "day": "2026-12-08",
            "at": "2026-12-08T08:31:00+07:00",
            "channel": "mobile",
            "scheduled": True,
            "engagement_id": f"E-{i % 5000}",
        },
    }


@pytest.mark.bench
async def test_verify_and_rebuild(postgres_url: str, tmp_path: Path) -> None:
    schema = "bench_" + uuid.uuid4().hex[:8]
    engine = make_engine(postgres_url, schema)
    await create_schema(engine, [AUDIT], schema)
    sessions = sessionmaker(engine)
    blobs = [canonical(event(i)) for i in range(N)]
    records, prev = [], GENESIS
    at = datetime(2026, 12, 8, tzinfo=UTC)
    for i, b in enumerate(blobs, start=1):
        h = link(prev, b)
        records.append(
            (
                i,
                f"ev-{i:09d}",
                "th.go.telework.attendance.checked_in.v1",
                "ONDE-DGT",
                None,
                None,
                at,
                b,
                h,
                prev,
            )
        )
        prev = h
    async with engine.connect() as conn:
        raw = (await conn.get_raw_connection()).driver_connection
        await raw.copy_records_to_table(  # type: ignore[union-attr]
            "audit_chain",
            schema_name=schema,
            records=records,
            columns=[
                "position",
                "event_id",
                "type",
                "agency",
                "subject",
                "official_id",
                "time",
                "canonical",
                "hash",
                "prev_hash",
            ],
        )
    del records
    # Autovacuum does this for an insert-only table in production (PostgreSQL ≥ 13); the bench
    # does not wait for it: the links index is then read without visiting the table.
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text(f'VACUUM ANALYZE "{schema}".audit_chain'))

    t0 = time.perf_counter()
    prev = GENESIS
    for b in blobs:
        prev = hashlib.sha256(prev + b).digest()
    raw_rate = N / (time.perf_counter() - t0)

    key = load_or_create_key(tmp_path / "k.pem")
    t0 = time.perf_counter()
    problem, checked = await verify(sessions, key.public_key())
    verify_rate = checked / (time.perf_counter() - t0)
    assert problem is None and checked == N

    t0 = time.perf_counter()
    rebuilt = await history(sessions, None)  # read from the store, parse, rebuild
    rebuild_rate = N / (time.perf_counter() - t0)
    assert len(rebuilt.attendance) == 5000
    async with engine.begin() as conn:
        await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    await engine.dispose()
    report(
        "audit_verify_postgres",
        verify_rate,
        "events/s",
        raw_rate,
        events=N,
        baseline_unit="raw hashlib chain events/s",
    )
    report(
        "audit_rebuild", rebuild_rate, "events/s", 50_000, events=N, baseline_unit="goal events/s"
    )
