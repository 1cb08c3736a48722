"""A database that cannot be written for a while, under load (issue #21): the platform as
`make run` starts it; the attendance store (where check-ins are kept) and then the audit chain
are made immutable (`chattr +i`: even root cannot write them, as a read-only or full disk) for
a while as officials check in, then writable again. Nothing may be lost, doubled or faked:
accepted = stored = published = chained, nothing dead-lettered, `telework audit verify` holds,
and no service needs a restart."""

import asyncio
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.processes import (
    CheckInLoad,
    official_tokens,
    process_stack,
    scalar,
    stream_count,
    until,
    write_officials,
)
from tests.support.servers import unavailable

pytestmark = [pytest.mark.integration, pytest.mark.fault]

OFFICIALS = 400
AGENCY = "ONDE-STRAT"
AWAY_S = 10.0


def immutable(files: list[Path], on: bool) -> None:
    for f in files:
        if f.exists():
            subprocess.run(["chattr", "+i" if on else "-i", str(f)], check=True)


def can_freeze(folder: Path) -> bool:
    probe = folder / "probe"
    probe.write_text("x")
    try:
        done = subprocess.run(["chattr", "+i", str(probe)], capture_output=True)
        if done.returncode != 0:
            return False
        try:
            probe.write_text("y")
            return False  # not enforced here
        except PermissionError:
            return True
    finally:
        subprocess.run(["chattr", "-i", str(probe)], capture_output=True)
        probe.unlink()


async def test_databases_unwritable_for_a_while_under_check_in_load(tmp_path: Path) -> None:
    if shutil.which("chattr") is None or not can_freeze(tmp_path):
        unavailable("chattr +i on this file system (as root)")
    data = tmp_path / "data"
    with process_stack(data) as ps:
        ids = [f"U{i:05d}" for i in range(OFFICIALS)]
        write_officials(tmp_path / "officials.csv", ids, AGENCY)
        ps.cli("identity", "import", str(tmp_path / "officials.csv"))
        load = CheckInLoad([ps.portal_url], official_tokens(data, ids, AGENCY))
        attendance_db, audit_db = data / "attendance.db", data / "audit.db"

        async def attendance_knows_them() -> bool:
            sql = "SELECT count(*) FROM att_officials WHERE official_id LIKE 'U%'"
            return attendance_db.exists() and scalar(attendance_db, sql) == OFFICIALS

        await until(attendance_knows_them, "attendance to learn the imported officials")
        frozen: list[str] = []

        async def freezer() -> None:
            for n, db in enumerate((attendance_db, audit_db), start=1):
                await until(
                    lambda n=n: _true(len(load.accepted) >= n * OFFICIALS // 4),
                    lambda: f"check-ins to flow ({len(load.accepted)}; {load.answers})",
                    timeout=120,
                )
                # The database and its write-ahead log; not the -shm file SQLite maps into
                # memory: writing a mapped page of an immutable file is SIGBUS (the process
                # dies; `make run` restarts it, docs/operations.md).
                files = [db, Path(f"{db}-wal")]
                immutable(files, True)
                frozen.append(db.name)
                try:
                    await asyncio.sleep(AWAY_S)
                finally:
                    immutable(files, False)

        async with asyncio.timeout(400):
            await asyncio.gather(freezer(), load.run(ids))
        print(f"answers with the databases frozen in turn: {dict(load.answers)}")
        assert frozen == ["attendance.db", "audit.db"]
        assert load.accepted == set(ids), load.answers
        # While a store could not be written the portal said "away, retry" (503 with a Thai
        # reason and Retry-After), never a 500 or 502: nothing had been done.
        assert set(load.answers) <= {"200", "503"}, load.answers

        stored_sql = "SELECT count(*) FROM attendance_days WHERE official_id LIKE 'U%'"
        chained_sql = (
            "SELECT count(*) FROM audit_chain WHERE official_id LIKE 'U%' "
            "AND type LIKE '%.checked_in.v1'"
        )
        subject = f"telework.v1.{AGENCY}.attendance.checked_in"

        async def converged() -> bool:
            return (
                scalar(audit_db, chained_sql) >= OFFICIALS
                and await stream_count(ps, "TELEWORK", subject) >= OFFICIALS
            )

        await until(converged, "the check-ins to be published and chained", timeout=180)
        counts = (
            len(load.accepted),
            scalar(attendance_db, stored_sql),
            await stream_count(ps, "TELEWORK", subject),
            scalar(audit_db, chained_sql),
        )
        assert counts == (OFFICIALS,) * 4, (counts, load.answers)
        assert await stream_count(ps, "TELEWORK_DLQ") == 0
        auditor = ps.cli("token", "issue", "--as", "auditor@onde.example.go.th").stdout.strip()
        verify = ps.cli("audit", "verify", "--token", auditor, check=False)
        assert verify.returncode == 0, verify.stdout + verify.stderr
        for name in ps.procs:
            assert ps.procs[name].poll() is None, f"{name} died:\n{ps.log_tail(name)}"


async def _true(value: bool) -> bool:
    return value
