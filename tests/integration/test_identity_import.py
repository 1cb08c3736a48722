"""HR import (R-INT-3, R-ELIG): validate all first, report each bad row with its line and reason,
import nothing on error unless --partial, idempotent on re-import; SQLite and PostgreSQL."""

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from services.identity.adapters.tables import IDENTITY, eligibility, officials
from services.identity.demo.seed import demo_paths
from services.identity.service_layer.handlers import LOG
from services.identity.service_layer.importer import import_files
from services.shared.db import event_log
from tests.conftest import Database

pytestmark = pytest.mark.integration
KEY = b"k" * 32


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    out = {}
    for p in demo_paths():
        out[p.stem] = tmp_path / p.name
        shutil.copy(p, out[p.stem])
    return out


async def run(db: Database, paths: list[Path], partial: bool = False):  # type: ignore[no-untyped-def]
    await db.create(IDENTITY)
    return await import_files(db.sessions, LOG, paths, partial=partial, citizen_key=KEY)


async def count(db: Database, table) -> int:  # type: ignore[no-untyped-def]
    async with db.sessions() as s:
        return int((await s.execute(select(func.count()).select_from(table))).scalar_one())


def append_line(path: Path, line: str) -> int:
    text = path.read_text(encoding="utf-8")
    path.write_text(text + line + "\n", encoding="utf-8")
    return text.count("\n") + 1


class TestImport:
    async def test_imports_the_demo_export(self, db: Database, files: dict[str, Path]) -> None:
        report = await run(db, list(files.values()))
        assert report.errors == [] and report.applied
        assert report.counts["officials_registered"] == 12
        assert report.counts["supervisors_assigned"] == 11
        assert report.counts["eligibility_changed"] == 12
        async with db.sessions() as s:
            rows = dict(
                (await s.execute(select(eligibility.c.official_id, eligibility.c.rule))).all()
            )
        assert rows["D0203"] == "§3.2.1"  # SOC post: confidential data stays in the office
        assert rows["D0202"] == "no-policy"  # no head has published a policy yet

    async def test_reimporting_the_same_files_changes_nothing(
        self, db: Database, files: dict[str, Path]
    ) -> None:
        await run(db, list(files.values()))
        events_before = await count(db, event_log)
        report = await run(db, list(files.values()))
        assert report.applied and report.counts["events"] == 0
        assert report.counts["eligibility_changed"] == 0
        assert await count(db, event_log) == events_before

    async def test_each_bad_row_is_reported_and_nothing_is_imported(
        self, db: Database, files: dict[str, Path]
    ) -> None:
        bad_level = append_line(files["agencies"], "ONDE-X,ONDE,division,กองใหม่,New")
        bad_cat = append_line(files["positions"], "ONDE-DGT,NEW,ตำแหน่งใหม่,New,3.9.9,no")
        bad_id = append_line(
            files["officials"],
            "D0999,ONDE-DGT,COMP,นายทดสอบ,Test,t@onde.example.go.th,1101700230705,th",
        )
        dup_mail = append_line(
            files["officials"], "D0998,ONDE-DGT,COMP,นายซ้ำ,Dup,official3@onde.example.go.th,,th"
        )
        bad_sup = append_line(files["supervisors"], "D0202,D0777")
        report = await run(db, list(files.values()))
        assert not report.applied
        got = {str(e) for e in report.errors}
        assert got == {
            f"agencies.csv:{bad_level}: level 'division' is not one of bureau, department, "
            "ministry, unit",
            f"positions.csv:{bad_cat}: category '3.9.9' is not one of 3.1.1, 3.1.2, 3.1.3, "
            "3.1.4, 3.2.1, 3.2.2, 3.2.3",
            f"officials.csv:{bad_id}: citizen id checksum does not match",
            f"officials.csv:{dup_mail}: email already belongs to another official",
            f"supervisors.csv:{bad_sup}: supervisor 'D0777' is unknown or was rejected",
        }
        assert await count(db, officials) == 0 and await count(db, event_log) == 0

    async def test_partial_imports_the_valid_rows_and_drops_their_dependants(
        self, db: Database, files: dict[str, Path]
    ) -> None:
        append_line(files["agencies"], "ONDE-NEW,NOPE,bureau,กองลอย,Floating")
        line = append_line(files["positions"], "ONDE-NEW,P1,ตำแหน่ง,Post,3.1.1,no")
        report = await run(db, list(files.values()), partial=True)
        assert report.applied
        assert f"positions.csv:{line}: agency 'ONDE-NEW' is unknown or was rejected" in {
            str(e) for e in report.errors
        }
        assert await count(db, officials) == 12

    async def test_supervisor_cycles_and_unknown_headers_are_refused(
        self, db: Database, files: dict[str, Path], tmp_path: Path
    ) -> None:
        text = files["supervisors"].read_text().replace("D0002,D0001", "D0002,D0102")
        files["supervisors"].write_text(text)
        weird = tmp_path / "weird.csv"
        weird.write_text("foo,bar\n1,2\n")
        report = await run(db, [*files.values(), weird])
        reasons = [e.reason for e in report.errors]
        assert any("supervisor chain would have a cycle" in r for r in reasons)
        assert any(
            e.where == "weird.csv:1" and "header matches none" in e.reason for e in report.errors
        )

    async def test_moving_an_official_is_announced(
        self, db: Database, files: dict[str, Path]
    ) -> None:
        await run(db, list(files.values()))
        text = (
            files["officials"].read_text().replace("D0202,ONDE-DGT,COMP", "D0202,ONDE-STRAT,PLAN")
        )
        files["officials"].write_text(text)
        report = await run(db, list(files.values()))
        assert report.counts["officials_updated"] == 1
        async with db.sessions() as s:
            types = [e.envelope.type for e in await LOG.read_stream(s, "official-D0202")]
        assert "th.go.telework.identity.official_moved.v1" in types
        assert types[-1] == "th.go.telework.identity.official_updated.v1"


