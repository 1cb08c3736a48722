"""The platform as production runs it, for the fault suite: nats-server (identities on) and the
Temporal dev server on free ports, every service its own `telework serve` process, each of
which a test can kill with SIGKILL and start again exactly as `make run` restarts it."""

import asyncio
import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import nats

from infra.stack import free_port, port_open, wait_for_port
from services.registry import SERVICES
from services.shared.supervised import supervisor_env


@dataclass
class ProcessStack:
    data_dir: Path
    nats_port: int = field(default_factory=free_port)
    temporal_port: int = field(default_factory=free_port)
    portal_port: int = field(default_factory=free_port)
    # Each process by its key: the service's name for the first replica, `<name>-<n>` for the
    # n-th (a second portal listens on a port of its own).
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    portal_ports: dict[str, int] = field(default_factory=dict)
    health_ports: dict[str, int] = field(default_factory=dict)  # /healthz /readyz /metrics
    kills: dict[str, int] = field(default_factory=dict)
    # Engines run elsewhere (containers: tests/containers): their addresses, and settings for
    # the services such as DATABASE_URL; the local engines are then not started.
    external: dict[str, str] = field(default_factory=dict)
    # Every service on this PostgreSQL (as production runs), each in a schema of this test's own
    # prefix; None: each service its SQLite file, as `make run` starts them.
    database_url: str | None = None
    schema_prefix: str = field(default_factory=lambda: f"fault_{uuid.uuid4().hex[:8]}_")
    _logs: list[IO[bytes]] = field(default_factory=list)

    @property
    def nats_url(self) -> str:
        return self.external.get("NATS_URL", f"nats://127.0.0.1:{self.nats_port}")

    @property
    def portal_url(self) -> str:
        return f"http://127.0.0.1:{self.portal_port}"

    @property
    def env(self) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            # The test's own database or NATS must not leak into the services.
            if k not in ("DATABASE_URL", "NATS_URL", "TEMPORAL_ADDRESS", "TELEWORK_DEMO_LOGIN")
        }
        return {
            **env,
            "TELEWORK_DATA_DIR": str(self.data_dir),
            "NATS_URL": self.nats_url,
            "TEMPORAL_ADDRESS": f"127.0.0.1:{self.temporal_port}",
            "TELEWORK_PORTAL_PORT": str(self.portal_port),
            # A suite killed outright takes its services with it (no orphans on the ports).
            **supervisor_env(),
            **(
                {"DATABASE_URL": self.database_url, "TELEWORK_SCHEMA_PREFIX": self.schema_prefix}
                if self.database_url
                else {}
            ),
            **self.external,
        }

    async def value(self, service: str, sql: str) -> Any:
        """One value read from `service`'s database beside the running services."""
        if self.database_url is None:
            return scalar(self.data_dir / f"{service}.db", sql)
        con = await self._postgresql()
        try:
            await con.execute(f'SET search_path TO "{self.schema_prefix}{service}"')
            return await con.fetchval(sql)
        finally:
            await con.close()

    async def _postgresql(self) -> Any:
        import asyncpg
        from sqlalchemy.engine import make_url

        assert self.database_url is not None
        plain = make_url(self.database_url).set(drivername="postgresql")
        return await asyncpg.connect(plain.render_as_string(hide_password=False))

    async def drop_schemas(self) -> None:
        """This test's schemas, so that a shared PostgreSQL does not fill up run after run."""
        if self.database_url is None:
            return
        con = await self._postgresql()
        try:
            for name in SERVICES:
                await con.execute(f'DROP SCHEMA IF EXISTS "{self.schema_prefix}{name}" CASCADE')
        finally:
            await con.close()

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "services.cli", *args],
            env=self.env,
            capture_output=True,
            text=True,
            check=check,
            timeout=300,
        )

    def start_engines(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self.external:
            return
        # Side by side: neither needs the other, and each start is mostly waiting for a port.
        starting = [self._engine_starter(name) for name in ("nats", "temporal")]
        for proc in starting:
            _finished(proc, 120)

    def start_engine(self, name: str) -> None:
        """As `make up` does, in a process of its own: setting up the streams switches that
        process's NATS identity to admin, which must not leak into the test's. Temporal keeps
        its database file, so a restarted one goes on where it stopped."""
        _finished(self._engine_starter(name), 120)

    def _engine_starter(self, name: str) -> subprocess.Popen[bytes]:
        call = {
            "nats": f"stack.start_nats(d, {self.nats_port})",
            "temporal": f"stack.start_temporal(d, {self.temporal_port}, {free_port()})",
        }[name]
        return subprocess.Popen(
            [
                sys.executable,
                "-c",
                f"import sys; from pathlib import Path; from infra import stack; "
                f"d = Path(sys.argv[1]); {call}",
                str(self.data_dir),
            ]
        )

    def kill_engine(self, name: str) -> None:
        """SIGKILL to NATS or Temporal (their pid files are what `make down` reads too)."""
        pid = int((self.data_dir / "pids" / f"{name}.pid").read_text())
        os.killpg(pid, signal.SIGKILL)
        port = self.nats_port if name == "nats" else self.temporal_port
        deadline = time.monotonic() + 10
        while port_open("127.0.0.1", port) and time.monotonic() < deadline:
            time.sleep(0.05)

    def start(self, name: str, replica: int = 1) -> str:
        """Start one process of service `name`; returns its key in `procs`."""
        key = name if replica == 1 else f"{name}-{replica}"
        env = self.env
        env["TELEWORK_HEALTH_PORT"] = str(self.health_ports.setdefault(key, free_port()))
        if name == "portal":
            port = self.portal_ports.setdefault(
                key, self.portal_port if replica == 1 else free_port()
            )
            env["TELEWORK_PORTAL_PORT"] = str(port)
        log = open(self.data_dir / "logs" / f"{key}.log", "ab")  # noqa: SIM115 (kept open)
        self._logs.append(log)
        self.procs[key] = subprocess.Popen(
            [sys.executable, "-m", "services.cli", "serve", name],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
        )
        if name == "portal":
            wait_for_port("127.0.0.1", self.portal_ports[key], 60, self.procs[key])
        return key

    def kill9(self, key: str) -> None:
        """SIGKILL: no handler runs, nothing is flushed, as when the machine loses power."""
        proc = self.procs[key]
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        self.kills[key] = self.kills.get(key, 0) + 1

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
        for proc in self.procs.values():
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
        self._kill_engines()
        for log in self._logs:
            log.close()
        if self.database_url:
            # stop() runs inside the test's event loop, which asyncio.run cannot share. A
            # database left away by a failed test must not hide that test's own failure.
            with ThreadPoolExecutor(1) as thread, contextlib.suppress(Exception):
                thread.submit(asyncio.run, self.drop_schemas()).result(timeout=60)

    def _kill_engines(self) -> None:
        """A test's engines and their data are thrown away: SIGKILL, where `make down`'s
        SIGTERM waits seconds for Temporal to close its database cleanly."""
        for pidfile in (self.data_dir / "pids").glob("*.pid"):
            with contextlib.suppress(OSError, ValueError):  # already gone, or never written
                os.killpg(int(pidfile.read_text()), signal.SIGKILL)
            pidfile.unlink(missing_ok=True)

    def log_tail(self, name: str, lines: int = 30) -> str:
        text = (self.data_dir / "logs" / f"{name}.log").read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:])


