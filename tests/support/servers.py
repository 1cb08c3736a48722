"""Real servers for tests: the ones already listening when there are any, our own otherwise.

Under CI=true a service that can be neither found nor started is a failure, never a skip.
"""

import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from infra.stack import free_port, nats_server_binary, port_open, wait_for_port

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def unavailable(what: str) -> None:
    """A missing service: fails under CI, skips (loudly, with the reason) on a laptop."""
    if IN_CI:
        pytest.fail(f"{what} is not available, and CI=true forbids skipping", pytrace=False)
    pytest.skip(f"{what} is not available")


@dataclass
class NatsServer:
    """A private nats-server the test owns: it can stop it and start it again on the same
    port and store, which is how the 'NATS down' tests cut the relay off."""

    port: int = field(default_factory=free_port)
    store: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="nats-")))
    config: Path | None = None
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self) -> "NatsServer":
        args = [
            nats_server_binary(),
            "-a",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-js",
            "-sd",
            str(self.store),
        ]
        if self.config is not None:
            args = [nats_server_binary(), "-c", str(self.config), "-p", str(self.port)]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port("127.0.0.1", self.port, 15, self.proc)
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        self.proc = None
        # The port must be closed before a test goes on believing NATS is down.
        deadline = time.monotonic() + 5
        while port_open("127.0.0.1", self.port) and time.monotonic() < deadline:
            time.sleep(0.05)

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.store, ignore_errors=True)


def shared_nats_url() -> str | None:
    url = os.environ.get("NATS_URL")
    if url:
        return url
    if port_open("127.0.0.1", 4222):
        return "nats://127.0.0.1:4222"
    return None


def postgres_admin_url() -> tuple[str | None, object | None, str]:
    """(asyncpg URL of a database we may create schemas in, handle to stop if we started it,
    why there is none)."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgresql", "postgres")):
        from services.shared.settings import async_database_url

        return async_database_url(url), None, ""
    if port_open("127.0.0.1", 5432):
        return "postgresql+asyncpg://postgres@127.0.0.1:5432/test", None, ""
    # A fresh machine with only Python: PostgreSQL binaries from PyPI (docs/decisions). Its
    # failure is said, never swallowed: a suite that quietly lost its PostgreSQL half looked
    # green on a fresh machine (issue #15). One retry: a first start can lose a race for its
    # port or shared memory.
    why = ""
    for _ in range(2):
        try:
            import pgserver

            server = pgserver.get_server(tempfile.mkdtemp(prefix="pg-"), cleanup_mode="stop")
            uri = server.get_uri()
            return uri.replace("postgresql://", "postgresql+asyncpg://", 1), server, ""
        except Exception as exc:
            why = f"pgserver failed: {type(exc).__name__}: {exc}"
    return None, None, why


def nats_with_identities(folder: Path, seeds: Path) -> NatsServer:
    """A private nats-server configured as `make run` starts it (issue #13): an NKEY identity
    per component, least privilege, anonymous refused. Seeds are written to `seeds`."""
    from infra.nats import identities
    from infra.nats.accounts import render_config

    server = NatsServer(store=folder / "js")
    conf = folder / "nats.conf"
    conf.write_text(
        render_config(
            port=server.port,
            store_dir=str(server.store),
            subscribers=[],
            service_keys=identities.ensure_seeds(seeds),
        )
    )
    server.config = conf
    return server.start()


async def make_streams(url: str, seed: Path | None = None) -> None:
    """The platform's streams on `url`, as an operator makes them before any service runs (as
    `seed`'s identity when the server has identities). A stream another process created
    meanwhile (pytest-xdist's other process on the shared NATS) is looked at again."""
    import nats
    from nats.js.errors import BadRequestError

    from services.shared.jetstream import ensure_streams

    nc = await nats.connect(url, **({"nkeys_seed": str(seed)} if seed is not None else {}))
    try:
        for attempt in range(3):
            try:
                await ensure_streams(nc.jetstream())
                return
            except BadRequestError:
                if attempt == 2:
                    raise
    finally:
        await nc.close()


async def streams_as_admin(server: NatsServer, seeds: Path) -> None:
    """Create the streams as the admin identity: services may not (issue #13)."""
    await make_streams(server.url, seeds / "admin.nk")


def start_cluster(data: Path, clients: list[int], routes: list[int]) -> None:
    """Three local nats-server processes (PyPI's) with routes and R3 streams, identities on.
    In a process of its own: setting up the streams switches to the admin identity."""
    import subprocess
    import sys

    subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, json; from pathlib import Path; from infra import stack; "
            "a = json.loads(sys.argv[2]); "
            "stack.start_nats_cluster(Path(sys.argv[1]), a[0], a[1], replicas=3)",
            str(data),
            f"[{clients}, {routes}]",
        ],
        check=True,
        timeout=120,
    )
