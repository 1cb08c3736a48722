"""A relay in its own process that kills itself with SIGKILL right after JetStream acknowledged
its third batch and before it could mark it: the worst moment to crash."""

import asyncio
import os
import signal
import sys
from typing import Any

from services.shared.db import make_engine, sessionmaker
from services.shared.relay import OutboxRelay


class CrashingRelay(OutboxRelay):
    batches = 0

    async def _publish(self, js: Any, rows: Any, tails: Any) -> Any:
        result = await super()._publish(js, rows, tails)
        CrashingRelay.batches += 1
        if CrashingRelay.batches == 3:
            os.kill(os.getpid(), signal.SIGKILL)
        return result


async def main(nats_url: str, db_url: str, schema: str) -> None:
    engine = make_engine(db_url, schema or None)
    relay = CrashingRelay(sessionmaker(engine), nats_url, name="crash", batch_size=100)
    await relay.run(asyncio.Event())


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3]))
