"""`telework notify failed` lists the dead letter; `telework notify retry ID` queues one again;
an unknown id is refused with exit status 2 (issue #6)."""

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.cli import main

pytestmark = pytest.mark.integration


def test_operator_lists_and_retries_failed_notifications(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TELEWORK_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    from services.notification.adapters.tables import deliveries
    from services.notification.entrypoints.cli import _notifier

    async def seed() -> None:
        ctx, _ = await _notifier()
        async with ctx.sessions.begin() as s:
            await s.execute(
                deliveries.insert().values(
                    event_id="e1",
                    recipient_id="D0202",
                    channel="email",
                    address="x@y.th",
                    rule="R-MON-2 reminder",
                    agency="ONDE",
                    subject="s",
                    body="b",
                    status="failed",
                    attempts=5,
                    next_attempt_at=datetime.now(UTC),
                    last_error="smtp: refused",
                )
            )
        await ctx.engine.dispose()

    asyncio.run(seed())
    assert main(["notify", "failed"]) == 0
    out = capsys.readouterr().out
    assert "R-MON-2 reminder" in out and "1 failed" in out
    assert main(["notify", "retry", "1"]) == 0
    assert main(["notify", "failed"]) == 0
    assert "0 failed" in capsys.readouterr().out
    assert main(["notify", "retry", "99"]) == 2
    assert "no failed notification 99" in capsys.readouterr().err