@contextmanager
def process_stack(
    data_dir: Path,
    services: tuple[str, ...] = tuple(SERVICES),
    *,
    replicas: int = 1,
    external: dict[str, str] | None = None,
    database_url: str | None = None,
) -> Iterator[ProcessStack]:
    """The engines (unless `external` names them), schemas (on `database_url`'s PostgreSQL if
    given), the demo agency and `replicas` processes of each of `services` running; all stopped
    afterwards."""
    ps = ProcessStack(data_dir, external=external or {}, database_url=database_url)
    try:
        ps.start_engines()
        ps.cli("db", "upgrade")
        ps.cli("identity", "seed-demo")
        for replica in range(1, replicas + 1):
            for name in services:
                ps.start(name, replica)
        yield ps
    finally:
        ps.stop()


def write_officials(path: Path, ids: list[str], agency: str) -> None:
    """An HR export of officials `ids` of `agency`, in an eligible position."""
    rows = ["official_id,agency_code,position_code,name_th,name_en,email,citizen_id,lang"]
    rows += [
        f"{i},{agency},PLAN,ทดสอบ {i},Test {i},{i.lower()}@onde.example.go.th,,th" for i in ids
    ]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")


def scalar(db: Path, sql: str) -> Any:
    """One value read from a service's SQLite file, beside the writing services: short-lived,
    waits on their locks."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30) as con:
        return con.execute(sql).fetchone()[0]


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


async def holds(value: bool) -> bool:
    """A condition already computed, for `until`."""
    return value


async def attendance_knows(ps: ProcessStack, prefix: str, count: int) -> None:
    """Wait until attendance learned the officials just imported (identity's events)."""
    sql = f"SELECT count(*) FROM att_officials WHERE official_id LIKE '{prefix}%'"

    async def known() -> bool:
        try:
            return bool(await ps.value("attendance", sql) == count)
        except Exception:  # its database or tables not made yet
            return False

    await until(known, "attendance to learn the imported officials")


async def every_check_in_once(
    ps: ProcessStack, load: "CheckInLoad", prefix: str, agency: str, count: int
) -> None:
    """How every fault test under check-in load ends: accepted = stored = published = chained,
    each once; nothing dead-lettered; `telework audit verify` holds (chain and completeness);
    no service died."""
    stored_sql = (
        f"SELECT count(*) FROM attendance_days WHERE official_id LIKE '{prefix}%' "
        f"AND agency_code = '{agency}'"
    )
    chained_sql = (
        f"SELECT count(*) FROM audit_chain WHERE official_id LIKE '{prefix}%' "
        "AND type LIKE '%.checked_in.v1'"
    )
    subject = f"telework.v1.{agency}.attendance.checked_in"

    async def converged() -> bool:
        return (
            await ps.value("audit", chained_sql) >= count
            and await stream_count(ps, "TELEWORK", subject) >= count
        )

    await until(converged, "the check-ins to be published and chained")
    counts = (
        len(load.accepted),
        await ps.value("attendance", stored_sql),
        await stream_count(ps, "TELEWORK", subject),
        await ps.value("audit", chained_sql),
    )
    assert counts == (count,) * 4, (counts, load.answers)
    assert await stream_count(ps, "TELEWORK_DLQ") == 0
    auditor = ps.cli("token", "issue", "--as", "auditor@onde.example.go.th").stdout.strip()
    verify = ps.cli("audit", "verify", "--token", auditor, check=False)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    for key, proc in ps.procs.items():
        assert proc.poll() is None, f"{key} died:\n{ps.log_tail(key)}"


def official_tokens(data_dir: Path, ids: list[str], agency: str) -> dict[str, str]:
    """Sign-in tokens of officials `ids`, from the installation's development issuer."""
    from services.shared.auth import DevIssuer
    from services.shared.authz import Actor, Grant, Role

    issuer = DevIssuer.load_or_create(data_dir / "dev-issuer.pem")
    return {
        i: issuer.issue(
            Actor(i, (Grant(Role.OFFICIAL, agency),), f"{i.lower()}@onde.example.go.th")
        )
        for i in ids
    }


@dataclass
class CheckInLoad:
    """Officials checking in as the portal's own pages do: a failed check-in is sent again with
    the same idempotency key until it is accepted; a portal that does not answer, the next one
    is tried (as behind a load balancer)."""

    portals: list[str]
    tokens: dict[str, str]
    accepted: set[str] = field(default_factory=set)
    answers: "Counter[str]" = field(default_factory=Counter)

    async def official(self, queue: "asyncio.Queue[str]", first_portal: int = 0) -> None:
        import httpx

        n = first_portal
        async with httpx.AsyncClient(timeout=15) as client:
            while not queue.empty():
                oid = queue.get_nowait()
                key = uuid.uuid4().hex  # one per check-in, kept across its retries
                while True:
                    try:
                        r = await client.post(
                            f"{self.portals[n % len(self.portals)]}/api/attendance/check-in",
                            json={"idempotency_key": key},
                            headers={"Authorization": f"Bearer {self.tokens[oid]}"},
                        )
                        self.answers[str(r.status_code)] += 1
                        if r.status_code == 200:
                            self.accepted.add(oid)
                            break
                    except httpx.TransportError as exc:
                        self.answers[type(exc).__name__] += 1
                        n += 1
                    await asyncio.sleep(0.2)

    async def run(self, ids: list[str], clients: int = 12) -> None:
        queue: asyncio.Queue[str] = asyncio.Queue()
        for i in ids:
            queue.put_nowait(i)
        await asyncio.gather(*(self.official(queue, n) for n in range(clients)))


def _finished(proc: subprocess.Popen[bytes], timeout: float) -> None:
    try:
        code = proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    if code:
        raise subprocess.CalledProcessError(code, proc.args)
