#!/usr/bin/env python3
"""Verify a telework audit export bundle offline.

Needs only Python 3.9+ and the `cryptography` package. Usage:

    python verify_bundle.py BUNDLE_DIR

Checks that every event's link is SHA-256(previous link || canonical JSON of the event), that
positions run without gaps, and that every checkpoint is signed by the bundled public key and
matches the chain. Exit 0 when all holds; exit 1 naming the first broken position.
Canonical JSON: keys sorted, separators "," and ":", UTF-8 without escaping non-ASCII.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key


def canonical(event: object) -> bytes:
    return json.dumps(
        event, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def fail(position: int, reason: str) -> int:
    print(f"BROKEN at position {position}: {reason}")
    return 1


def main(where: str) -> int:
    folder = Path(where)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    public = load_pem_public_key((folder / "public_key.pem").read_bytes())
    if not isinstance(public, Ed25519PublicKey):
        print("public_key.pem is not an Ed25519 key")
        return 1
    prev = bytes.fromhex(manifest["start_prev_hash"])
    expected = manifest["start_position"]
    links: dict[int, str] = {}
    with (folder / "events.jsonl").open(encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            if rec["position"] != expected:
                return fail(expected, "record missing")
            digest = hashlib.sha256(prev + canonical(rec["event"])).digest()
            if digest.hex() != rec["hash"]:
                return fail(rec["position"], "content changed or order changed")
            links[rec["position"]] = rec["hash"]
            prev = digest
            expected += 1
    if expected - manifest["start_position"] != manifest["count"]:
        return fail(expected, "bundle holds fewer records than its manifest says")
    for cp in json.loads((folder / "checkpoints.json").read_text(encoding="utf-8")):
        message = json.dumps(
            {"position": cp["position"], "hash": cp["hash"], "signed_at": cp["signed_at"]},
            sort_keys=True,
            separators=(",", ":"),
        ).encode()
        try:
            public.verify(bytes.fromhex(cp["signature"]), message)
        except InvalidSignature:
            return fail(cp["position"], "bad checkpoint signature")
        if cp["position"] in links and links[cp["position"]] != cp["hash"]:
            return fail(cp["position"], "chain differs from its signed checkpoint")
    print(
        f"OK: {manifest['count']} events, {expected - 1} is the last position, checkpoints verified"
    )
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__)
        sys.exit(2)
    sys.exit(main(sys.argv[1]))
