"""`telework evaluation report --agency ONDE --fiscal-year 2570 --format json|csv|pdf
[--roll-up]` (R-EVA-2, issue #18): the yearly evaluation of an agency and its sub-agencies,
computed from the audit chain. For the head of agency, HR and auditors of that agency (a
verified token)."""

import argparse
import asyncio
import csv
import io
import json
from typing import Any

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


def _report(args: argparse.Namespace) -> int:
    from services.audit.entrypoints.app import valid_year
    from services.audit.service_layer import evaluation as ev
    from services.shared.auth import AuthError, verifier_from_env
    from services.shared.settings import Settings

    if not valid_year(args.fiscal_year):
        raise UsageError(f"--fiscal-year {args.fiscal_year}: a B.E. (2570) or C.E. (2027) year")
    if args.format == "pdf" and not args.out:
        raise UsageError("--format pdf needs --out FILE.pdf")
    token = args.token or Trust().caller_token or ""
    try:
        actor = verifier_from_env(Settings.from_env("audit").data_dir).verify(token)
    except AuthError as exc:
        raise UsageError(f"token refused: {exc}") from None
    events = asyncio.run(_events())
    try:
        rows = [
            r.as_dict()
            for r in ev.report(events, actor, args.agency, args.fiscal_year, args.roll_up)
        ]
    except ev.UnknownAgency as exc:
        raise UsageError(str(exc)) from None
    except ev.NotAllowed as exc:
        raise UsageError(f"forbidden: {exc}") from None
    if args.format == "pdf":
        from services.documents.adapters.evaluation_pdf import render_evaluation

        with open(args.out, "wb") as f:
            f.write(render_evaluation(rows))
        print(args.out)
    elif args.format == "json":
        print(json.dumps(rows if args.roll_up else rows[0], ensure_ascii=False, indent=2))
    else:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(_flat(rows[0]).keys())
        for row in rows:
            writer.writerow(_flat(row).values())
        print(out.getvalue(), end="")
    return 0


def register(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    p = sub.add_parser("evaluation", help="yearly evaluation of telework (R-EVA-2)")
    e = p.add_subparsers(dest="evaluation_command", required=True)
    q = e.add_parser("report", help="an agency's figures for a fiscal year (1 Oct – 30 Sep)")
    q.add_argument("--agency", required=True)
    q.add_argument("--fiscal-year", type=int, required=True, help="B.E. (2570) or C.E. (2027)")
    q.add_argument("--format", choices=["json", "csv", "pdf"], default="json")
    q.add_argument("--out", help="the PDF file to write (--format pdf)")
    q.add_argument(
        "--roll-up",
        action="store_true",
        help="the agency and each of its direct sub-agencies side by side (a ministry's view)",
    )
    q.add_argument("--token", help="head, HR or auditor token (default $TELEWORK_TOKEN)")
    q.set_defaults(func=_report)
