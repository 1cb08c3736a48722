"""`telework portal refold`: the portal's read model folded again from the stream (decision
0013), for IT support after an upgrade that changes what a page shows, or a restore."""

import asyncio

from services.shared.cli_options import NatsUrl, sub_app

app = sub_app("the portal's read model / แบบจำลองการอ่านของพอร์ทัล")


@app.command("refold")
def refold(nats_url: NatsUrl = None) -> None:
    """Fold every engagement event again into the pages' read model (safe while it runs)."""
    from services.ops_cli import cli_connection
    from services.portal.read_model import refold as refold_model
    from services.registry import opened
    from services.shared.settings import Settings

    async def run() -> tuple[int, int]:
        nc = await cli_connection(nats_url or Settings.from_env("portal").nats_url)
        try:
            async with opened("portal") as ctx:
                return await refold_model(nc.jetstream(), ctx.sessions)
        finally:
            await nc.close()

    folded, refused = asyncio.run(run())
    print(f"folded {folded} event(s) / พับเหตุการณ์ {folded} รายการ")
    if refused:
        print(f"left out {refused} event(s) that break their contract (see telework dlq list)")
