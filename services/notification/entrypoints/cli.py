"""`telework notify failed` and `telework notify retry ID`: the dead letter, for operators."""

import asyncio
from typing import Annotated, Any

import typer

from services.shared.cli_options import sub_app
from services.shared.settings import Settings

app = sub_app("notifications that failed, and retrying them / การแจ้งเตือนที่ส่งไม่สำเร็จ")


async def _notifier() -> Any:
    from services.notification.adapters.channels import SmtpSettings
    from services.notification.service_layer.notifier import Notifier
    from services.registry import spec
    from services.shared.runtime import open_context

    ctx = await open_context(
        spec("notification"), Settings.from_env("notification"), asyncio.Event()
    )
    return ctx, Notifier(ctx.sessions, None, SmtpSettings(), b"")  # type: ignore[arg-type]


@app.command()
def failed() -> None:
    """List notifications that failed after their last try."""

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


@app.command()
def retry(id: Annotated[int, typer.Argument(help="the failed notification's number")]) -> None:
    """Queue a failed notification again."""
    from services.shared.usage import UsageError

    async def run() -> bool:
        ctx, notifier = await _notifier()
        try:
            return bool(await notifier.retry(id))
        finally:
            await ctx.engine.dispose()

    if not asyncio.run(run()):
        raise UsageError(f"no failed notification {id}")
    print(f"notification {id} queued again")
