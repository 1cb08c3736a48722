"""`telework audit …` for auditors: verify, replay, export, rebuild, public-key (R-INT-2).

Every command but `public-key` needs an auditor's token (`--token` or `TELEWORK_TOKEN`), is
read-only, and is itself recorded in the chain."""

import argparse
import asyncio
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from services.registry import opened
from services.shared.settings import Settings, Trust


def _auditor(args: argparse.Namespace) -> Any:
    from services.shared.auth import AuthError, verifier_from_env
    from services.shared.usage import UsageError

    token = args.token or Trust().caller_token or ""
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


def _verify(args: argparse.Namespace) -> int:
    from services.audit.service_layer.store import verify

    actor = _auditor(args)
    anchor_file = None
    if args.anchors not in (None, "stream"):
        anchor_file = Path(args.anchors)
        if not anchor_file.is_file():
            from services.shared.usage import UsageError

            raise UsageError(f"{anchor_file}: no such anchor file")

    async def run() -> Any:
        async with opened("audit") as ctx:
            await _authorized(ctx, actor, "verify", {"from": args.from_})
            public = await _public(ctx)
            problem, checked = await verify(ctx.sessions, public, args.from_)
            if problem is None and args.anchors is not None:
                problem = await _against_anchors(ctx, public, anchor_file)
            complete = None if args.chain_only else await _completeness(ctx)
            return problem, checked, complete

    problem, checked, complete = asyncio.run(run())
    whole = complete is not None and not isinstance(complete, str)
    if args.json:
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
    return 0 if problem is None and (not whole or complete.complete) else 1


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


def _replay(args: argparse.Namespace) -> int:
    from services.audit.service_layer.history import replay
    from services.shared.usage import UsageError

    if not (args.engagement or args.official or args.agency):
        raise UsageError("give --engagement ID, --official ID or --agency CODE")
    actor = _auditor(args)
    start, end = _when(args.from_, "--from"), _when(args.to, "--to")

    async def run() -> int:
        shown = 0
        async with opened("audit") as ctx:
            params = {
                k: v
                for k, v in (
                    ("engagement", args.engagement),
                    ("official", args.official),
                    ("agency", args.agency),
                    ("from", args.from_),
                    ("to", args.to),
                )
                if v
            }
            visible = await _authorized(ctx, actor, "replay", params, args.agency)
            async for item in replay(
                ctx.sessions,
                visible,
                engagement=args.engagement,
                official=args.official,
                agency=args.agency,
                start=start,
                end=end,
            ):
                shown += 1
                if shown % 10_000 == 0:  # a progress line for long runs, on stderr
                    print(f"… {shown} events", file=sys.stderr, flush=True)
                e = item["event"]
                if args.format == "table":
                    print(
                        f"{item['position']:>8}  {e['time'][:19]}  {e['agency']:<12} "
                        f"{e['type'].split('.')[3]}.{e['type'].split('.')[4]:<28} "
                        f"{e.get('subject', '')}"
                    )
                else:
                    print(json.dumps(item, ensure_ascii=False))
        return shown

    asyncio.run(run())
    return 0


def _export(args: argparse.Namespace) -> int:
    from services.audit.adapters.keys import KeyUnavailable, key_location
    from services.audit.service_layer.history import export_bundle
    from services.shared.usage import UsageError

    actor = _auditor(args)
    try:  # the bundle carries the public half; never make a key to export with
        key = key_location(Settings.from_env("audit").data_dir).open()
    except KeyUnavailable as exc:
        raise UsageError(f"the audit key cannot be used: {exc}") from None

    async def run() -> int:
        async with opened("audit") as ctx:
            await _authorized(ctx, actor, "export", {"out": str(args.out), "from": args.from_})
            return await export_bundle(ctx.sessions, key, Path(args.out), args.from_)

    n = asyncio.run(run())
    print(
        f"exported {n} events to {args.out}; check offline with: "
        f"python {Path(args.out) / 'verify_bundle.py'} {args.out}"
    )
    return 0


def _rebuild(args: argparse.Namespace) -> int:
    from services.audit.entrypoints.rebuild import compare

    actor = _auditor(args)
    as_of = _when(args.as_of, "--as-of")

    async def run() -> list[str]:
        async with opened("audit") as ctx:
            await _authorized(ctx, actor, "rebuild", {"as_of": args.as_of})
            return await compare(ctx.sessions, as_of)

    lines = asyncio.run(run())
    for line in lines:
        print(line)
    print(f"{len(lines)} differences" if lines else "ตรงกัน / the live read models match history")
    return 1 if lines else 0


