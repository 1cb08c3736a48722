"""`make run`: the embedded stack, every service as its own process with prefixed logs, and the
addresses to open. Ctrl-C stops all of it, the stack included when this run started it."""

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO

from infra import stack

PORTAL_PORT = int(os.environ.get("TELEWORK_PORTAL_PORT", "8000"))
COLOURS = ["36", "33", "35", "32", "34", "31"]


def _pump(prefix: str, stream: IO[bytes]) -> None:
    for raw in iter(stream.readline, b""):
        sys.stdout.write(f"{prefix} {raw.decode(errors='replace')}")
        sys.stdout.flush()


def run_all(data_dir: Path) -> int:
    from services.registry import SERVICES

    data_dir.mkdir(parents=True, exist_ok=True)
    for line in stack.up(data_dir):
        print(line)
    env = {**os.environ, "TELEWORK_DATA_DIR": str(data_dir)}
    python = sys.executable
    subprocess.run([python, "-m", "services.cli", "db", "init"], check=True, env=env)
    subprocess.run([python, "-m", "services.cli", "identity", "seed-demo"], check=True, env=env)
    procs: list[subprocess.Popen[bytes]] = []
    if not stack.port_open("127.0.0.1", 1025):
        # A local mail sink so notifications are delivered in the demo (mails are discarded,
        # never printed: they hold names).
        procs.append(
            subprocess.Popen(
                [
                    python,
                    "-m",
                    "aiosmtpd",
                    "-n",
                    "-l",
                    "127.0.0.1:1025",
                    "-c",
                    "aiosmtpd.handlers.Sink",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
    width = max(len(n) for n in SERVICES)
    for i, name in enumerate(SERVICES):
        proc = subprocess.Popen(
            [python, "-m", "services.cli", "serve", name],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=env,
        )
        prefix = f"\033[{COLOURS[i % len(COLOURS)]}m{name:<{width}} |\033[0m"
        threading.Thread(target=_pump, args=(prefix, proc.stdout), daemon=True).start()
        procs.append(proc)
    print(
        "\nระบบพร้อมใช้งาน / The platform is up:\n"
        f"  Portal (web UI)   http://127.0.0.1:{PORTAL_PORT}   API docs /docs\n"
        f"  Temporal Web UI   http://127.0.0.1:{stack.TEMPORAL_UI_PORT}\n"
        f"  NATS (JetStream)  nats://{stack.NATS.host}:{stack.NATS.port}\n"
        f"  Services          {', '.join(SERVICES)}\n"
        f"  Data and logs     {data_dir}\n"
        "  Demo accounts (password: demo): official1@, official3@, official4@, supervisor1@,\n"
        "    supervisor2@, deputy@ (acting head this month), head@, hr@, itsupport@, auditor@\n"
        "    — all @onde.example.go.th\n"
        "  A token for API use: .venv/bin/telework token issue --as hr@onde.example.go.th\n"
        "กด Ctrl-C เพื่อหยุด / Press Ctrl-C to stop.\n",
        flush=True,
    )
    stopping = threading.Event()
    # Both, explicitly: a process started in the background inherits an ignored SIGINT.
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    try:
        while not stopping.is_set() and all(p.poll() is None for p in procs):
            stopping.wait(0.5)
    except KeyboardInterrupt:
        pass
    print("\nกำลังหยุด / stopping…", flush=True)
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGINT)
    for p in procs:
        try:
            p.wait(timeout=15)
        except subprocess.TimeoutExpired:
            p.kill()
    for line in stack.down(data_dir):
        print(line)
    failed = [p for p in procs if p.returncode not in (0, -signal.SIGINT, 130)]
    return 1 if failed and not stopping.is_set() else 0
