"""The hash chain, pure: canonical JSON, links, and finding the first thing that is wrong.

Canonical JSON (docs/audit.md): object keys sorted by Unicode code point, separators ","
and ":" with no whitespace, strings as UTF-8 without \\u escapes except those JSON requires,
integers in decimal, no NaN or infinity. link = SHA-256(previous link ‖ canonical bytes); the
first record's previous link is 32 zero bytes.
"""

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

GENESIS = bytes(32)


def canonical(event: dict[str, Any]) -> bytes:
    return json.dumps(
        event, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def link(previous: bytes, canonical_bytes: bytes) -> bytes:
    return hashlib.sha256(previous + canonical_bytes).digest()


@dataclass(frozen=True)
class Record:
    position: int
    canonical: bytes
    hash: bytes
    prev_hash: bytes


@dataclass(frozen=True)
class Problem:
    position: int
    kind: str  # content_changed | record_missing | record_inserted | order_changed | bad_signature
    detail: str


def first_problem(
    records: Iterable[Record], start_prev: bytes = GENESIS, start_position: int = 1
) -> tuple[Problem | None, int, bytes]:
    """Walk the chain from `start_position`; returns (first problem, records checked, last
    link). The records must come in position order."""
    expected_pos = start_position
    prev = start_prev
    recent: dict[bytes, int] = {start_prev: start_position - 1}
    checked = 0
    for r in records:
        if r.position != expected_pos:
            return (
                Problem(
                    expected_pos,
                    "record_missing",
                    f"position {expected_pos} is absent (next present: {r.position})",
                ),
                checked,
                prev,
            )
        if link(r.prev_hash, r.canonical) != r.hash:
            return (
                Problem(
                    r.position, "content_changed", "the record's content does not match its link"
                ),
                checked,
                prev,
            )
        if r.prev_hash != prev:
            where = recent.get(r.prev_hash)
            if where is not None and where == expected_pos - 2:
                return (
                    Problem(
                        r.position - 1,
                        "record_inserted",
                        f"position {r.position - 1} was not in the chain: position "
                        f"{r.position} follows {where} directly",
                    ),
                    checked,
                    prev,
                )
            return (
                Problem(
                    r.position, "order_changed", "the record does not follow the one before it"
                ),
                checked,
                prev,
            )
        recent[r.hash] = r.position
        if len(recent) > 4:
            recent.pop(next(iter(recent)))
        prev = r.hash
        expected_pos += 1
        checked += 1
    return None, checked, prev


def fast_check(
    rows: Iterable[tuple[int, bytes, bytes, bytes]], prev: bytes, expected_pos: int
) -> tuple[bool, int, bytes]:
    """The common case, fast: every record follows the previous one and its link matches.
    Rows are (position, canonical, link, previous link). Returns (all held, records that held,
    last link); on the first doubt the caller hands the same records to `first_problem`,
    which names what is wrong."""
    sha = hashlib.sha256
    n = 0
    for position, data, digest, prev_hash in rows:
        if position != expected_pos or prev_hash != prev:
            return False, n, prev
        if sha(prev + data).digest() != digest:
            return False, n, prev
        prev = digest
        expected_pos += 1
        n += 1
    return True, n, prev
