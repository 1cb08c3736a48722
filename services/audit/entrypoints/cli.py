"""`telework audit …` for auditors: verify, replay, export, rebuild, public-key (R-INT-2).

Every command but `public-key` needs an auditor's token (`--token` or `TELEWORK_TOKEN`), is
read-only, and is itself recorded in the chain."""

import asyncio
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from services.audit.entrypoints.key_cli import generate_key, public_key, rotate_key
from services.registry import opened
from services.shared.cli_options import Json, Token, sub_app
from services.shared.settings import Settings, Trust

app = sub_app("hash chain: verify, replay, export, rebuild (R-INT-2) / ห่วงโซ่การตรวจสอบ")
Position = Annotated[int, typer.Option("--from", metavar="POS", help="first chain position")]


def _auditor(token: str | None) -> Any:
    from services.shared.auth import AuthError, verifier_from_env
    from services.shared.usage import UsageError

    token = token or Trust().caller_token or ""
    try:
        return verifier_from_env(Settings.from_env("audit").data_dir).verify(token)
    except AuthError as exc:
        raise UsageError(f"auditor token refused: {exc}") from None


async def _authorized(
    ctx: Any, actor: Any, command: str, params: dict[str, Any], agency: str | None = None
) -> set[str]:
    from services.audit.service_layer.history import AuditDenied, authorize
    from services.shared.usage import UsageError

    action = {"verify": "audit.verify", "export": "audit.export"}.get(command, "audit.read")
    try:
        return await authorize(ctx.sessions, actor, action, command, params, agency)
    except AuditDenied as exc:
        raise UsageError(str(exc)) from None


