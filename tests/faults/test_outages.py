"""The engines away under check-in load, with every service on PostgreSQL (issue #21's
outages): PostgreSQL stops as in a crash (`pg_ctl stop -m immediate`) and starts again 8 s
later; then nats-server is killed with SIGKILL and started again 5 s later. While an engine is
away a check-in is refused with 503 (the client sends it again), no service dies, and
afterwards accepted = stored = published = chained, each once, nothing dead-lettered, and
`telework audit verify` holds. (Temporal away: tests/faults/test_kill9.py.)"""

import asyncio
import contextlib
import shutil
import subprocess
import tempfile
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

pytestmark = [pytest.mark.integration, pytest.mark.fault]

OFFICIALS = 400
AGENCY = "ONDE-STRAT"
PG_AWAY_S = 8
NATS_AWAY_S = 5


class Postgres:
    """A PostgreSQL of the test's own (pgserver's binaries, as on a fresh machine), which the
    test stops and starts with pg_ctl."""

    def __init__(self) -> None:
        import pgserver

        self.pgdata = Path(tempfile.mkdtemp(prefix="pg-away-"))
        server = pgserver.get_server(self.pgdata, cleanup_mode=None)
        self.user = server.system_user  # pgserver runs it as another user when we are root
        self.socket_dir = server.get_postmaster_info().socket_dir
        self.url = server.get_uri().replace("postgresql://", "postgresql+asyncpg://", 1)

    def _ctl(self, *args: str) -> None:
        import pgserver

        pgserver.pg_ctl(list(args), pgdata=self.pgdata, user=self.user, timeout=60)

    def crash(self) -> None:
        """As when its machine loses power: no checkpoint, clients cut off mid-transaction."""
        self._ctl("-w", "-m", "immediate", "stop")

    def start(self) -> None:
        log = str(self.pgdata / "log")
        self._ctl("-w", "-o", '-h ""', "-o", f"-k {self.socket_dir}", "-l", log, "start")

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._ctl("-w", "-m", "immediate", "stop")
        shutil.rmtree(self.pgdata, ignore_errors=True)


async def test_postgresql_then_nats_away_under_check_in_load(tmp_path: Path) -> None:
    pg = Postgres()
    data = tmp_path / "data"
    try:
        with process_stack(data, database_url=pg.url) as ps:
            ids = [f"P{i:05d}" for i in range(OFFICIALS)]
            write_officials(tmp_path / "officials.csv", ids, AGENCY)
            ps.cli("identity", "import", str(tmp_path / "officials.csv"))
            await attendance_knows(ps, "P", OFFICIALS)
            load = CheckInLoad([ps.portal_url], official_tokens(data, ids, AGENCY))
            accepted, answers = load.accepted, load.answers

            async def outages() -> None:
                await until(lambda: holds(len(accepted) >= OFFICIALS // 3), "check-ins")
                pg.crash()
                await asyncio.sleep(PG_AWAY_S)
                pg.start()
                await until(lambda: holds(len(accepted) >= 2 * OFFICIALS // 3), "check-ins")
                ps.kill_engine("nats")
                await asyncio.sleep(NATS_AWAY_S)
                ps.start_engine("nats")

            async with asyncio.timeout(300):
                await asyncio.gather(outages(), load.run(ids))
            print(f"answers with PostgreSQL, then NATS away: {dict(answers)}")
            assert accepted == set(ids), answers
            # While an engine was away the portal said "away, retry" (503 with a Thai reason and
            # Retry-After), never a 500 or 502: nothing had been done.
            assert answers["503"] > 0 and set(answers) <= {"200", "503"}, answers

            await every_check_in_once(ps, load, "P", AGENCY, OFFICIALS)
    finally:
        pg.remove()
