"""`telework esaraban bridge`: send orders and termination decisions to the agency's e-saraban
system (docs/esaraban.md)."""

import asyncio
import contextlib
import signal
from pathlib import Path
from typing import Annotated

import typer

from services.shared.cli_options import Token, sub_app
from services.shared.settings import Settings, Trust
from services.shared.usage import UsageError

app = sub_app("the e-saraban bridge: orders and decisions as letters / สารบรรณอิเล็กทรอนิกส์")
Text = Annotated[str, typer.Option()]


@app.command()
def bridge(
    agency: Annotated[list[str], typer.Option(help="an agency whose letters go; repeatable")],
    portal: Annotated[str, typer.Option(help="the portal's address, e.g. https://…")],
    token: Token = None,
    out: Annotated[Path | None, typer.Option(help="write letters into this folder")] = None,
    url: Annotated[str | None, typer.Option(help="or POST them (SOAP 1.1) to the receiver")] = None,
    to: Annotated[
        str | None, typer.Option(help="WS-Addressing To when writing to a folder")
    ] = None,
    name: Annotated[
        str, typer.Option(help="subscriber name (durables <name>-<agency>)")
    ] = "esaraban",
    nats_seed: Annotated[Path | None, typer.Option(help="the subscriber's NKEY seed file")] = None,
    nats_user: Annotated[
        str | None, typer.Option(help="the subscriber's user (default <name>-<first agency>)")
    ] = None,
    sender_ministry: Text = "",
    sender_department: Text = "",
    receiver_name: Text = "สารบรรณกลาง",
    receiver_ministry: Text = "",
    receiver_department: Text = "",
    state: Annotated[
        Path | None, typer.Option(help="the bridge's record of letters (SQLite)")
    ] = None,
    dead: Annotated[Path | None, typer.Option(help="dead-letter folder")] = None,
) -> None:
    """Send orders and termination decisions as they happen."""
    from services.esaraban.adapters.letters import Letters
    from services.esaraban.adapters.portal import Portal
    from services.esaraban.adapters.receiver import Folder, Receiver, Soap
    from services.esaraban.domain.interchange import Party
    from services.esaraban.entrypoints.subscriber import run
    from services.esaraban.service_layer.bridge import Bridge
    from services.shared.jetstream import connect

    token = token or Trust().caller_token
    if not token:
        raise UsageError("the bridge's service token: --token or TELEWORK_TOKEN")
    if bool(out) == bool(url):
        raise UsageError("say where letters go: --out FOLDER or --url RECEIVER (one of them)")
    receiver: Receiver = Folder(out) if out else Soap(url or "")
    data = Settings.from_env("cli").data_dir / "esaraban"
    letters = Letters(state if state else data / "letters.db")
    sending = Bridge(
        portal=Portal(portal, token),
        receiver=receiver,
        letters=letters,
        sender=Party("สารบรรณกลาง", agency[0], "ส่วนราชการ", sender_ministry, sender_department),
        addressee=Party(receiver_name, "", "", receiver_ministry, receiver_department),
        endpoint=url or to or "",
        dead=dead if dead else data / "dead",
    )

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stop.set)
        from infra.nats import identities

        # The subscriber's own identity (`telework nats subscriber add` printed its seed and
        # user), never the operator's admin identity the CLI would otherwise use.
        identities.use_seed(nats_user or f"{name}-{agency[0]}", nats_seed)
        nc = await connect(Settings.from_env("cli").nats_url, name=f"telework-{name}")
        try:
            print(f"e-saraban bridge: agencies {', '.join(agency)}; Ctrl-C stops", flush=True)
            await run(nc, name, agency, sending, stop)
        finally:
            await nc.close()
            letters.close()

    asyncio.run(main())
