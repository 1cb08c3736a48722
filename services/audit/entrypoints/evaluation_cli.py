"""`telework evaluation report --agency ONDE --fiscal-year 2570 --format json|csv|pdf
[--roll-up]` (R-EVA-2, issue #18): the yearly evaluation of an agency and its sub-agencies,
computed from the audit chain. For the head of agency, HR and auditors of that agency (a
verified token)."""

import asyncio
import csv
import io
import json
from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from services.shared.cli_options import Token, sub_app
from services.shared.settings import Trust
from services.shared.usage import UsageError


async def _events() -> list[dict[str, Any]]:
    from services.audit.service_layer.evaluation import chain_events
    from services.registry import opened

    async with opened("audit") as ctx:
        return await chain_events(ctx.sessions)


def _flat(result: dict[str, Any]) -> dict[str, Any]:
    return {
        k: (json.dumps(v, ensure_ascii=False) if isinstance(v, dict) else v)
        for k, v in result.items()
    }


app = sub_app("yearly evaluation of telework (R-EVA-2) / การประเมินผลประจำปี")


@app.command()
def report(
    agency: Annotated[str, typer.Option(help="agency code")],
    fiscal_year: Annotated[int, typer.Option(help="B.E. (2570) or C.E. (2027)")],
    format: Annotated[
        Literal["json", "csv", "pdf"], typer.Option(help="json, csv or pdf")
    ] = "json",
    out: Annotated[Path | None, typer.Option(help="the PDF file to write (--format pdf)")] = None,
    roll_up: Annotated[
        bool,
        typer.Option(
            "--roll-up",
            help="the agency and each of its direct sub-agencies side by side (a ministry's view)",
        ),
    ] = False,
    token: Token = None,
) -> None:
    """An agency's figures for a fiscal year (1 Oct – 30 Sep)."""
    from services.audit.entrypoints.app import valid_year
    from services.audit.service_layer import evaluation as ev
    from services.shared.auth import AuthError, verifier_from_env
    from services.shared.settings import Settings

    if not valid_year(fiscal_year):
        raise UsageError(f"--fiscal-year {fiscal_year}: a B.E. (2570) or C.E. (2027) year")
    if format == "pdf" and not out:
        raise UsageError("--format pdf needs --out FILE.pdf")
    token = token or Trust().caller_token or ""
    try:
        actor = verifier_from_env(Settings.from_env("audit").data_dir).verify(token)
    except AuthError as exc:
        raise UsageError(f"token refused: {exc}") from None
    events = asyncio.run(_events())
    try:
        rows = [r.as_dict() for r in ev.report(events, actor, agency, fiscal_year, roll_up)]
    except ev.UnknownAgency as exc:
        raise UsageError(str(exc)) from None
    except ev.NotAllowed as exc:
        raise UsageError(f"forbidden: {exc}") from None
    if format == "pdf" and out is not None:
        from services.documents.adapters.evaluation_pdf import render_evaluation

        with open(out, "wb") as f:
            f.write(render_evaluation(rows))
        print(out)
    elif format == "json":
        print(json.dumps(rows if roll_up else rows[0], ensure_ascii=False, indent=2))
    else:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(_flat(rows[0]).keys())
        for row in rows:
            writer.writerow(_flat(row).values())
        print(buffer.getvalue(), end="")
