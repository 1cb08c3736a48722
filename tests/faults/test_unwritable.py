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
    attendance_knows,
    every_check_in_once,
    holds,
    official_tokens,
    process_stack,
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

        await attendance_knows(ps, "U", OFFICIALS)
        frozen: list[str] = []

        async def freezer() -> None:
            for n, db in enumerate((attendance_db, audit_db), start=1):
                await until(
                    lambda n=n: holds(len(load.accepted) >= n * OFFICIALS // 4),
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

        await every_check_in_once(ps, load, "U", AGENCY, OFFICIALS)
