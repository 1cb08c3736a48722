"""Secrets kept in the data directory when no setting gives them: made once, on first use.

Processes that start together (every service of a stack, replicas of one service) may all find
such a file missing. Each writes its own draft, readable by no one else from the start, and
links it into place, which only the first can do; every process then reads the one that won.
Written in place instead, the last writer would win the file while the first kept its own
secret in memory: a portal refusing every token signed with the file's key (seen as all
check-ins answered 401)."""

import os
import uuid
from collections.abc import Callable
from pathlib import Path


def read_or_make(path: Path, make: Callable[[], bytes]) -> bytes:
    """The file's bytes; when there is no file, `make()`'s, written once (mode 600)."""
    if not path.exists():
        _make(path, make())
    return path.read_bytes()


def _make(path: Path, secret: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(secret)
            f.flush()
            os.fsync(f.fileno())
        os.link(draft, path)
    except FileExistsError:
        pass  # another process made it first: theirs is the secret
    finally:
        draft.unlink(missing_ok=True)
