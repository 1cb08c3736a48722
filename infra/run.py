"""`make run`: the embedded stack, every service as its own process with prefixed logs, and the
addresses to open. Ctrl-C stops all of it, the stack included when this run started it."""

import os
import shlex
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO

from infra import stack
from services.shared.settings import Portal, Stack
from services.shared.supervised import supervisor_env

PORTAL_PORT = Portal().port
PORTAL_WAIT = 120.0  # seconds; a first start on a slow machine compiles and migrates
COLOURS = ["36", "33", "35", "32", "34", "31"]


class StopFlag:
    """Set from a signal handler, read by the main loop; no lock to deadlock on."""

    def __init__(self) -> None:
        self._set = False

    def set(self, *_: object) -> None:
        self._set = True

    def is_set(self) -> bool:
        return self._set


def _pump(prefix: str, stream: IO[bytes]) -> None:
    for raw in iter(stream.readline, b""):
        sys.stdout.write(f"{prefix} {raw.decode(errors='replace')}")
        sys.stdout.flush()


def restart_pause(deaths_in_the_last_minute: int) -> float:
    """Seconds before a dead service is started again: none for the first few deaths of a
    minute, then 2, 4, 8 … up to 60."""
    extra = deaths_in_the_last_minute - 5
    return 0.0 if extra <= 0 else float(min(60, 2**extra))


def _portal_answers(portal: subprocess.Popen[bytes], stopping: StopFlag) -> bool:
    """Waits up to two minutes for the portal's port; False if it died, we are stopping, or it
    is still not listening."""
    try:
        stack.wait_for_port("127.0.0.1", PORTAL_PORT, PORTAL_WAIT, portal, stopping.is_set)
    except stack.StackError:
        return False
    return True


def token_command(data_dir: Path) -> str:
    """The command that issues a token against this run's data (its signing key and officials):
    with a data directory other than the default, a plain `telework token issue` would read
    another (empty) one and answer that nobody has the e-mail."""
    command = ".venv/bin/telework token issue --as hr@onde.example.go.th"
    if data_dir.resolve() == Stack().data_dir.resolve():
        return command
    return f"TELEWORK_DATA_DIR={shlex.quote(str(data_dir))} {command}"


def run_all(data_dir: Path) -> int:
    from services.registry import SERVICES

    data_dir.mkdir(parents=True, exist_ok=True)
    for line in stack.up(data_dir):
        print(line)
    # Demo mode, said out loud: the password form ("demo") exists only here.
    env = {"TELEWORK_DEMO_LOGIN": "1", **os.environ, "TELEWORK_DATA_DIR": str(data_dir)}
    env.update(supervisor_env())  # our services stop with us, even when we are killed
    demo = env["TELEWORK_DEMO_LOGIN"] == "1"
    python = sys.executable
    subprocess.run([python, "-m", "services.cli", "db", "upgrade"], check=True, env=env)
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

    def spawn(i: int, name: str) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(
            [python, "-m", "services.cli", "serve", name],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=env,
        )
        prefix = f"\033[{COLOURS[i % len(COLOURS)]}m{name:<{width}} |\033[0m"
        threading.Thread(target=_pump, args=(prefix, proc.stdout), daemon=True).start()
        return proc

    services = [spawn(i, name) for i, name in enumerate(SERVICES)]
    # A flag, not a threading.Event: a handler that set an Event while the main thread waited
    # on it deadlocked on the Event's own lock (Ctrl-C hung `make run` with every service
    # already stopped). Both signals, explicitly: a background process inherits an ignored
    # SIGINT.
    stopping = StopFlag()
    signal.signal(signal.SIGTERM, stopping.set)
    signal.signal(signal.SIGINT, stopping.set)
    # The addresses are printed once the portal answers: a newcomer who opens the link at
    # once must not meet "connection refused" while the services are still starting.
    answered = _portal_answers(services[list(SERVICES).index("portal")], stopping)
    if not answered and not stopping.is_set():
        print(
            "\nพอร์ทัลยังไม่ตอบ / the portal does not answer yet; "
            f"its log: {data_dir}/logs or the lines above",
            flush=True,
        )
    print(
        "\nระบบพร้อมใช้งาน / The platform is up:\n"
        f"  Portal (web UI)   http://127.0.0.1:{PORTAL_PORT}   API docs /docs\n"
        f"  Temporal Web UI   http://127.0.0.1:{stack.TEMPORAL_UI_PORT} (operators only)\n"
        f"  NATS (JetStream)  nats://{stack.NATS.host}:{stack.NATS.port}\n"
        f"  Services          {', '.join(SERVICES)}\n"
        f"  Data and logs     {data_dir}\n"
        + (
            "  โหมดสาธิต / DEMO MODE: password sign-in is on (TELEWORK_DEMO_LOGIN=1); never in\n"
            "    production. Demo accounts (password: demo): official1@, official3@, official4@,\n"
            "    supervisor1@, supervisor2@, deputy@ (acting head this month), head@, hr@,\n"
            "    itsupport@, auditor@ — all @onde.example.go.th\n"
            if demo
            else "  Password sign-in is off (TELEWORK_DEMO_LOGIN=0).\n"
        )
        + f"  A token for API use: {token_command(data_dir)}\n"
        "กด Ctrl-C เพื่อหยุด / Press Ctrl-C to stop.\n",
        flush=True,
    )
    # A service that dies is named and restarted at once; one that keeps dying (more than
    # five times a minute: its database frozen, say, whose mapped -shm file kills it with
    # SIGBUS) is restarted after growing pauses, up to a minute, and said so once per change —
    # never the whole run stopped for one service (issue #21, item 10).
    deaths: dict[str, list[float]] = {name: [] for name in SERVICES}
    due: dict[str, float] = {}
    try:
        while not stopping.is_set():
            time.sleep(0.5)
            for i, name in enumerate(SERVICES):
                code = services[i].poll()
                if code is None or stopping.is_set():
                    continue
                now = time.monotonic()
                if name not in due:
                    deaths[name] = [t for t in deaths[name] if now - t < 60] + [now]
                    pause = restart_pause(len(deaths[name]))
                    due[name] = now + pause
                    print(
                        f"\nบริการ {name} หยุดทำงาน / service {name} exited with status {code}; "
                        + (
                            f"restarting in {pause:.0f} s (it keeps dying; see {data_dir}/logs)"
                            if pause
                            else "restarting"
                        ),
                        flush=True,
                    )
                if now >= due[name]:
                    del due[name]
                    services[i] = spawn(i, name)
    except KeyboardInterrupt:
        pass
    print("\nกำลังหยุด / stopping…", flush=True)
    procs += services
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
