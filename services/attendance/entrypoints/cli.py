"""`telework attendance …`: the ledger (R-ATT-3), closing a day, rebuilding the projection."""

import asyncio
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from services.registry import opened
from services.shared.cli_options import Lang, sub_app
from services.shared.settings import Portal, Settings


def _date(text: str, name: str) -> date:
    from services.shared.usage import UsageError

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{name} {text!r} is not a date YYYY-MM-DD") from None


app = sub_app("attendance evidence and ledger (R-ATT) / การลงเวลาปฏิบัติราชการ")


@app.command()
def ledger(
    agency: Annotated[str, typer.Option(help="agency code")],
    from_: Annotated[str, typer.Option("--from", metavar="YYYY-MM-DD", help="first day")],
    to: Annotated[str, typer.Option(metavar="YYYY-MM-DD", help="last day")],
    official: Annotated[str | None, typer.Option(help="one official's rows")] = None,
    format: Annotated[Literal["csv", "json", "pdf"], typer.Option(help="csv, json or pdf")] = "csv",
    out: Annotated[Path | None, typer.Option(help="the PDF's file (--format pdf)")] = None,
    lang: Lang = "th",
) -> None:
    """The attendance ledger (บัญชีลงเวลา)."""
    from services.attendance.domain.ledger import to_csv, to_json
    from services.attendance.service_layer.ledger import ledger as read_ledger
    from services.shared.usage import UsageError

    start, end = _date(from_, "--from"), _date(to, "--to")
    if end < start:
        raise UsageError("--to is before --from")

    async def run() -> Any:
        async with opened("attendance") as ctx, ctx.sessions() as s:
            return await read_ledger(s, agency, start, end, official)

    rows = asyncio.run(run())
    if format == "pdf":
        _ledger_pdf(agency, official, out, rows, start, end)
    else:
        print(to_json(rows) if format == "json" else to_csv(rows, lang), end="")


def _ledger_pdf(
    agency: str, official: str | None, out: Path | None, rows: Any, start: date, end: date
) -> None:
    """The ledger as a บันทึกข้อความ (issue #17), signed when a document certificate is set
    (TELEWORK_DOCUMENT_KEY/_CERT, or the demo CA in demo mode)."""
    from services.attendance.domain.ledger import FLAG_NAMES, _time
    from services.documents.adapters.pdf import render_memo
    from services.documents.adapters.signing import identity_from_env, sign
    from services.documents.domain.memo import ledger_memo
    from services.shared.clock import today
    from services.shared.usage import UsageError
    from workflows.calendar import thai_date

    if not out:
        raise UsageError("--format pdf needs --out FILE.pdf")
    doc = ledger_memo(
        agency=agency,
        start=start,
        end=end,
        official=official,
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
    pdf, _ = render_memo(doc, document_id=f"ledger-{agency}-{start}-{end}")
    settings = Settings.from_env("attendance")
    who = identity_from_env(settings.data_dir, Portal().demo_login)
    if who is not None:
        pdf = asyncio.run(sign(pdf, who, reason=doc.subject, location=agency))
    out.write_bytes(pdf)
    signed = "signed" if who is not None else "not signed (no TELEWORK_DOCUMENT_CERT)"
    print(f"{out}: {len(rows)} rows, {signed}")


@app.command("close-day")
def close_day(day: Annotated[str, typer.Option(metavar="YYYY-MM-DD", help="the day")]) -> None:
    """Flag missing check-ins and close open ones for a day."""
    from services.attendance.service_layer.handlers import AttendanceService

    closing = _date(day, "--day")

    async def run() -> Any:
        async with opened("attendance") as ctx:
            return await AttendanceService(ctx.sessions).close_day(closing)

    result = asyncio.run(run())
    print("ปิดไปแล้ว / already closed" if result is None else f"closed {closing}: {result}")


@app.command()
def rebuild() -> None:
    """Rebuild the projection by replaying the stream (stop the attendance service first)."""
    from services.attendance.entrypoints.rebuild import rebuild as replay_stream

    async def run() -> int:
        async with opened("attendance") as ctx:
            return await replay_stream(ctx.sessions, ctx.settings.nats_url)

    print(f"replayed {asyncio.run(run())} events")
