"""`telework`: one command line for operators, HR staff, auditors and developers.

Built on Typer: each group lives beside the service it drives and is added here under a help
panel by the people who use it. Bad input exits with status 2 and a reason on stderr; a check
that fails exits 1.
"""

import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Literal

import typer

from services.shared.cli_options import sub_app
from services.shared.settings import Operations
from services.shared.usage import UsageError

__all__ = ["UsageError", "app", "main"]

EXIT_INVALID = 2
EXIT_INTERNAL = 70  # EX_SOFTWARE: not 1, which some commands use for "the check failed"

RUN = "ติดตั้งและเดินระบบ / Run and operate"
WORK = "งานปฏิบัติราชการนอกสถานที่ / Telework"
PEOPLE = "บุคคลและสิทธิ / People and access"
AUDIT = "ตรวจสอบ / Audit and evaluation"
DEVELOP = "พัฒนา / Development"

app = typer.Typer(
    name="telework",
    help="ระบบปฏิบัติราชการนอกสถานที่ / Telework platform for Thai government agencies",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
DataDir = Annotated[Path, typer.Option(help="where the embedded stack keeps its data")]


@app.command(rich_help_panel=RUN)
def serve(service: Annotated[str, typer.Argument(help="identity, attendance, portal, …")]) -> None:
    """Run one service as its own process."""
    from services.registry import UnknownService, spec
    from services.shared.runtime import run_service
    from services.shared.runtime import serve as serving
    from services.shared.supervised import die_with_parent

    die_with_parent()
    try:
        chosen = spec(service)
    except UnknownService as exc:
        raise UsageError(str(exc)) from None
    run_service(serving(chosen))


@app.command(rich_help_panel=RUN)
def run(data_dir: DataDir = Path(".data")) -> None:
    """Start the embedded stack and every service, seed the demo agency (make run)."""
    from infra.run import run_all

    code = run_all(data_dir.resolve())
    if code:
        raise typer.Exit(code)


@app.command(rich_help_panel=RUN)
def stack(
    action: Annotated[Literal["up", "down"], typer.Argument(help="up or down")],
    data_dir: DataDir = Path(".data"),
) -> None:
    """Start or stop the embedded NATS and Temporal (make up / make down)."""
    from infra import stack as embedded

    resolved = data_dir.resolve()
    print("\n".join(embedded.up(resolved) if action == "up" else embedded.down(resolved)))


db = sub_app("database schemas / โครงสร้างฐานข้อมูล")


@db.command("upgrade")
def db_upgrade() -> None:
    """Bring every service's schema to its latest migration."""
    from services.registry import SERVICES, spec
    from services.shared import migrate
    from services.shared.runtime import open_context
    from services.shared.settings import Settings

    async def upgrade_all() -> None:
        for name in SERVICES:
            ctx = await open_context(spec(name), Settings.from_env(name), asyncio.Event())
            await ctx.engine.dispose()
            print(f"{name}: schema at {migrate.head(name)}")

    asyncio.run(upgrade_all())


db.command("init", help="The same as upgrade (kept for scripts).")(db_upgrade)

contracts = sub_app("published event contracts / สัญญาเหตุการณ์ที่เผยแพร่")


@contracts.command("export")
def contracts_export(
    out: Annotated[
        Path | None, typer.Option(help="schema folder (default contracts/schemas)")
    ] = None,
    catalogue: Annotated[Path, typer.Option(help="the event catalogue")] = Path("docs/events.md"),
) -> None:
    """Write JSON Schemas, AsyncAPI and the event catalogue."""
    from contracts.export import SCHEMA_DIR, write

    for path in write(out or SCHEMA_DIR, catalogue):
        print(path)


def _groups() -> None:
    """Every service's group, under the panel of the people who use it. Imported here, not by
    the services: a service's commands never import this module (no import circle)."""
    from infra.nats.subscribers import app as nats_app
    from services.attendance.entrypoints.cli import app as attendance_app
    from services.audit.entrypoints.cli import app as audit_app
    from services.audit.entrypoints.evaluation_cli import app as evaluation_app
    from services.documents.entrypoints.cli import app as document_app
    from services.esaraban.entrypoints.cli import app as esaraban_app
    from services.identity.entrypoints.cli import app as identity_app
    from services.identity.entrypoints.cli import token_app
    from services.meetings.entrypoints.cli import app as meeting_app
    from services.notification.entrypoints.cli import app as notify_app
    from services.ops_cli import dlq_app, status
    from services.portal.cli import app as portal_app
    from workflows.schedule_cli import schedule

    app.command(rich_help_panel=RUN)(status)
    app.add_typer(dlq_app, name="dlq", rich_help_panel=RUN)
    app.add_typer(nats_app, name="nats", rich_help_panel=RUN)
    app.add_typer(db, name="db", rich_help_panel=RUN)
    app.add_typer(notify_app, name="notify", rich_help_panel=RUN)
    app.add_typer(portal_app, name="portal", rich_help_panel=RUN)
    app.command(rich_help_panel=WORK)(schedule)
    app.add_typer(attendance_app, name="attendance", rich_help_panel=WORK)
    app.add_typer(meeting_app, name="meeting", rich_help_panel=WORK)
    app.add_typer(document_app, name="document", rich_help_panel=WORK)
    app.add_typer(esaraban_app, name="esaraban", rich_help_panel=WORK)
    app.add_typer(identity_app, name="identity", rich_help_panel=PEOPLE)
    app.add_typer(token_app, name="token", rich_help_panel=PEOPLE)
    app.add_typer(audit_app, name="audit", rich_help_panel=AUDIT)
    app.add_typer(evaluation_app, name="evaluation", rich_help_panel=AUDIT)
    app.add_typer(contracts, name="contracts", rich_help_panel=DEVELOP)


_groups()


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; its exit status is returned (and is the process's status)."""
    try:
        # Operators' commands connect to NATS as the admin identity when there is one.
        from infra.nats import identities
        from services.shared.settings import Settings

        identities.use("admin", identities.seed_dir_of(Settings.from_env("cli").data_dir))
        typer.main.get_command(app).main(
            list(sys.argv[1:] if argv is None else argv), prog_name="telework"
        )
        return 0
    except SystemExit as exc:  # Typer's own ending: help, a usage error (2), typer.Exit(n)
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except UsageError as exc:
        print(f"telework: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `telework … | head`: the reader has what it wanted
        sys.stderr.close()
        return 0
    except Exception as exc:
        # No traceback reaches a user (issue #21, item 6): what failed, and where to look.
        print(
            f"telework: internal error ({type(exc).__name__}); "
            "set TELEWORK_DEBUG=1 to see the traceback",
            file=sys.stderr,
        )
        if Operations().debug:
            raise
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