class TestCli:
    def test_bad_file_exits_2_with_line_and_reason(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        from services.cli import main

        monkeypatch.setenv("TELEWORK_DATA_DIR", str(tmp_path / "data"))
        monkeypatch.delenv("DATABASE_URL", raising=False)
        bad = tmp_path / "agencies.csv"
        bad.write_text("agency_code,parent_code,level,name_th,name_en\nA.B,,ministry,x,y\n")
        assert main(["identity", "import", str(bad)]) == 2
        assert "agencies.csv:2: agency_code 'A.B' must be letters" in capsys.readouterr().out
        assert main(["identity", "import", str(tmp_path / "missing.csv")]) == 2


class TestBulk:
    """Issue #15 item 9: past 1,000 rows PostgreSQL takes the COPY path (positions drawn from
    the sequence, envelopes written as JSON); SQLite the INSERT path. Both must record the same
    thing: every official with their supervisor, one event per fact, each in the outbox under
    the same position, every envelope a valid event."""

    async def test_a_large_export_is_recorded_whole(self, db: Database, tmp_path: Path) -> None:
        import tests.bench.test_identity_import_bench as bench
        from contracts.envelope import CloudEvent
        from services.shared.db import outbox
        from tests.bench.test_identity_import_bench import write_export

        bench_n, bench.N = bench.N, 1500
        try:
            paths = write_export(tmp_path)
        finally:
            bench.N = bench_n
        report = await run(db, paths)
        assert report.errors == [] and report.counts["officials_registered"] == 1500
        assert report.counts["supervisors_assigned"] == 1400
        async with db.sessions() as s:
            sups = dict(
                (await s.execute(select(officials.c.official_id, officials.c.supervisor_id))).all()
            )
            log = (await s.execute(select(event_log).order_by(event_log.c.position))).all()
            box = {
                r.position: (r.event_id, r.stream_id, r.envelope)
                for r in (await s.execute(select(outbox))).all()
            }
        assert sups["B000150"] == "B000050" and sups["B000000"] is None
        kinds = [CloudEvent.from_json_bytes(r.envelope).type.split(".")[3:5] for r in log]
        assert kinds.count(["identity", "official_registered"]) == 1500
        assert kinds.count(["identity", "supervisor_assigned"]) == 1400
        assert kinds.count(["identity", "eligibility_determined"]) == 1500
        assert box == {r.position: (r.event_id, r.stream_id, r.envelope) for r in log}
        assert all(r.recorded_at.utcoffset() is not None for r in log)
        assert len({r.position for r in log}) == len(log) == report.counts["events"] + 1500
        again = await run(db, paths)
        assert again.counts["events"] == 0 and again.counts["eligibility_changed"] == 0

    async def test_a_stale_version_is_a_conflict(self, db: Database) -> None:
        from services.shared.eventlog import ConcurrencyConflict
        from tests.support.events import sample_event

        batch = [(f"s-{k}", 0, [sample_event(f"s-{k}", 0)]) for k in range(1200)]
        async with db.sessions.begin() as s:
            assert await LOG.append_bulk(s, batch) == 1200
        with pytest.raises(ConcurrencyConflict):
            async with db.sessions.begin() as s:
                await LOG.append_bulk(s, batch)  # the same versions again
        assert await count(db, event_log) == 1200
