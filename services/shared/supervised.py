"""A service process started by a supervisor (`telework run`, the test suite's process stack)
stops when that supervisor dies, even by kill -9.

Without this, a supervisor killed outright left every service running as an orphan: the portal
kept its port, so the next `make run` could not serve, and the orphans went on consuming and
relaying beside the new processes. The supervisor names itself in TELEWORK_PARENT_PID; the
service asks Linux for SIGTERM when its parent goes (PR_SET_PDEATHSIG), so it drains as on any
stop. Under Kubernetes, compose or systemd the variable is unset and nothing changes.
"""

import ctypes
import os
import signal
import sys

from services.shared.settings import Operations

PARENT_ENV = "TELEWORK_PARENT_PID"
_PR_SET_PDEATHSIG = 1


def supervisor_env() -> dict[str, str]:
    """What a supervisor adds to a service's environment."""
    return {PARENT_ENV: str(os.getpid())}


def die_with_parent() -> bool:
    """Arrange SIGTERM on the supervisor's death; True when arranged. Exits at once when the
    supervisor is already gone (it died between starting us and this call: the signal is only
    sent for a death after the request)."""
    expected = Operations().parent_pid
    if expected is None or not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
        return False
    if os.getppid() != expected:
        raise SystemExit("the process that started this service has gone; stopping")
    return True
