"""`telework identity …` and `telework token issue`: HR imports, the demo seed, dev tokens."""

import asyncio
import json
import secrets
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy import select

from services.registry import opened
from services.shared.cli_options import Json, sub_app
from services.shared.secret_file import read_or_make
from services.shared.settings import Settings, Trust


def citizen_key(data_dir: Path) -> bytes:
    """Key of the citizen-id hash: `TELEWORK_CITIZEN_ID_KEY` (hex), else a local file."""
    env = Trust().citizen_id_key
    if env:
        return bytes.fromhex(env)
    made = read_or_make(data_dir / "citizen-id.key", lambda: secrets.token_hex(32).encode())
    return bytes.fromhex(made.decode().strip())


app = sub_app("agencies, officials, roles, policies (R-POL, R-ELIG) / บุคลากรและสิทธิ")
token_app = sub_app("development tokens (JWT) / โทเคนสำหรับทดสอบ")


@app.command("import")
def import_(
    files: Annotated[list[Path], typer.Argument(help="the HR export's CSV files")],
    partial: Annotated[
        bool, typer.Option("--partial", help="import the valid rows despite errors")
    ] = False,
    json_: Json = False,
) -> None:
    """Import an HR export (CSV files; see docs/identity.md)."""
    from services.identity.service_layer.handlers import LOG
    from services.identity.service_layer.importer import import_files
    from services.shared.usage import UsageError

    paths = list(files)
    for p in paths:
        if not p.is_file():
            raise UsageError(f"{p}: no such file")

    async def run() -> Any:
        async with opened("identity") as ctx:
            return await import_files(
                ctx.sessions,
                LOG,
                paths,
                partial=partial,
                citizen_key=citizen_key(ctx.settings.data_dir),
            )

    report = asyncio.run(run())
    if json_:
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
    if report.errors:
        raise typer.Exit(1 if report.applied else 2)


@app.command("seed-demo")
def seed_demo() -> None:
    """Load the demo agency (idempotent)."""
    from services.identity.demo.seed import DEMO_ACCOUNTS
    from services.identity.demo.seed import seed_demo as load_demo

    async def run() -> Any:
        async with opened("identity") as ctx:
            return await load_demo(ctx.sessions, citizen_key(ctx.settings.data_dir))

    report = asyncio.run(run())
    if report.errors:
        for e in report.errors:
            print(f"✗ {e}")
        raise typer.Exit(1)
    print("หน่วยงานตัวอย่าง ONDE พร้อมใช้งาน / demo agency ONDE is ready. Accounts:")
    for email, what in DEMO_ACCOUNTS:
        print(f"  {email:<34} {what}")


@token_app.command()
def issue(
    as_: Annotated[
        str | None, typer.Option("--as", metavar="EMAIL", help="an official, by e-mail")
    ] = None,
    service: Annotated[str | None, typer.Option(metavar="NAME", help="or a service")] = None,
    ttl_hours: Annotated[float, typer.Option(help="how long the token lives")] = 8.0,
) -> None:
    """Issue a token for an official or a service."""
    from services.identity.adapters.tables import officials
    from services.identity.service_layer.directory import actor_for
    from services.shared.auth import platform_issuer, service_actor
    from services.shared.usage import UsageError

    if (as_ is None) == (service is None):
        raise UsageError("give one of --as EMAIL or --service NAME")
    settings = Settings.from_env("identity")
    issuer = platform_issuer(settings.data_dir)

    async def actor() -> Any:
        async with opened("identity") as ctx, ctx.sessions() as s:
            oid = (
                await s.execute(
                    select(officials.c.official_id).where(officials.c.email == str(as_).lower())
                )
            ).scalar()
            if oid is None:
                raise UsageError(f"no official has the e-mail {as_}")
            return await actor_for(s, oid)

    from datetime import timedelta

    who = service_actor(service) if service else asyncio.run(actor())
    print(issuer.issue(who, ttl=timedelta(hours=ttl_hours)))


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


def _duty(name: str, token: str, **given: str | None) -> None:
    """Carry out one duty as the token's holder; identity decides as it does for the API."""
    from pydantic import ValidationError

    from contracts.requests import identity as c
    from services.identity.service_layer.handlers import IdentityService
    from services.shared.auth import AuthError, verifier_from_env
    from services.shared.rpc import RpcError
    from services.shared.usage import UsageError

    settings = Settings.from_env("identity")
    try:
        actor = verifier_from_env(settings.data_dir).verify(token)
    except AuthError as exc:
        raise UsageError(f"token refused: {exc}") from None
    method, model = DUTIES[name]
    fields = {k: v for k, v in given.items() if v is not None}
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


MyToken = Annotated[str, typer.Option(help="your token: the CLI acts as you")]
Official = Annotated[str, typer.Option(metavar="OFFICIAL_ID", help="the official")]
Agency = Annotated[str, typer.Option(metavar="AGENCY_CODE", help="the agency")]
Day = Annotated[str, typer.Option(metavar="YYYY-MM-DD")]
GrantId = Annotated[str, typer.Argument(metavar="GRANT_ID", help="the grant's id")]


@app.command()
def grant(
    token: MyToken,
    official: Official,
    agency: Agency,
    role: Annotated[str, typer.Option(help="head, hr, auditor, …")],
    from_: Annotated[str | None, typer.Option("--from", metavar="YYYY-MM-DD")] = None,
    to: Annotated[str | None, typer.Option(metavar="YYYY-MM-DD")] = None,
) -> None:
    """Grant a role (head of agency or administrator; never to oneself)."""
    _duty(
        "grant",
        token,
        official_id=official,
        agency_code=agency,
        role=role,
        valid_from=from_,
        valid_to=to,
    )


@app.command()
def revoke(token: MyToken, grant: GrantId) -> None:
    """Revoke a grant."""
    _duty("revoke", token, grant_id=grant)


@app.command("appoint-acting")
def appoint_acting(
    token: MyToken,
    official: Official,
    agency: Agency,
    from_: Annotated[str, typer.Option("--from", metavar="YYYY-MM-DD")],
    to: Day,
) -> None:
    """Appoint an acting head for a period (รักษาราชการแทน)."""
    _duty(
        "appoint-acting",
        token,
        official_id=official,
        agency_code=agency,
        valid_from=from_,
        valid_to=to,
    )


@app.command("end-acting")
def end_acting(token: MyToken, grant: GrantId) -> None:
    """End an acting-head appointment early."""
    _duty("end-acting", token, grant_id=grant)


@app.command("appoint-acting-supervisor")
def appoint_acting_supervisor(
    token: MyToken,
    supervisor: Official,
    acting: Official,
    from_: Annotated[str, typer.Option("--from", metavar="YYYY-MM-DD")],
    to: Day,
) -> None:
    """Appoint someone to act for an absent supervisor for a period (ปฏิบัติหน้าที่แทน)."""
    _duty(
        "appoint-acting-supervisor",
        token,
        supervisor_id=supervisor,
        acting_id=acting,
        valid_from=from_,
        valid_to=to,
    )


@app.command("end-acting-supervisor")
def end_acting_supervisor(token: MyToken, grant: GrantId) -> None:
    """End an acting-supervisor appointment early."""
    _duty("end-acting-supervisor", token, grant_id=grant)


@app.command()
def deactivate(token: MyToken, official: Official) -> None:
    """An official who left: end their roles and sign-in (HR)."""
    _duty("deactivate", token, official_id=official)
