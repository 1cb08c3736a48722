"""`telework dlq list|replay` and `telework status`: dead letters and consumer lag, for IT
support. Read from JetStream itself, so they work whichever service is down."""

import argparse
import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from typing import Any, TypeVar

from services.shared.settings import Settings

T = TypeVar("T")


async def _jetstream(url: str) -> Any:
    from services.shared.jetstream import connect

    try:
        return await asyncio.wait_for(
            connect(url, "telework-cli", max_reconnect_attempts=0, allow_reconnect=False), 5
        )
    except Exception as exc:
        from services.shared.usage import UsageError

        raise UsageError(f"NATS at {url} is not answering ({type(exc).__name__})") from None


def _url(args: argparse.Namespace) -> str:
    return str(args.nats_url or Settings.from_env("cli").nats_url)


def _on_jetstream(args: argparse.Namespace, work: Callable[[Any], Awaitable[T]]) -> T:
    """Run `work(jetstream)` on a connection opened and closed for this one command."""

    async def run() -> T:
        nc = await _jetstream(_url(args))
        try:
            return await work(nc.jetstream())
        finally:
            await nc.close()

    return asyncio.run(run())


def _dlq_list(args: argparse.Namespace) -> int:
    from services.shared.dead_letters import dead_letters

    letters = _on_jetstream(args, lambda js: dead_letters(js, args.consumer))
    if args.json:
        print(json.dumps([asdict(d) for d in letters], ensure_ascii=False, indent=1))
        return 0
    for d in letters:
        print(
            f"{d.sequence}\t{d.consumer}\t{d.original_subject}\t#{d.original_sequence}\t{d.cause}"
        )
    print(f"{len(letters)} dead letter(s) / จดหมายตกค้าง {len(letters)} รายการ")
    return 0


def _dlq_replay(args: argparse.Namespace) -> int:
    from services.shared.dead_letters import dead_letters, replay
    from services.shared.usage import UsageError

    if not args.consumer and not args.sequence:
        raise UsageError("say which: --consumer NAME (all of its dead letters) or --sequence N")

    async def hand_back(js: Any) -> int:
        letters = await dead_letters(js, args.consumer)
        if args.sequence:
            wanted = set(args.sequence)
            letters = [d for d in letters if d.sequence in wanted]
            missing = wanted - {d.sequence for d in letters}
            if missing:
                raise UsageError(f"no dead letter with sequence {sorted(missing)}")
        return await replay(js, letters)

    print(f"{_on_jetstream(args, hand_back)} dead letter(s) handed back to their consumers")
    return 0


def _status(args: argparse.Namespace) -> int:
    from services.shared.dead_letters import consumer_lag

    lags = _on_jetstream(args, consumer_lag)
    if args.json:
        print(json.dumps([asdict(c) for c in lags], indent=1))
    else:
        print("consumer\tpending\tunacked\tredelivered\tdead letters")
        for c in lags:
            print(f"{c.name}\t{c.pending}\t{c.unacknowledged}\t{c.redelivered}\t{c.dead_letters}")
    # Exit 1 when something needs a person: dead letters wait for a replay.
    return 1 if any(c.dead_letters for c in lags) else 0


def register(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    p = sub.add_parser("dlq", help="dead letters: list them, hand them back once fixed")
    d = p.add_subparsers(dest="dlq_command", required=True)
    q = d.add_parser("list", help="every dead letter with its consumer and cause")
    q.add_argument("--consumer")
    q.add_argument("--json", action="store_true")
    q.add_argument("--nats-url")
    q.set_defaults(func=_dlq_list)
    q = d.add_parser("replay", help="hand dead letters back to their consumer")
    q.add_argument("--consumer")
    q.add_argument("--sequence", type=int, action="append")
    q.add_argument("--nats-url")
    q.set_defaults(func=_dlq_replay)
    p = sub.add_parser("status", help="consumer lag and dead letters (exit 1 when any wait)")
    p.add_argument("--json", action="store_true")
    p.add_argument("--nats-url")
    p.set_defaults(func=_status)
