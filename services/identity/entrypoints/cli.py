"""`telework identity …` and `telework token issue`: HR imports, the demo seed, dev tokens."""

import argparse
import asyncio
import json
import secrets
from pathlib import Path
from typing import Any

from sqlalchemy import select

from services.registry import opened
from services.shared.settings import Settings, Trust


def citizen_key(data_dir: Path) -> bytes:
    """Key of the citizen-id hash: `TELEWORK_CITIZEN_ID_KEY` (hex), else a local file."""
    env = Trust().citizen_id_key
    if env:
        return bytes.fromhex(env)
    path = data_dir / "citizen-id.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return bytes.fromhex(path.read_text().strip())


def _import(args: argparse.Namespace) -> int:
    from services.identity.service_layer.handlers import LOG
    from services.identity.service_layer.importer import import_files
    from services.shared.usage import UsageError

    paths = [Path(p) for p in args.files]
    for p in paths:
        if not p.is_file():
            raise UsageError(f"{p}: no such file")

    async def run() -> Any:
        async with opened("identity") as ctx:
            return await import_files(
                ctx.sessions,
                LOG,
                paths,
                partial=args.partial,
                citizen_key=citizen_key(ctx.settings.data_dir),
            )

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
        async with opened("identity") as ctx:
            return await seed_demo(ctx.sessions, citizen_key(ctx.settings.data_dir))

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
    from services.identity.adapters.tables import officials
    from services.identity.service_layer.directory import actor_for
    from services.shared.auth import platform_issuer, service_actor
    from services.shared.usage import UsageError

    settings = Settings.from_env("identity")
    issuer = platform_issuer(settings.data_dir)

    async def actor() -> Any:
        async with opened("identity") as ctx, ctx.sessions() as s:
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

    from datetime import timedelta

    who = service_actor(args.service) if args.service else asyncio.run(actor())
    print(issuer.issue(who, ttl=timedelta(hours=args.ttl_hours)))
    return 0


# Grants, acting heads and departures (issue #14): the CLI acts as the person whose token it is
# given, and the identity service decides exactly as it does for the API.
DUTIES = {
    "grant": ("grant_role", "GrantRole"),
    "revoke": ("revoke_role", "RevokeRole"),
    "appoint-acting": ("appoint_acting_head", "AppointActingHead"),
    "end-acting": ("end_acting_head", "EndActingHead"),
    "appoint-acting-supervisor": ("appoint_acting_supervisor", "AppointActingSupervisor"),
    "end-acting-supervisor": ("end_acting_supervisor", "EndActingSupervisor"),
    "deactivate": ("deactivate_official", "DeactivateOfficial"),
}


def _duty(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from services.identity.service_layer import commands as c
    from services.identity.service_layer.handlers import IdentityService
    from services.shared.auth import AuthError, verifier_from_env
    from services.shared.rpc import RpcError
    from services.shared.usage import UsageError

    settings = Settings.from_env("identity")
    try:
        actor = verifier_from_env(settings.data_dir).verify(args.token)
    except AuthError as exc:
        raise UsageError(f"token refused: {exc}") from None
    method, model = DUTIES[args.identity_command]
    fields = {
        k: v
        for k, v in (
            ("official_id", args.official),
            ("role", getattr(args, "role", None)),
            ("agency_code", getattr(args, "agency", None)),
            ("valid_from", getattr(args, "valid_from", None)),
            ("valid_to", getattr(args, "valid_to", None)),
            ("grant_id", getattr(args, "grant", None)),
            ("supervisor_id", getattr(args, "supervisor", None)),
            ("acting_id", getattr(args, "acting", None)),
        )
        if v is not None
    }
    try:
        command = getattr(c, model).model_validate(fields)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise UsageError(f"{'.'.join(map(str, first['loc']))}: {first['msg']}") from None

    async def run() -> Any:
        async with opened("identity") as ctx:
            return await getattr(IdentityService(ctx.sessions), method)(actor, command)

    try:
        result = asyncio.run(run())
    except RpcError as exc:
        raise UsageError(f"{exc.code}: {exc.reason_th} / {exc.reason_en}") from None
    print(json.dumps(result, ensure_ascii=False, default=str))
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
    helps = {
        "grant": "grant a role (head of agency or administrator; never to oneself)",
        "revoke": "revoke a grant",
        "appoint-acting": "appoint an acting head for a period (รักษาราชการแทน)",
        "end-acting": "end an acting-head appointment early",
        "appoint-acting-supervisor": (
            "appoint someone to act for an absent supervisor for a period (ปฏิบัติหน้าที่แทน)"
        ),
        "end-acting-supervisor": "end an acting-supervisor appointment early",
        "deactivate": "an official who left: end their roles and sign-in (HR)",
    }
    for name, text in helps.items():
        q = i.add_parser(name, help=text)
        q.add_argument("--token", required=True, help="your token: the CLI acts as you")
        q.set_defaults(func=_duty, official=None)
        if name in ("grant", "appoint-acting", "deactivate"):
            q.add_argument("--official", required=True, metavar="OFFICIAL_ID")
        if name in ("grant", "appoint-acting"):
            q.add_argument("--agency", required=True, metavar="AGENCY_CODE")
            q.add_argument("--from", dest="valid_from", required=name == "appoint-acting")
            q.add_argument("--to", dest="valid_to", required=name == "appoint-acting")
        if name == "grant":
            q.add_argument("--role", required=True)
        if name == "appoint-acting-supervisor":
            q.add_argument("--supervisor", required=True, metavar="OFFICIAL_ID")
            q.add_argument("--acting", required=True, metavar="OFFICIAL_ID")
            q.add_argument("--from", dest="valid_from", required=True)
            q.add_argument("--to", dest="valid_to", required=True)
        if name in ("revoke", "end-acting", "end-acting-supervisor"):
            q.add_argument("grant", metavar="GRANT_ID")

    p = sub.add_parser("token", help="development tokens (JWT)")
    t = p.add_subparsers(dest="token_command", required=True)
    q = t.add_parser("issue", help="issue a token for an official or a service")
    who = q.add_mutually_exclusive_group(required=True)
    who.add_argument("--as", dest="as_email", metavar="EMAIL")
    who.add_argument("--service", metavar="NAME")
    q.add_argument("--ttl-hours", type=float, default=8.0)
    q.set_defaults(func=_token)
