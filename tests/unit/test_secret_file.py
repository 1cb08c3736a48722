"""Secrets made on first use are made once, however many processes start together (every
service of a stack loads the token key at start): before, each could make its own, and the
portal then refused every token signed with the key left in the file (all check-ins 401 in a
kill -9 test run). `services/shared/secret_file.py`."""

import multiprocessing
import stat
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from services.shared.auth import load_or_create_key


def _public_pem(path: Path) -> bytes:
    return (
        load_or_create_key(path)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )


def _start_together(
    path: str, barrier: "multiprocessing.synchronize.Barrier", out: "multiprocessing.Queue[bytes]"
) -> None:
    barrier.wait()
    out.put(_public_pem(Path(path)))


def test_processes_starting_together_all_hold_the_key_in_the_file(tmp_path: Path) -> None:
    path = tmp_path / "data" / "dev-issuer.pem"
    ctx = multiprocessing.get_context("spawn")
    n = 8
    barrier = ctx.Barrier(n)
    out: multiprocessing.Queue[bytes] = ctx.Queue()
    procs = [ctx.Process(target=_start_together, args=(str(path), barrier, out)) for _ in range(n)]
    for p in procs:
        p.start()
    keys = [out.get(timeout=30) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    assert len(set(keys)) == 1
    assert keys[0] == _public_pem(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [f.name for f in path.parent.iterdir()] == ["dev-issuer.pem"]  # no drafts left


def test_a_key_made_once_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "k.pem"
    assert _public_pem(path) == _public_pem(path)
