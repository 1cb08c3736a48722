"""`telework evaluation report --agency ONDE --fiscal-year 2570 --format json|csv` (R-EVA-2,
issue #18): the yearly evaluation of an agency and its sub-agencies, computed from the audit
chain. For the head of agency, HR and auditors of that agency (a verified token)."""

import argparse
import asyncio
import csv
import io
import json
import os
from typing import Any

from services.shared.usage import UsageError


async def _events() -> list[dict[str, Any]]:
    from sqlalchemy import select

    from services.audit.adapters.tables import chain
    from services.audit.entrypoints.cli import _context

    ctx = await _context()
    try:
        async with ctx.sessions() as s:
            rows = (await s.execute(select(chain.c.canonical).order_by(chain.c.position))).scalars()
            return [json.loads(bytes(r)) for r in rows]
    finally:
        await ctx.engine.dispose()


def _report(args: argparse.Namespace) -> int:
    from services.audit.domain.evaluation import agency_parents, agency_path, evaluate
    from services.shared.auth import AuthError, verifier_from_env
    from services.shared.authz import Resource, can
    from services.shared.settings import Settings

    if not 1990 <= args.fiscal_year <= 2200 and not 2533 <= args.fiscal_year <= 2743:
        raise UsageError(f"--fiscal-year {args.fiscal_year}: a B.E. (2570) or C.E. (2027) year")
    token = args.token or os.environ.get("TELEWORK_TOKEN", "")
    try:
        actor = verifier_from_env(Settings.from_env("audit").data_dir).verify(token)
    except AuthError as exc:
        raise UsageError(f"token refused: {exc}") from None
    events = asyncio.run(_events())
    if args.agency not in agency_parents(events):
        raise UsageError(f"no agency {args.agency} in the history")
    path = agency_path(events, args.agency)
    decision = can(actor, "evaluation.read", Resource("agency", path))
    if not decision:
        raise UsageError(f"forbidden: {decision.reason}")
    result = evaluate(events, args.agency, args.fiscal_year).as_dict()
    if args.format == "json":
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        out = io.StringIO()
        writer = csv.writer(out)
        flat = {
            k: (json.dumps(v, ensure_ascii=False) if isinstance(v, dict) else v)
            for k, v in result.items()
        }
        writer.writerow(flat.keys())
        writer.writerow(flat.values())
        print(out.getvalue(), end="")
    return 0


def register(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    p = sub.add_parser("evaluation", help="yearly evaluation of telework (R-EVA-2)")
    e = p.add_subparsers(dest="evaluation_command", required=True)
    q = e.add_parser("report", help="an agency's figures for a fiscal year (1 Oct – 30 Sep)")
    q.add_argument("--agency", required=True)
    q.add_argument("--fiscal-year", type=int, required=True, help="B.E. (2570) or C.E. (2027)")
    q.add_argument("--format", choices=["json", "csv"], default="json")
    q.add_argument("--token", help="head, HR or auditor token (default $TELEWORK_TOKEN)")
    q.set_defaults(func=_report)
