"""The yearly evaluation (issue #18 item 7) of an agency of N officials (default 100,000) with
20 telework days each (2,000,000 days) in fiscal year 2570, read from the audit chain on
PostgreSQL and computed, against one bare SQL aggregate over the same chain rows (teleworking
officials and telework days, the JSON parsed by PostgreSQL) in the same run."""

import os
import time
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import text

from services.audit.adapters.tables import AUDIT
from services.audit.domain.chain import canonical
from services.audit.service_layer import evaluation as ev
from services.shared.authz import Actor, Grant, Role
from services.shared.db import create_schema, make_engine, sessionmaker
from tests.bench.conftest import report

N = int(os.environ.get("BENCH_EVALUATION_OFFICIALS", "100000"))
DAYS = 20
T = "th.go.telework.{}.v1"
BUREAUS = [f"ONDE-B{i:02d}" for i in range(10)]


def events() -> list[dict[str, object]]:
    out: list[dict[str, object]] = []

    def add(kind: str, agency: str, data: dict[str, object]) -> None:
        out.append(
            {
                "specversion": "1.0",
                "id": f"ev-{len(out):09d}",
                "source": "/bench",
                "type": T.format(kind),
                "time": "2026-10-01T09:00:00+07:00",
                "agency": agency,
                "data": data,
            }
        )

    for code, parent in [("MDES", None), ("ONDE", "MDES"), *((b, "ONDE") for b in BUREAUS)]:
        add("identity.agency_registered", code, {"agency_code": code, "parent_code": parent})
    first = date(2026, 10, 5)
    for i in range(N):
        official, bureau = f"P{i:06d}", BUREAUS[i % len(BUREAUS)]
        add("identity.eligibility_determined", bureau, {"official_id": official, "status": "may"})
        days = [(first + timedelta(days=7 * k + i % 5)).isoformat() for k in range(DAYS)]
        add(
            "engagement.order_issued",
            bureau,
            {"engagement_id": f"E{i:06d}", "official_id": official, "telework_dates": days},
        )
    return out


@pytest.mark.bench
async def test_evaluation_of_a_large_agency(postgres_url: str) -> None:
    schema = "bench_" + uuid.uuid4().hex[:8]
    engine = make_engine(postgres_url, schema)
    await create_schema(engine, [AUDIT], schema)
    sessions = sessionmaker(engine)
    at = datetime(2026, 10, 1, tzinfo=UTC)
    rows = [
        (n, e["id"], e["type"], e["agency"], None, None, at, canonical(e), b"h" * 32, b"p" * 32)
        for n, e in enumerate(events(), start=1)
    ]
    async with engine.connect() as conn:
        raw = (await conn.get_raw_connection()).driver_connection
        await raw.copy_records_to_table(  # type: ignore[union-attr]
            "audit_chain",
            schema_name=schema,
            records=rows,
            columns=[
                "position", "event_id", "type", "agency", "subject", "official_id", "time",
                "canonical", "hash", "prev_hash",
            ],
        )  # fmt: skip
    del rows
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text(f'VACUUM ANALYZE "{schema}".audit_chain'))

    t0 = time.perf_counter()
    async with engine.connect() as conn:
        people, days = (
            await conn.execute(
                text(
                    "SELECT count(DISTINCT j->'data'->>'official_id'), "
                    "sum(json_array_length(j->'data'->'telework_dates')) "
                    "FROM (SELECT convert_from(canonical, 'UTF8')::json AS j "
                    f'FROM "{schema}".audit_chain WHERE type = :t) AS orders'
                ),
                {"t": T.format("engagement.order_issued")},
            )
        ).one()
    sql_s = time.perf_counter() - t0

    head = Actor("H", (Grant(Role.HEAD_OF_AGENCY, "ONDE"),))
    t0 = time.perf_counter()
    [result] = ev.report(await ev.chain_events(sessions), head, "ONDE", 2570)
    ours_s = time.perf_counter() - t0
    async with engine.begin() as conn:
        await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    await engine.dispose()
    assert (result.teleworking_officials, result.telework_days) == (people, days) == (N, N * DAYS)
    report(
        "evaluation_report_postgres",
        N * DAYS / ours_s,
        "telework days/s",
        N * DAYS / sql_s,
        officials=N,
        telework_days=N * DAYS,
        seconds={"report": round(ours_s, 1), "bare_sql_aggregate": round(sql_s, 1)},
    )
