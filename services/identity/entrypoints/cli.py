"""`telework identity …` and `telework token issue`: HR imports, the demo seed, dev tokens."""

import argparse
import asyncio
import json
import os
import secrets
from pathlib import Path
from typing import Any

from sqlalchemy import select

from services.shared.settings import Settings


def citizen_key(data_dir: Path) -> bytes:
    """Key of the citizen-id hash: `TELEWORK_CITIZEN_ID_KEY` (hex), else a local file."""
    env = os.environ.get("TELEWORK_CITIZEN_ID_KEY")
    if env:
        return bytes.fromhex(env)
    path = data_dir / "citizen-id.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return bytes.fromhex(path.read_text().strip())


async def _context() -> Any:
    from services.registry import spec
    from services.shared.runtime import open_context

    return await open_context(spec("identity"), Settings.from_env("identity"), asyncio.Event())


def _import(args: argparse.Namespace) -> int:
    from services.cli import UsageError
    from services.identity.service_layer.handlers import LOG
    from services.identity.service_layer.importer import import_files

    paths = [Path(p) for p in args.files]
    for p in paths:
        if not p.is_file():
            raise UsageError(f"{p}: no such file")

    async def run() -> Any:
        ctx = await _context()
        try:
            return await import_files(
                ctx.sessions,
                LOG,
                paths,
                partial=args.partial,
                citizen_key=citizen_key(ctx.settings.data_dir),
            )
        finally:
            await ctx.engine.dispose()

    report = asyncio.run(run())
    if args.json:
        print(
            json.dumps(
                {
                    "applied": report.applied,
                    "counts": report.counts,
                    "errors": [{"where": e.where, "reason": e.reason} for e in report.errors],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        for e in report.errors:
            print(f"✗ {e}")
        if report.applied:
            print(
                "นำเข้าแล้ว / imported: "
                + ", ".join(f"{k}={v}" for k, v in sorted(report.counts.items()))
            )
        else:
            print(
                f"ไม่ได้นำเข้า: พบข้อผิดพลาด {len(report.errors)} แถว / nothing imported: "
                f"{len(report.errors)} bad rows (use --partial to import the valid rows)"
            )
    if not report.errors:
        return 0
    return 1 if report.applied else 2


def _seed_demo(args: argparse.Namespace) -> int:
    from services.identity.demo.seed import DEMO_ACCOUNTS, seed_demo

    async def run() -> Any:
        ctx = await _context()
        try:
            return await seed_demo(ctx.sessions, citizen_key(ctx.settings.data_dir))
        finally:
            await ctx.engine.dispose()

    report = asyncio.run(run())
    if report.errors:
        for e in report.errors:
            print(f"✗ {e}")
        return 1
    print("หน่วยงานตัวอย่าง ONDE พร้อมใช้งาน / demo agency ONDE is ready. Accounts:")
    for email, what in DEMO_ACCOUNTS:
        print(f"  {email:<34} {what}")
    return 0


def _token(args: argparse.Namespace) -> int:
    from services.cli import UsageError
    from services.identity.adapters.tables import officials
    from services.identity.service_layer.directory import actor_for
    from services.shared.auth import DevIssuer, service_actor

    settings = Settings.from_env("identity")
    issuer = DevIssuer.load_or_create(settings.data_dir / "dev-issuer.pem")

    async def actor() -> Any:
        ctx = await _context()
        try:
            async with ctx.sessions() as s:
                oid = (
                    await s.execute(
                        select(officials.c.official_id).where(
                            officials.c.email == args.as_email.lower()
                        )
                    )
                ).scalar()
                if oid is None:
                    raise UsageError(f"no official has the e-mail {args.as_email}")
                return await actor_for(s, oid)
        finally:
            await ctx.engine.dispose()

    from datetime import timedelta

    who = service_actor(args.service) if args.service else asyncio.run(actor())
    print(issuer.issue(who, ttl=timedelta(hours=args.ttl_hours)))
    return 0


def register(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    p = sub.add_parser("identity", help="agencies, officials, roles, policies (R-POL, R-ELIG)")
    i = p.add_subparsers(dest="identity_command", required=True)
    q = i.add_parser("import", help="import an HR export (CSV files; see docs/identity.md)")
    q.add_argument("files", nargs="+")
    q.add_argument("--partial", action="store_true", help="import the valid rows despite errors")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=_import)
    q = i.add_parser("seed-demo", help="load the demo agency (idempotent)")
    q.set_defaults(func=_seed_demo)

    p = sub.add_parser("token", help="development tokens (JWT)")
    t = p.add_subparsers(dest="token_command", required=True)
    q = t.add_parser("issue", help="issue a token for an official or a service")
    who = q.add_mutually_exclusive_group(required=True)
    who.add_argument("--as", dest="as_email", metavar="EMAIL")
    who.add_argument("--service", metavar="NAME")
    q.add_argument("--ttl-hours", type=float, default=8.0)
    q.set_defaults(func=_token)