async def _public(ctx: Any) -> Any:
    """The audit key's public half, never a new key: verifying with a key made on the spot
    would bless whatever the store holds (R-SEC-5). A store with nothing signed yet needs none."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from sqlalchemy import select

    from services.audit.adapters.keys import KeyMissing, KeyUnavailable, key_location
    from services.audit.adapters.tables import checkpoints
    from services.shared.usage import UsageError

    location = key_location(ctx.settings.data_dir)
    try:
        return location.open().public_key()
    except KeyMissing:
        pass
    except KeyUnavailable as exc:
        raise UsageError(f"the audit key cannot be used: {exc}") from None
    async with ctx.sessions() as s:
        signed = (await s.execute(select(checkpoints.c.position).limit(1))).first()
    if signed is not None:
        raise UsageError(
            f"the audit key ({location.describe()}) does not exist: restore it from its backup, "
            "or point TELEWORK_AUDIT_KEY at it (verify never makes a new key)"
        )
    return Ed25519PrivateKey.generate().public_key()  # nothing signed: no signature to check


@app.command()
def verify(
    token: Token = None,
    from_: Position = 1,
    json_: Json = False,
    anchors: Annotated[
        str | None,
        typer.Option(
            metavar="FILE|stream",
            help="also check the store against anchors kept outside it: a JSON-lines file of "
            "checkpoint_signed events, or 'stream' to read them (and the original events) "
            "from NATS",
        ),
    ] = None,
    chain_only: Annotated[
        bool, typer.Option("--chain-only", help="skip comparing the chain with the stream")
    ] = False,
) -> None:
    """Check the chain and every checkpoint."""
    from services.audit.service_layer.verification import verify as verify_chain

    actor = _auditor(token)
    anchor_file = None
    if anchors not in (None, "stream"):
        anchor_file = Path(anchors)
        if not anchor_file.is_file():
            from services.shared.usage import UsageError

            raise UsageError(f"{anchor_file}: no such anchor file")

    async def run() -> Any:
        async with opened("audit") as ctx:
            await _authorized(ctx, actor, "verify", {"from": from_})
            public = await _public(ctx)
            problem, checked = await verify_chain(ctx.sessions, public, from_)
            if problem is None and anchors is not None:
                problem = await _against_anchors(ctx, public, anchor_file)
            complete = None if chain_only else await _completeness(ctx)
            return problem, checked, complete

    problem, checked, complete = asyncio.run(run())
    whole = complete is not None and not isinstance(complete, str)
    if json_:
        print(
            json.dumps(
                {
                    "ok": problem is None and (not whole or complete.complete),
                    "checked": checked,
                    "problem": problem.__dict__ if problem else None,
                    "completeness": (
                        {
                            **complete.__dict__,
                            "first_missing": complete.first_missing.__dict__
                            if complete.first_missing
                            else None,
                        }
                        if whole
                        else None
                    ),
                    "completeness_not_checked": complete if isinstance(complete, str) else None,
                },
                ensure_ascii=False,
            )
        )
    else:
        if problem is None:
            print(f"ห่วงโซ่ถูกต้อง / chain holds: {checked} records and every checkpoint verified")
        else:
            print(
                f"ห่วงโซ่ถูกแก้ไข / chain BROKEN at position {problem.position}: "
                f"{problem.kind} — {problem.detail}"
            )
        print(_completeness_line(complete))
    if not (problem is None and (not whole or complete.complete)):
        raise typer.Exit(1)


async def _against_anchors(ctx: Any, public: Any, anchor_file: Path | None) -> Any:
    """The store against anchors from a file kept elsewhere, or from the stream (which also
    gives the original events, to name a rewritten record exactly)."""
    from services.audit.service_layer.anchors import (
        check_against_anchors,
        from_stream,
        read_anchor_file,
    )
    from services.shared.jetstream import connect
    from services.shared.usage import UsageError

    originals = None
    if anchor_file is not None:
        anchors = read_anchor_file(anchor_file)
    else:
        try:
            nc = await asyncio.wait_for(
                connect(ctx.settings.nats_url, "telework-audit-anchors", allow_reconnect=False), 5
            )
        except Exception as exc:
            raise UsageError(f"NATS at {ctx.settings.nats_url} is not answering ({exc})") from None
        try:
            anchors, originals = await from_stream(nc.jetstream())
        finally:
            await nc.close()
    if not anchors:
        raise UsageError("no anchors found: nothing to check the store against")
    return await check_against_anchors(ctx.sessions, anchors, public, originals)


async def _completeness(ctx: Any) -> Any:
    """Every event of the stream in the chain; a reason (str) when NATS cannot be asked."""
    from nats.errors import Error as NatsError

    from services.audit.service_layer.completeness import check_completeness
    from services.shared.jetstream import connect

    try:
        nc = await asyncio.wait_for(
            connect(ctx.settings.nats_url, "telework-audit-verify", allow_reconnect=False), 5
        )
    except Exception as exc:
        return f"NATS at {ctx.settings.nats_url} is not answering ({type(exc).__name__})"
    try:
        return await check_completeness(ctx.sessions, nc.jetstream())
    except NatsError as exc:
        # The chain was still checked; say plainly that completeness was not.
        return f"NATS refused the check ({type(exc).__name__}: {exc})"
    finally:
        await nc.close()


def _completeness_line(c: Any) -> str:
    if c is None:
        return "ความครบถ้วนไม่ได้ตรวจ / completeness not checked (--chain-only)"
    if isinstance(c, str):
        return f"ความครบถ้วนไม่ได้ตรวจ / completeness NOT checked: {c}"
    tail = (
        f"; {c.dead_lettered} dead-lettered as invalid (telework dlq list --consumer audit)"
        if c.dead_lettered
        else ""
    ) + (f"; {c.behind} not chained yet (audit is behind)" if c.behind else "")
    if c.complete:
        return f"ครบถ้วน / complete: {c.chained} of {c.in_stream} stream events chained{tail}"
    m = c.first_missing
    return (
        f"ไม่ครบ / INCOMPLETE: {c.missing} stream event(s) missing from the chain, the first "
        f"at stream sequence {m.sequence} (event {m.event_id}, {m.subject}){tail}"
    )


def _when(text: str | None, name: str) -> datetime | None:
    from services.shared.clock import BANGKOK
    from services.shared.usage import UsageError

    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{name} {text!r} is not an ISO date or time") from None
    return value if value.tzinfo else value.replace(tzinfo=BANGKOK)


@app.command()
def replay(
    token: Token = None,
    engagement: Annotated[str | None, typer.Option(help="one engagement's events")] = None,
    official: Annotated[str | None, typer.Option(help="one official's events")] = None,
    agency: Annotated[str | None, typer.Option(help="one agency's events")] = None,
    from_: Annotated[str | None, typer.Option("--from", metavar="TIME", help="from (ISO)")] = None,
    to: Annotated[str | None, typer.Option(metavar="TIME", help="to (ISO)")] = None,
    format: Annotated[Literal["jsonl", "table"], typer.Option(help="jsonl or table")] = "jsonl",
) -> None:
    """The events of an engagement, official or agency."""
    from services.audit.service_layer.history import replay as history
    from services.shared.usage import UsageError

    if not (engagement or official or agency):
        raise UsageError("give --engagement ID, --official ID or --agency CODE")
    actor = _auditor(token)
    start, end = _when(from_, "--from"), _when(to, "--to")

    async def run() -> int:
        shown = 0
        async with opened("audit") as ctx:
            params = {
                k: v
                for k, v in (
                    ("engagement", engagement),
                    ("official", official),
                    ("agency", agency),
                    ("from", from_),
                    ("to", to),
                )
                if v
            }
            visible = await _authorized(ctx, actor, "replay", params, agency)
            async for item in history(
                ctx.sessions,
                visible,
                engagement=engagement,
                official=official,
                agency=agency,
                start=start,
                end=end,
            ):
                shown += 1
                if shown % 10_000 == 0:  # a progress line for long runs, on stderr
                    print(f"… {shown} events", file=sys.stderr, flush=True)
                e = item["event"]
                if format == "table":
                    print(
                        f"{item['position']:>8}  {e['time'][:19]}  {e['agency']:<12} "
                        f"{e['type'].split('.')[3]}.{e['type'].split('.')[4]:<28} "
                        f"{e.get('subject', '')}"
                    )
                else:
                    print(json.dumps(item, ensure_ascii=False))
        return shown

    asyncio.run(run())


@app.command()
def export(
    out: Annotated[Path, typer.Option(help="the bundle's folder")],
    token: Token = None,
    from_: Position = 1,
) -> None:
    """A bundle an external auditor verifies offline."""
    from services.audit.adapters.keys import KeyUnavailable, key_location
    from services.audit.service_layer.history import export_bundle
    from services.shared.usage import UsageError

    actor = _auditor(token)
    try:  # the bundle carries the public half; never make a key to export with
        key = key_location(Settings.from_env("audit").data_dir).open()
    except KeyUnavailable as exc:
        raise UsageError(f"the audit key cannot be used: {exc}") from None

    async def run() -> int:
        async with opened("audit") as ctx:
            await _authorized(ctx, actor, "export", {"out": str(out), "from": from_})
            return await export_bundle(ctx.sessions, key, out, from_)

    n = asyncio.run(run())
    print(
        f"exported {n} events to {out}; check offline with: python {out / 'verify_bundle.py'} {out}"
    )


@app.command()
def rebuild(
    token: Token = None,
    as_of: Annotated[str | None, typer.Option(metavar="TIME", help="history up to (ISO)")] = None,
) -> None:
    """Rebuild read models from history and diff them with the live ones."""
    from services.audit.entrypoints.rebuild import compare

    actor = _auditor(token)
    moment = _when(as_of, "--as-of")

    async def run() -> list[str]:
        async with opened("audit") as ctx:
            await _authorized(ctx, actor, "rebuild", {"as_of": as_of})
            return await compare(ctx.sessions, moment)

    lines = asyncio.run(run())
    for line in lines:
        print(line)
    print(f"{len(lines)} differences" if lines else "ตรงกัน / the live read models match history")
    if lines:
        raise typer.Exit(1)


# The audit key's commands (administrator), kept in key_cli.py.
app.command("rotate-key")(rotate_key)
app.command("generate-key")(generate_key)
app.command("public-key")(public_key)
