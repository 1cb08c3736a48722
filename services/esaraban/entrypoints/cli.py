"""`telework esaraban bridge`: send orders and termination decisions to the agency's e-saraban
system (docs/esaraban.md)."""

import argparse
import asyncio
import contextlib
import signal
from pathlib import Path

from services.shared.settings import Settings, Trust
from services.shared.usage import UsageError


def _bridge(args: argparse.Namespace) -> int:
    from services.esaraban.adapters.letters import Letters
    from services.esaraban.adapters.portal import Portal
    from services.esaraban.adapters.receiver import Folder, Receiver, Soap
    from services.esaraban.domain.interchange import Party
    from services.esaraban.entrypoints.subscriber import run
    from services.esaraban.service_layer.bridge import Bridge
    from services.shared.jetstream import connect

    token = args.token or Trust().caller_token
    if not token:
        raise UsageError("the bridge's service token: --token or TELEWORK_TOKEN")
    if bool(args.out) == bool(args.url):
        raise UsageError("say where letters go: --out FOLDER or --url RECEIVER (one of them)")
    receiver: Receiver = Folder(Path(args.out)) if args.out else Soap(args.url)
    data = Settings.from_env("cli").data_dir / "esaraban"
    letters = Letters(Path(args.state) if args.state else data / "letters.db")
    bridge = Bridge(
        portal=Portal(args.portal, token),
        receiver=receiver,
        letters=letters,
        sender=Party(
            "สารบรรณกลาง", args.agency[0], "ส่วนราชการ", args.sender_ministry, args.sender_department
        ),
        addressee=Party(
            args.receiver_name, "", "", args.receiver_ministry, args.receiver_department
        ),
        endpoint=args.url or args.to or "",
        dead=Path(args.dead) if args.dead else data / "dead",
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
        seed = Path(args.nats_seed) if args.nats_seed else None
        identities.use_seed(args.nats_user or f"{args.name}-{args.agency[0]}", seed)
        nc = await connect(Settings.from_env("cli").nats_url, name=f"telework-{args.name}")
        try:
            print(f"e-saraban bridge: agencies {', '.join(args.agency)}; Ctrl-C stops", flush=True)
            await run(nc, args.name, args.agency, bridge, stop)
        finally:
            await nc.close()
            letters.close()

    asyncio.run(main())
    return 0


def register(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    p = sub.add_parser("esaraban", help="the e-saraban bridge (orders and decisions as letters)")
    e = p.add_subparsers(dest="esaraban_command", required=True)
    q = e.add_parser("bridge", help="send orders and termination decisions as they happen")
    q.add_argument("--agency", action="append", required=True, help="repeatable: each agency")
    q.add_argument("--portal", required=True, help="the portal's address, e.g. https://…")
    q.add_argument("--token", help="the bridge's service token (or TELEWORK_TOKEN)")
    q.add_argument("--out", help="write letters into this folder")
    q.add_argument("--url", help="or POST them (SOAP 1.1) to the receiver")
    q.add_argument("--to", help="WS-Addressing To when writing to a folder")
    q.add_argument("--name", default="esaraban", help="subscriber name (durables <name>-<agency>)")
    q.add_argument("--nats-seed", help="the subscriber's NKEY seed file")
    q.add_argument("--nats-user", help="the subscriber's user (default <name>-<first agency>)")
    q.add_argument("--sender-ministry", default="")
    q.add_argument("--sender-department", default="")
    q.add_argument("--receiver-name", default="สารบรรณกลาง")
    q.add_argument("--receiver-ministry", default="")
    q.add_argument("--receiver-department", default="")
    q.add_argument("--state", help="the bridge's record of letters (SQLite file)")
    q.add_argument("--dead", help="dead-letter folder")
    q.set_defaults(func=_bridge)
