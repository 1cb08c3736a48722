"""A connection's log lines say what happened to it: our own close is not a lost connection
(every CLI command ended with "NATS disconnected", as if something had gone wrong)."""

import logging

import pytest

from services.shared.jetstream import connect

pytestmark = pytest.mark.integration


async def test_closing_our_own_connection_is_not_a_warning(
    nats_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="nats.closing-test")
    nc = await connect(nats_url, "closing-test")
    await nc.close()
    said = [(r.levelno, r.getMessage()) for r in caplog.records if r.name == "nats.closing-test"]
    assert (logging.WARNING, "NATS disconnected") not in said
    assert (logging.DEBUG, "NATS connection closed") in said
