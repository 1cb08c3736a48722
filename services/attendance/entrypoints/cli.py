"""`telework attendance …`: the ledger (R-ATT-3), closing a day, rebuilding the projection."""

import argparse
import asyncio
from datetime import date
from typing import Any

from services.shared.settings import Settings


async def _context() -> Any:
    from services.registry import spec
    from services.shared.runtime import open_context

    return await open_context(spec("attendance"), Settings.from_env("attendance"), asyncio.Event())


def _date(text: str, name: str) -> date:
    from services.shared.usage import UsageError

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{name} {text!r} is not a date YYYY-MM-DD") from None


def _ledger(args: argparse.Namespace) -> int:
    from services.attendance.domain.ledger import to_csv, to_json
    from services.attendance.service_layer.ledger import ledger
    from services.shared.usage import UsageError

    start, end = _date(args.from_, "--from"), _date(args.to, "--to")
    if end < start:
        raise UsageError("--to is before --from")

    async def run() -> Any:
        ctx = await _context()
        try:
            async with ctx.sessions() as s:
                return await ledger(s, args.agency, start, end, args.official)
        finally:
            await ctx.engine.dispose()

    rows = asyncio.run(run())
    print(to_json(rows) if args.format == "json" else to_csv(rows, args.lang), end="")
    return 0


def _close_day(args: argparse.Namespace) -> int:
    from services.attendance.service_layer.handlers import AttendanceService

    day = _date(args.day, "--day")

    async def run() -> Any:
        ctx = await _context()
        try:
            return await AttendanceService(ctx.sessions).close_day(day)
        finally:
            await ctx.engine.dispose()

    result = asyncio.run(run())
    print("ปิดไปแล้ว / already closed" if result is None else f"closed {day}: {result}")
    return 0


def _rebuild(args: argparse.Namespace) -> int:
    from services.attendance.entrypoints.rebuild import rebuild

    async def run() -> int:
        ctx = await _context()
        try:
            return await rebuild(ctx.sessions, ctx.settings.nats_url)
        finally:
            await ctx.engine.dispose()

    print(f"replayed {asyncio.run(run())} events")
    return 0


def register(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    p = sub.add_parser("attendance", help="attendance evidence and ledger (R-ATT)")
    a = p.add_subparsers(dest="attendance_command", required=True)
    q = a.add_parser("ledger", help="the attendance ledger (บัญชีลงเวลา)")
    q.add_argument("--agency", required=True)
    q.add_argument("--official")
    q.add_argument("--from", dest="from_", required=True, metavar="YYYY-MM-DD")
    q.add_argument("--to", required=True, metavar="YYYY-MM-DD")
    q.add_argument("--format", choices=["csv", "json"], default="csv")
    q.add_argument("--lang", choices=["th", "en"], default="th")
    q.set_defaults(func=_ledger)
    q = a.add_parser("close-day", help="flag missing check-ins and close open ones for a day")
    q.add_argument("--day", required=True)
    q.set_defaults(func=_close_day)
    q = a.add_parser(
        "rebuild",
        help="rebuild the projection by replaying the stream (stop the attendance service first)",
    )
    q.set_defaults(func=_rebuild)
