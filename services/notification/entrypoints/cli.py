"""`telework notify failed` and `telework notify retry ID`: the dead letter, for operators."""

import argparse
import asyncio
from typing import Any

from services.shared.settings import Settings


async def _notifier() -> Any:
    from services.notification.adapters.channels import SmtpSettings
    from services.notification.service_layer.notifier import Notifier
    from services.registry import spec
    from services.shared.runtime import open_context

    ctx = await open_context(
        spec("notification"), Settings.from_env("notification"), asyncio.Event()
    )
    return ctx, Notifier(ctx.sessions, None, SmtpSettings(), b"")  # type: ignore[arg-type]


def _failed(args: argparse.Namespace) -> int:
    async def run() -> list[Any]:
        ctx, notifier = await _notifier()
        try:
            return list(await notifier.failed())
        finally:
            await ctx.engine.dispose()

    rows = asyncio.run(run())
    for r in rows:
        print(
            f"{r.id}\t{r.channel}\t{r.recipient_id}\t{r.rule}\t{r.attempts} tries\t{r.last_error}"
        )
    print(f"{len(rows)} failed")
    return 0


def _retry(args: argparse.Namespace) -> int:
    from services.shared.usage import UsageError

    async def run() -> bool:
        ctx, notifier = await _notifier()
        try:
            return bool(await notifier.retry(args.id))
        finally:
            await ctx.engine.dispose()

    if not asyncio.run(run()):
        raise UsageError(f"no failed notification {args.id}")
    print(f"notification {args.id} queued again")
    return 0


def register(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    p = sub.add_parser("notify", help="notifications that failed, and retrying them")
    n = p.add_subparsers(dest="notify_command", required=True)
    n.add_parser("failed", help="list notifications that failed after their last try").set_defaults(
        func=_failed
    )
    q = n.add_parser("retry", help="queue a failed notification again")
    q.add_argument("id", type=int)
    q.set_defaults(func=_retry)
