"""`telework attendance …`: the ledger (R-ATT-3), closing a day, rebuilding the projection."""

import argparse
import asyncio
from datetime import date
from typing import Any

from services.registry import opened
from services.shared.settings import Portal, Settings


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
        async with opened("attendance") as ctx, ctx.sessions() as s:
            return await ledger(s, args.agency, start, end, args.official)

    rows = asyncio.run(run())
    if args.format == "pdf":
        return _ledger_pdf(args, rows, start, end)
    print(to_json(rows) if args.format == "json" else to_csv(rows, args.lang), end="")
    return 0


def _ledger_pdf(args: argparse.Namespace, rows: Any, start: date, end: date) -> int:
    """The ledger as a บันทึกข้อความ (issue #17), signed when a document certificate is set
    (TELEWORK_DOCUMENT_KEY/_CERT, or the demo CA in demo mode)."""
    from pathlib import Path

    from services.attendance.domain.ledger import FLAG_NAMES, _time
    from services.documents.adapters.pdf import render_memo
    from services.documents.adapters.signing import identity_from_env, sign
    from services.documents.domain.memo import ledger_memo
    from services.shared.clock import today
    from services.shared.usage import UsageError
    from workflows.calendar import thai_date

    if not args.out:
        raise UsageError("--format pdf needs --out FILE.pdf")
    doc = ledger_memo(
        agency=args.agency,
        start=start,
        end=end,
        official=args.official,
        prepared_on=today(),
        rows=[
            [
                thai_date(r.day),
                r.official_id,
                _time(r.check_in)[:5] or "-",
                _time(r.check_out)[:5] or "-",
                "; ".join(FLAG_NAMES["th"].get(f, f) for f in r.flags)
                or ("" if r.scheduled else "ไม่ได้กำหนดไว้"),
            ]
            for r in rows
        ],
    )
    pdf, _ = render_memo(doc, document_id=f"ledger-{args.agency}-{start}-{end}")
    settings = Settings.from_env("attendance")
    who = identity_from_env(settings.data_dir, Portal().demo_login)
    if who is not None:
        pdf = asyncio.run(sign(pdf, who, reason=doc.subject, location=args.agency))
    Path(args.out).write_bytes(pdf)
    signed = "signed" if who is not None else "not signed (no TELEWORK_DOCUMENT_CERT)"
    print(f"{args.out}: {len(rows)} rows, {signed}")
    return 0


def _close_day(args: argparse.Namespace) -> int:
    from services.attendance.service_layer.handlers import AttendanceService

    day = _date(args.day, "--day")

    async def run() -> Any:
        async with opened("attendance") as ctx:
            return await AttendanceService(ctx.sessions).close_day(day)

    result = asyncio.run(run())
    print("ปิดไปแล้ว / already closed" if result is None else f"closed {day}: {result}")
    return 0


def _rebuild(args: argparse.Namespace) -> int:
    from services.attendance.entrypoints.rebuild import rebuild

    async def run() -> int:
        async with opened("attendance") as ctx:
            return await rebuild(ctx.sessions, ctx.settings.nats_url)

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
    q.add_argument("--format", choices=["csv", "json", "pdf"], default="csv")
    q.add_argument("--out", help="the PDF's file (--format pdf)")
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
