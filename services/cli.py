"""`telework`: one command line for operators, HR staff, auditors and developers.

Bad input exits with status 2 and a reason on stderr; a check that fails exits 1.
"""

import argparse
import asyncio
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from services.shared.settings import Operations
from services.shared.usage import UsageError

__all__ = ["UsageError", "main"]

EXIT_INVALID = 2
EXIT_INTERNAL = 70  # EX_SOFTWARE: not 1, which some commands use for "the check failed"

Command = Callable[[argparse.Namespace], int]


def _serve(args: argparse.Namespace) -> int:
    from services.registry import UnknownService, spec
    from services.shared.runtime import run_service, serve

    try:
        service = spec(args.service)
    except UnknownService as exc:
        raise UsageError(str(exc)) from None
    run_service(serve(service))
    return 0


def _contracts_export(args: argparse.Namespace) -> int:
    from contracts.export import SCHEMA_DIR, write

    for path in write(Path(args.out) if args.out else SCHEMA_DIR, Path(args.catalogue)):
        print(path)
    return 0


def _stack(args: argparse.Namespace) -> int:
    from infra import stack

    data_dir = Path(args.data_dir).resolve()
    lines = stack.up(data_dir) if args.action == "up" else stack.down(data_dir)
    print("\n".join(lines))
    return 0


def _run(args: argparse.Namespace) -> int:
    from infra.run import run_all

    return run_all(Path(args.data_dir).resolve())


def _db_init(args: argparse.Namespace) -> int:
    from services.registry import SERVICES, spec
    from services.shared import migrate
    from services.shared.runtime import open_context
    from services.shared.settings import Settings

    async def init_all() -> None:
        for name in SERVICES:
            ctx = await open_context(spec(name), Settings.from_env(name), asyncio.Event())
            await ctx.engine.dispose()
            print(f"{name}: schema at {migrate.head(name)}")

    asyncio.run(init_all())
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="telework",
        description="ระบบปฏิบัติราชการนอกสถานที่ / Telework platform for Thai government agencies",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("serve", help="run one service as its own process")
    p.add_argument("service")
    p.set_defaults(func=_serve)

    p = sub.add_parser("run", help="start the embedded stack and every service (make run)")
    p.add_argument("--data-dir", default=".data")
    p.set_defaults(func=_run)

    p = sub.add_parser("stack", help="start or stop the embedded NATS and Temporal (make up/down)")
    p.add_argument("action", choices=["up", "down"])
    p.add_argument("--data-dir", default=".data")
    p.set_defaults(func=_stack)

    p = sub.add_parser("db", help="database schemas")
    db = p.add_subparsers(dest="db_command", required=True)
    q = db.add_parser("upgrade", help="bring every service's schema to its latest migration")
    q.set_defaults(func=_db_init)
    q = db.add_parser("init", help="the same as upgrade (kept for scripts)")
    q.set_defaults(func=_db_init)

    p = sub.add_parser("contracts", help="published event contracts")
    c = p.add_subparsers(dest="contracts_command", required=True)
    q = c.add_parser("export", help="write JSON Schemas, AsyncAPI and docs/events.md")
    q.add_argument("--out", help="schema folder (default: contracts/schemas)")
    q.add_argument("--catalogue", default="docs/events.md")
    q.set_defaults(func=_contracts_export)

    from infra.nats.subscribers import register as register_nats
    from services.attendance.entrypoints.cli import register as register_attendance
    from services.audit.entrypoints.cli import register as register_audit
    from services.audit.entrypoints.evaluation_cli import register as register_evaluation
    from services.documents.entrypoints.cli import register as register_document
    from services.esaraban.entrypoints.cli import register as register_esaraban
    from services.identity.entrypoints.cli import register as register_identity
    from services.meetings.entrypoints.cli import register as register_meeting
    from services.notification.entrypoints.cli import register as register_notify
    from services.ops_cli import register as register_ops
    from workflows.schedule_cli import register as register_schedule

    register_attendance(sub)
    register_audit(sub)
    register_evaluation(sub)
    register_document(sub)
    register_esaraban(sub)
    register_notify(sub)
    register_identity(sub)
    register_meeting(sub)
    register_schedule(sub)
    register_ops(sub)
    register_nats(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func: Command = args.func
    try:
        # Operators' commands connect to NATS as the admin identity when there is one.
        from infra.nats import identities
        from services.shared.settings import Settings

        identities.use("admin", identities.seed_dir_of(Settings.from_env("cli").data_dir))
        return func(args)
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
