"""A service started by a supervisor stops when the supervisor is killed outright (kill -9), and
one whose supervisor is already gone does not start."""

import os
import signal
import subprocess
import sys
import time

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl is Linux's")

# The service: asks for its parent's death, says it is ready, then waits as a service would.
SERVICE = (
    "import sys, time; from services.shared.supervised import die_with_parent; "
    "print(die_with_parent(), flush=True); time.sleep(60)"
)
# The supervisor: starts the service with its own pid named, prints the service's pid, waits.
SUPERVISOR = (
    "import os, subprocess, sys, time\n"
    "from services.shared.supervised import supervisor_env\n"
    "p = subprocess.Popen([sys.executable, '-c', sys.argv[1]], stdout=subprocess.PIPE,\n"
    "                     env={**os.environ, **supervisor_env()})\n"
    "ready = p.stdout.readline().decode().strip()\n"
    "print(p.pid, ready, flush=True)\n"
    "time.sleep(60)\n"
)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead for our purpose; its parent (init, after the kill) reaps it.
    with open(f"/proc/{pid}/stat") as f:
        return f.read().split(")")[-1].split()[0] != "Z"


def test_a_service_stops_when_its_supervisor_is_killed() -> None:
    sup = subprocess.Popen(
        [sys.executable, "-c", SUPERVISOR, SERVICE], stdout=subprocess.PIPE, text=True
    )
    assert sup.stdout is not None
    pid_text, arranged = sup.stdout.readline().split()
    service = int(pid_text)
    assert arranged == "True"
    assert _alive(service)
    sup.send_signal(signal.SIGKILL)
    sup.wait()
    deadline = time.monotonic() + 10
    while _alive(service) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(service), "the service outlived its supervisor"


def test_a_service_whose_supervisor_has_gone_does_not_start() -> None:
    # A pid that is not our parent: the supervisor died before the service could ask.
    env = {**os.environ, "TELEWORK_PARENT_PID": "1"}
    run = subprocess.run(
        [sys.executable, "-c", SERVICE], env=env, capture_output=True, text=True, timeout=30
    )
    assert run.returncode == 1
    assert "has gone" in run.stderr


def test_without_a_supervisor_nothing_is_arranged() -> None:
    env = {k: v for k, v in os.environ.items() if k != "TELEWORK_PARENT_PID"}
    code = "from services.shared.supervised import die_with_parent; print(die_with_parent())"
    run = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=30
    )
    assert run.stdout.strip() == "False"
