"""The platform as production runs it, for the fault suite: nats-server (identities on) and the
Temporal dev server on free ports, every service its own `telework serve` process, each of
which a test can kill with SIGKILL and start again exactly as `make run` restarts it."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from infra import stack
from infra.stack import free_port, port_open, wait_for_port
from services.registry import SERVICES


@dataclass
class ProcessStack:
    data_dir: Path
    nats_port: int = field(default_factory=free_port)
    temporal_port: int = field(default_factory=free_port)
    portal_port: int = field(default_factory=free_port)
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    kills: dict[str, int] = field(default_factory=dict)
    _logs: list[IO[bytes]] = field(default_factory=list)

    @property
    def nats_url(self) -> str:
        return f"nats://127.0.0.1:{self.nats_port}"

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
        }

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
        self.start_engine("nats")
        self.start_engine("temporal")

    def start_engine(self, name: str) -> None:
        """As `make up` does, in a process of its own: setting up the streams switches that
        process's NATS identity to admin, which must not leak into the test's. Temporal keeps
        its database file, so a restarted one goes on where it stopped."""
        call = {
            "nats": f"stack.start_nats(d, {self.nats_port})",
            "temporal": f"stack.start_temporal(d, {self.temporal_port}, {free_port()})",
        }[name]
        subprocess.run(
            [
                sys.executable,
                "-c",
                f"import sys; from pathlib import Path; from infra import stack; "
                f"d = Path(sys.argv[1]); {call}",
                str(self.data_dir),
            ],
            check=True,
            timeout=120,
        )

    def kill_engine(self, name: str) -> None:
        """SIGKILL to NATS or Temporal (their pid files are what `make down` reads too)."""
        pid = int((self.data_dir / "pids" / f"{name}.pid").read_text())
        os.killpg(pid, signal.SIGKILL)
        port = self.nats_port if name == "nats" else self.temporal_port
        deadline = time.monotonic() + 10
        while port_open("127.0.0.1", port) and time.monotonic() < deadline:
            time.sleep(0.05)

    def start(self, name: str) -> None:
        log = open(self.data_dir / "logs" / f"{name}.log", "ab")  # noqa: SIM115 (kept open)
        self._logs.append(log)
        self.procs[name] = subprocess.Popen(
            [sys.executable, "-m", "services.cli", "serve", name],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=self.env,
        )
        if name == "portal":
            wait_for_port("127.0.0.1", self.portal_port, 60, self.procs[name])

    def kill9(self, name: str) -> None:
        """SIGKILL: no handler runs, nothing is flushed, as when the machine loses power."""
        proc = self.procs[name]
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        self.kills[name] = self.kills.get(name, 0) + 1

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
        for proc in self.procs.values():
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
        stack.down(self.data_dir)
        for log in self._logs:
            log.close()

    def log_tail(self, name: str, lines: int = 30) -> str:
        text = (self.data_dir / "logs" / f"{name}.log").read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:])


@contextmanager
def process_stack(
    data_dir: Path, services: tuple[str, ...] = tuple(SERVICES)
) -> Iterator[ProcessStack]:
    """The engines, schemas, the demo agency and `services` running; all stopped afterwards."""
    ps = ProcessStack(data_dir)
    try:
        ps.start_engines()
        ps.cli("db", "init")
        ps.cli("identity", "seed-demo")
        for name in services:
            ps.start(name)
        yield ps
    finally:
        ps.stop()
