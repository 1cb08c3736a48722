"""HR import of 100,000 officials on PostgreSQL (validation, upserts, events, eligibility),
against bare bulk INSERTs of the same official rows into the same database in the same run."""

import csv
import os
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import Column, MetaData, String, Table, insert, text

from services.identity.adapters.tables import IDENTITY
from services.identity.service_layer.handlers import LOG
from services.identity.service_layer.importer import import_files
from services.shared.db import create_schema, make_engine, sessionmaker
from tests.bench.conftest import report

N = int(os.environ.get("BENCH_IMPORT_OFFICIALS", "100000"))
BUREAUS = 100


def write_export(folder: Path) -> list[Path]:
    def dump(name: str, header: list[str], rows: list[list[str]]) -> Path:
        path = folder / name
        with path.open("w", encoding="utf-8", newline="") as f:
            w = csv.writer(f)
            w.writerow(header)
            w.writerows(rows)
        return path

    agencies = [["BM", "", "ministry", "กระทรวงทดสอบ", "Bench Ministry"]]
    agencies += [[f"BD{d}", "BM", "department", f"กรม {d}", f"Dept {d}"] for d in range(10)]
    agencies += [
        [f"BB{b}", f"BD{b % 10}", "bureau", f"กอง {b}", f"Bureau {b}"] for b in range(BUREAUS)
    ]
    positions = [
        [f"BB{b}", code, f"ตำแหน่ง {code}", code, cat, "no"]
        for b in range(BUREAUS)
        for code, cat in (("DIR", "3.1.2"), ("ANL", "3.1.1"), ("CLK", "3.1.3"), ("SOC", "3.2.1"))
    ]
    officials, supervisors = [], []
    for i in range(N):
        b = i % BUREAUS
        pos = "DIR" if i < BUREAUS else ("ANL", "CLK", "SOC")[i % 3]
        officials.append(
            [
                f"B{i:06d}",
                f"BB{b}",
                pos,
                f"ข้าราชการ {i}",
                f"Official {i}",
                f"o{i}@bench.example.go.th",
                "",
                "th",
            ]
        )
        if i >= BUREAUS:
            supervisors.append([f"B{i:06d}", f"B{b:06d}"])
    return [
        dump(
            "agencies.csv", ["agency_code", "parent_code", "level", "name_th", "name_en"], agencies
        ),
        dump(
            "positions.csv",
            ["agency_code", "position_code", "title_th", "title_en", "category", "partly"],
            positions,
        ),
        dump(
            "officials.csv",
            [
                "official_id",
                "agency_code",
                "position_code",
                "name_th",
                "name_en",
                "email",
                "citizen_id",
                "lang",
            ],
            officials,
        ),
        dump("supervisors.csv", ["official_id", "supervisor_id"], supervisors),
    ]


@pytest.mark.bench
async def test_import_100k_officials(postgres_url: str, tmp_path: Path) -> None:
    paths = write_export(tmp_path)
    schema = "bench_" + uuid.uuid4().hex[:8]
    engine = make_engine(postgres_url, schema)
    plain = MetaData()
    bare = Table(
        "bare_officials",
        plain,
        *(
            Column(c, String(320))
            for c in (
                "official_id",
                "agency_code",
                "position_code",
                "name_th",
                "name_en",
                "email",
                "lang",
            )
        ),
    )
    await create_schema(engine, [IDENTITY, plain], schema)
    sessions = sessionmaker(engine)
    with paths[2].open(encoding="utf-8") as f:
        rows = [
            {
                k: r[k]
                for k in (
                    "official_id",
                    "agency_code",
                    "position_code",
                    "name_th",
                    "name_en",
                    "email",
                    "lang",
                )
            }
            for r in csv.DictReader(f)
        ]
    t0 = time.perf_counter()
    async with sessions.begin() as s:
        for k in range(0, len(rows), 5000):
            await s.execute(insert(bare), rows[k : k + 5000])
    baseline = len(rows) / (time.perf_counter() - t0)

    t0 = time.perf_counter()
    result = await import_files(sessions, LOG, paths, partial=False, citizen_key=b"k" * 32)
    ours = N / (time.perf_counter() - t0)
    t0 = time.perf_counter()
    again = await import_files(sessions, LOG, paths, partial=False, citizen_key=b"k" * 32)
    reimport = N / (time.perf_counter() - t0)
    async with engine.begin() as conn:
        await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    await engine.dispose()
    assert not result.errors and result.counts["officials_registered"] == N
    assert again.counts["events"] == 0
    report(
        "identity_import_100k_postgres",
        ours,
        "rows/s",
        baseline,
        officials=N,
        events=result.counts["events"] + result.counts["eligibility_changed"],
        reimport_rows_per_s=round(reimport),
    )
