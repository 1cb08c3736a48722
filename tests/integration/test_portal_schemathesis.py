"""Schemathesis against the portal's OpenAPI: generated requests, without a token and with
the tokens of several roles, never get a 5xx (issue #9).

`SCHEMATHESIS_EXAMPLES` (15 by default) sets the depth and `SCHEMATHESIS_SEED` replays a run
that found something (`SCHEMATHESIS_EXAMPLES=100 .venv/bin/pytest
tests/integration/test_portal_schemathesis.py` before a release)."""

import asyncio
import os
import sys
from pathlib import Path

import httpx
import pytest

from tests.support.stack import Stack

pytestmark = pytest.mark.integration


async def test_no_5xx_for_any_generated_request(stack: Stack) -> None:
    # An official's and HR's routes differ most: each role reaches handlers the
    # others are refused before.
    tokens = []
    async with httpx.AsyncClient(base_url=stack.url) as c:
        for who in ("official1", "hr"):
            reply = await c.post(
                "/api/login", json={"email": f"{who}@onde.example.go.th", "password": "demo"}
            )
            tokens.append(reply.json()["token"])
    schemathesis = Path(sys.executable).parent / "schemathesis"
    seed = ["--seed", os.environ["SCHEMATHESIS_SEED"]] if "SCHEMATHESIS_SEED" in os.environ else []
    for headers in ([], *(["-H", f"Authorization: Bearer {t}"] for t in tokens)):
        proc = await asyncio.create_subprocess_exec(
            str(schemathesis),
            "run",
            f"{stack.url}/openapi.json",
            # The coverage phase trips a CPython 3.11.7 bug ("AST constructor recursion depth
            # mismatch") inside schemathesis; fuzzing and stateful runs still cover every route.
            "--phases",
            "fuzzing,stateful",
            "--checks",
            "not_a_server_error",
            "--max-examples",
            os.environ.get("SCHEMATHESIS_EXAMPLES", "15"),
            *seed,
            "--workers",
            "2",
            *headers,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        out, _ = await proc.communicate()
        text = out.decode()
        # Its summary ends the output; what went wrong is in its ERRORS section before it.
        errors = text.find("ERRORS")
        assert proc.returncode == 0, text[errors : errors + 4000] if errors >= 0 else text[-3000:]
        assert "No issues found" in text or "passed" in text, text[-2000:]
