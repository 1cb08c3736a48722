"""External subscribers of the embedded NATS (an agency's HR or e-saraban system), kept in
`<data dir>/nats-subscribers.json` and rendered into its configuration (docs/subscribing.md).

`telework nats subscriber add --agency ONDE --name esaraban` gives the system its own NKEY (a
seed file to hand over, never a password) and the events of the agency's whole subtree: a
department's system receives its bureaus' events too (issue #13 item 3).
"""

import asyncio
import json
import os
import signal
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

from infra.nats.accounts import Subscriber, durable_for, subscriber_inbox
from services.shared.cli_options import sub_app

app = sub_app("NATS: streams and external subscribers")
subscribers = sub_app("HR or e-saraban systems reading an agency's events")
app.add_typer(subscribers, name="subscriber")


def path_of(data_dir: Path) -> Path:
    return data_dir / "nats-subscribers.json"


def seeds_of(data_dir: Path) -> Path:
    return data_dir / "nats-subscribers"


def load_subscribers(data_dir: Path) -> list[Subscriber]:
    path = path_of(data_dir)
    if not path.exists():
        return []
    rows = json.loads(path.read_text(encoding="utf-8"))
    return [Subscriber(**{**row, "agencies": tuple(row.get("agencies", ()))}) for row in rows]


def save_subscribers(data_dir: Path, subscribers: list[Subscriber]) -> None:
    path = path_of(data_dir)
    path.write_text(
        json.dumps([asdict(s) for s in subscribers], ensure_ascii=False, indent=2),
        encoding="utf-8",
    )
    path.chmod(0o600)


async def subtree_of(agency: str) -> tuple[str, ...]:
    """The agency and every agency below it, from the identity service's register."""
    from services.identity.service_layer.directory import load_tree
    from services.registry import spec
    from services.shared.runtime import open_context
    from services.shared.settings import Settings

    ctx = await open_context(spec("identity"), Settings.from_env("identity"), asyncio.Event())
    try:
        async with ctx.sessions() as s:
            tree = await load_tree(s)
    finally:
        await ctx.engine.dispose()
    if agency not in tree.parents:
        return ()
    below = tree.subtree(agency) - {agency}
    return (agency, *sorted(below))


def add(data_dir: Path, name: str, agency: str, codes: tuple[str, ...]) -> tuple[Subscriber, Path]:
    from infra.nats.identities import new_seed, public_key

    user = f"{name}-{agency}"
    seeds = seeds_of(data_dir)
    seeds.mkdir(parents=True, exist_ok=True)
    seeds.chmod(0o700)
    seed = seeds / f"{user}.nk"
    if not seed.exists():
        seed.write_bytes(new_seed())
        seed.chmod(0o600)
    sub = Subscriber(user, None, agency, codes, public_key(seed.read_bytes().strip()))
    others = [s for s in load_subscribers(data_dir) if s.user != user]
    save_subscribers(data_dir, [*others, sub])
    return sub, seed


def reload_nats(data_dir: Path) -> str:
    """Re-render the embedded NATS's configuration and have a running server reload it."""
    from infra.stack import nats_config

    nats_config(data_dir)
    pidfile = data_dir / "pids" / "nats.pid"
    try:
        os.kill(int(pidfile.read_text()), signal.SIGHUP)
    except (OSError, ValueError):
        return "the embedded NATS is not running: it takes the subscriber when it starts"
    return "the embedded NATS reloaded its configuration"


@subscribers.command("add")
def add_subscriber(
    agency: Annotated[str, typer.Option(help="the agency whose subtree it reads")],
    name: Annotated[str, typer.Option(help="e.g. esaraban, hr")],
) -> None:
    """Give a system its NKEY and its agency's subtree."""
    from services.shared.settings import Settings
    from services.shared.usage import UsageError

    if not name.replace("-", "").replace("_", "").isalnum():
        raise UsageError("--name: letters, digits, '-' or '_' only")
    codes = asyncio.run(subtree_of(agency))
    if not codes:
        raise UsageError(f"no agency {agency} in the register (import it first)")
    data_dir = Settings.from_env("cli").data_dir
    sub, seed = add(data_dir, name, agency, codes)
    said = reload_nats(data_dir)
    print(
        json.dumps(
            {
                "user": sub.user,
                "nkey_seed": str(seed),
                "inbox_prefix": subscriber_inbox(sub.user),
                "agencies": list(sub.codes()),
                "durables": {code: durable_for(sub, code) for code in sub.codes()},
                "nats": said,
            },
            ensure_ascii=False,
            indent=2,
        )
    )


@subscribers.command("list")
def list_subscribers() -> None:
    """Subscribers and the agencies they read."""
    from services.shared.settings import Settings

    for sub in load_subscribers(Settings.from_env("cli").data_dir):
        print(f"{sub.user}\t{','.join(sub.codes())}")


@app.command()
def setup() -> None:
    """Create or update the streams (admin identity; TELEWORK_STREAM_REPLICAS): a deployment's
    set-up job."""
    from infra.stack import setup_streams
    from services.shared.settings import Settings

    settings = Settings.from_env("cli")
    setup_streams(settings.nats_url, settings.data_dir)
    from services.shared.jetstream import stream_replicas

    print(f"streams ready ({stream_replicas()} replica(s) each)")