def _rotate_key(args: argparse.Namespace) -> int:
    """Hand the audit signing over to a new key: both keys sign the hand-over, kept in the
    store and published as key_rotated. A key file is then replaced by the new key (the old one
    kept beside it, renamed); a token's key stays where it is and TELEWORK_AUDIT_KEY is pointed
    at the new one. Stop every audit replica first: a checkpoint signed meanwhile by the old key
    would not verify."""
    import shutil

    from services.audit.adapters.keys import KeyLocation, KeyUnavailable, key_location
    from services.audit.domain.signing import fingerprint
    from services.audit.service_layer.store import Chain, ChainDoesNotExtend, KeyRetired
    from services.shared.auth import AuthError, verifier_from_env
    from services.shared.authz import Resource, can
    from services.shared.usage import UsageError

    token = args.token or Trust().caller_token or ""
    try:
        actor = verifier_from_env(Settings.from_env("audit").data_dir).verify(token)
    except AuthError as exc:
        raise UsageError(f"token refused: {exc}") from None
    scope = tuple(sorted({g.agency for g in actor.grants}))
    if not can(actor, "audit.rotate_key", Resource("audit", scope)):
        raise UsageError("rotating the audit key is for the platform's administrator")
    location = key_location(Settings.from_env("audit").data_dir)
    target = KeyLocation(args.new_key)
    try:
        if not location.exists():
            raise UsageError(
                f"the audit key ({location.describe()}) does not exist: nothing to hand over from"
            )
        if not target.exists():
            raise UsageError(f"{target.describe()}: no such key")
        old, new = location.open(), target.open()
    except KeyUnavailable as exc:
        raise UsageError(str(exc)) from None
    if fingerprint(old.public_key()) == fingerprint(new.public_key()):
        raise UsageError("the new key is the key in use")

    async def run() -> Any:
        async with opened("audit") as ctx, ctx.sessions.begin() as s:
            return await Chain(old).rotate(s, new)

    try:
        rotation = asyncio.run(run())
    except (KeyRetired, ChainDoesNotExtend) as exc:
        raise UsageError(str(exc)) from None
    handed = (
        f"key handed over after position {rotation.position}: "
        f"{fingerprint(old.public_key())[:16]}… → {fingerprint(new.public_key())[:16]}…"
    )
    if location.in_token or target.in_token:
        print(
            f"{handed}. Set TELEWORK_AUDIT_KEY to {args.new_key} and start the audit service "
            "again; keep the old key in its token (it proves the checkpoints it signed)."
        )
        return 0
    path = location.path
    retired = path.with_name(f"{path.name}.retired-{fingerprint(old.public_key())[:16]}")
    path.rename(retired)
    shutil.copyfile(target.path, path)
    path.chmod(0o600)
    print(f"{handed}; the old key is kept as {retired}. Start the audit service again.")
    return 0


def _generate_key(args: argparse.Namespace) -> int:
    """Make the audit key inside a PKCS#11 token (not extractable) and print its public half:
    what an HSM's administrator runs once, before the first start or a rotation."""
    from services.audit.adapters.keys import KeyUnavailable, Pkcs11Uri, generate_in_token
    from services.audit.domain.signing import fingerprint
    from services.shared.usage import UsageError

    try:
        public = generate_in_token(Pkcs11Uri.parse(args.uri))
    except KeyUnavailable as exc:
        raise UsageError(str(exc)) from None
    print(f"made an Ed25519 key in the token; fingerprint {fingerprint(public)}")
    return 0


def _public_key(args: argparse.Namespace) -> int:
    from services.audit.adapters.keys import KeyUnavailable, key_location
    from services.audit.domain.signing import public_pem
    from services.shared.usage import UsageError

    try:  # the key in use; a file key not made yet is made here, as the service would
        key = key_location(Settings.from_env("audit").data_dir).open(create=True)
    except KeyUnavailable as exc:
        raise UsageError(f"the audit key cannot be used: {exc}") from None
    print(public_pem(key), end="")
    return 0


def register(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    p = sub.add_parser("audit", help="hash chain: verify, replay, export, rebuild (R-INT-2)")
    a = p.add_subparsers(dest="audit_command", required=True)

    def with_token(q: argparse.ArgumentParser) -> argparse.ArgumentParser:
        q.add_argument("--token", help="auditor's token (default $TELEWORK_TOKEN)")
        return q

    q = with_token(a.add_parser("verify", help="check the chain and every checkpoint"))
    q.add_argument("--from", dest="from_", type=int, default=1, metavar="POS")
    q.add_argument("--json", action="store_true")
    q.add_argument(
        "--anchors",
        metavar="FILE|stream",
        help="also check the store against anchors kept outside it: a JSON-lines file of "
        "checkpoint_signed events, or 'stream' to read them (and the original events) from NATS",
    )
    q.add_argument(
        "--chain-only", action="store_true", help="skip comparing the chain with the stream"
    )
    q.set_defaults(func=_verify)
    q = with_token(a.add_parser("replay", help="the events of an engagement, official or agency"))
    q.add_argument("--engagement")
    q.add_argument("--official")
    q.add_argument("--agency")
    q.add_argument("--from", dest="from_", metavar="TIME")
    q.add_argument("--to", metavar="TIME")
    q.add_argument("--format", choices=["jsonl", "table"], default="jsonl")
    q.set_defaults(func=_replay)
    q = with_token(a.add_parser("export", help="a bundle an external auditor verifies offline"))
    q.add_argument("--out", required=True)
    q.add_argument("--from", dest="from_", type=int, default=1, metavar="POS")
    q.set_defaults(func=_export)
    q = with_token(a.add_parser("rebuild", help="rebuild read models from history and diff"))
    q.add_argument("--as-of", metavar="TIME")
    q.set_defaults(func=_rebuild)
    q = a.add_parser("public-key", help="the key that signs checkpoints (PEM)")
    q.set_defaults(func=_public_key)
    q = a.add_parser(
        "rotate-key", help="hand checkpoint signing over to a new key (administrator; both keys)"
    )
    q.add_argument(
        "--new-key",
        required=True,
        help="the new Ed25519 key: a PEM file, or a pkcs11: URI of a key in a token",
    )
    q.add_argument("--token", help="the administrator's token (default $TELEWORK_TOKEN)")
    q.set_defaults(func=_rotate_key)
    q = a.add_parser(
        "generate-key", help="make the audit key inside a PKCS#11 token (HSM, KMS); not extractable"
    )
    q.add_argument("--uri", required=True, help="pkcs11:token=…;object=…?module-path=…")
    q.set_defaults(func=_generate_key)
