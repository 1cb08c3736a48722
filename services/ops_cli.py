"""`telework dlq list|replay` and `telework status`: dead letters and consumer lag, for IT
support. Read from JetStream itself, so they work whichever service is down."""

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from typing import Annotated, Any, TypeVar

import typer

from services.shared.cli_options import Json, NatsUrl, sub_app
from services.shared.settings import Settings

T = TypeVar("T")


async def cli_connection(url: str) -> Any:
    """A NATS connection for one command: it fails at once, with the reason, when NATS is away."""
    from services.shared.jetstream import connect

    try:
        return await asyncio.wait_for(
            connect(url, "telework-cli", max_reconnect_attempts=0, allow_reconnect=False), 5
        )
    except Exception as exc:
        from services.shared.usage import UsageError

        raise UsageError(f"NATS at {url} is not answering ({type(exc).__name__})") from None


def _on_jetstream(nats_url: str | None, work: Callable[[Any], Awaitable[T]]) -> T:
    """Run `work(jetstream)` on a connection opened and closed for this one command."""

    async def run() -> T:
        nc = await cli_connection(nats_url or Settings.from_env("cli").nats_url)
        try:
            return await work(nc.jetstream())
        finally:
            await nc.close()

    return asyncio.run(run())


dlq_app = sub_app("dead letters: list them, hand them back once fixed / จดหมายตกค้าง")
Consumer = Annotated[str | None, typer.Option(help="one consumer's dead letters")]


@dlq_app.command("list")
def dlq_list(consumer: Consumer = None, json_: Json = False, nats_url: NatsUrl = None) -> None:
    """Every dead letter with its consumer and cause."""
    from services.shared.dead_letters import dead_letters

    letters = _on_jetstream(nats_url, lambda js: dead_letters(js, consumer))
    if json_:
        print(json.dumps([asdict(d) for d in letters], ensure_ascii=False, indent=1))
        return
    for d in letters:
        print(
            f"{d.sequence}\t{d.consumer}\t{d.original_subject}\t#{d.original_sequence}\t{d.cause}"
        )
    print(f"{len(letters)} dead letter(s) / จดหมายตกค้าง {len(letters)} รายการ")


@dlq_app.command("replay")
def dlq_replay(
    consumer: Consumer = None,
    sequence: Annotated[
        list[int] | None, typer.Option(help="one dead letter's sequence; repeatable")
    ] = None,
    nats_url: NatsUrl = None,
) -> None:
    """Hand dead letters back to their consumer."""
    from services.shared.dead_letters import dead_letters, replay
    from services.shared.usage import UsageError

    if not consumer and not sequence:
        raise UsageError("say which: --consumer NAME (all of its dead letters) or --sequence N")

    async def hand_back(js: Any) -> int:
        letters = await dead_letters(js, consumer)
        if sequence:
            wanted = set(sequence)
            letters = [d for d in letters if d.sequence in wanted]
            missing = wanted - {d.sequence for d in letters}
            if missing:
                raise UsageError(f"no dead letter with sequence {sorted(missing)}")
        return await replay(js, letters)

    print(f"{_on_jetstream(nats_url, hand_back)} dead letter(s) handed back to their consumers")


def status(json_: Json = False, nats_url: NatsUrl = None) -> None:
    """Consumer lag and dead letters (exit 1 when any wait for a person)."""
    from services.shared.dead_letters import consumer_lag

    lags = _on_jetstream(nats_url, consumer_lag)
    if json_:
        print(json.dumps([asdict(c) for c in lags], indent=1))
    else:
        print("consumer\tpending\tunacked\tredelivered\tdead letters")
        for c in lags:
            print(f"{c.name}\t{c.pending}\t{c.unacknowledged}\t{c.redelivered}\t{c.dead_letters}")
    # Exit 1 when something needs a person: dead letters wait for a replay.
    if any(c.dead_letters for c in lags):
        raise typer.Exit(1)
