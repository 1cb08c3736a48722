"""docs/requirements.md: each requirement of SPEC.md, where the code cites it and which tests
show it (issue #20, item 8). `python -m infra.requirements` rewrites the page; a unit test
fails when the page is stale or a requirement is neither tested nor listed as not yet built.

SPEC.md lives beside the repository, not in it, so its ids and one-line titles are kept here.
"""

import re
import sys
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "requirements.md"
CODE_DIRS = ("services", "workflows", "contracts", "infra")
TEST_DIRS = ("tests",)

SPEC: dict[str, str] = {
    "R-POL-1": "The head publishes a versioned policy; each engagement records its version",
    "R-POL-2": "Agencies inherit their parent's policy unless they publish their own",
    "R-MODE-1": "Regular telework: a fixed rhythm over a period",
    "R-MODE-2": "Occasional telework: a run of days",
    "R-MODE-3": "Outside the scheduled days the official works at the office",
    "R-MODE-4": "Schedules become dates on official working days",
    "R-ELIG-1": "Work that may be done away (fully or partly)",
    "R-ELIG-2": "Work that may not (confidential data, on-site duties)",
    "R-ELIG-3": "An ineligible request is refused with the rule that refused it",
    "R-SEL-1": "The first-level supervisor selects: voluntary or for necessity",
    "R-SEL-2": "The supervisor records the official's traits and readiness",
    "R-AGR-1": "Goals agreed as concrete outputs before starting",
    "R-AGR-2": "Both accept the same version; a change makes a new version",
    "R-AGR-3": "The official acknowledges the ethics guideline",
    "R-ORD-1": "A supervisor proposes to the head of agency",
    "R-ORD-2": "Only the head (or acting head) issues or refuses the order",
    "R-ORD-3": "The order is a document an e-saraban system can take",
    "R-MON-1": "Progress reports at the policy's cadence",
    "R-MON-2": "A late report draws a reminder, then escalates",
    "R-MON-3": "An IT-support channel for teleworkers",
    "R-ATT-1": "Evidence of dates and times worked; no acknowledged check-in lost",
    "R-ATT-2": "Check-ins matched to the order's schedule",
    "R-ATT-3": "The attendance ledger exported per agency, official and period",
    "R-TRM-1": "A supervisor proposes termination for cause",
    "R-TRM-2": "The head decides; a withdrawal ends the engagement early",
    "R-EVA-1": "Final report and the supervisor's assessment of each goal",
    "R-EVA-2": "Yearly evaluation of telework as a whole",
    "R-EVA-3": "Reports show the benefits of §12",
    "R-MTG-1": "Meeting quorum and the allowance",
    "R-MTG-2": "One third of the quorum in one place; all inside the Kingdom (NCPO 74/2557)",
    "R-MTG-3": "Excluded meeting kinds and classified matters",
    "R-MTG-4": "Every attendee recorded, with traffic data",
    "R-MTG-5": "Rule sets versioned by their legal basis",
    "R-MTG-6": "The law in force on the meeting's day decides (Emergency Decree 2563)",
    "R-LAW-1": "PM Office Regulation 2565 on work outside the premises as a rule set",
    "R-LAW-2": "Working days exclude officials' holidays, cabinet and agency days",
    "R-LAW-3": "Policy depth: office days, deadlines, half days, location, appeal, acting",
    "R-TEC-1": "The agency's and the official's technology readiness",
    "R-INT-1": "Every state change is a published, versioned event; subscribers see their agency",
    "R-INT-2": "Auditors replay history and prove it was not altered",
    "R-INT-3": "Agency-wide scale on Temporal, NATS and PostgreSQL",
    "R-INT-4": "Each role sees only what it needs; no personal data in logs",
    "R-SEC-1": "Every component has its own NATS identity; no anonymous access",
    "R-SEC-2": "Every engagement step taken by an actor proven by a verified token",
    "R-SEC-3": "OIDC sign-in; sessions end at logout; rate limits; CSRF",
    "R-SEC-4": "Separation of duties; HR changes only its subtree",
    "R-SEC-5": "History cannot be rewritten, cut or extended undetected",
    "R-DOC-1": "Thai official documents (orders, agreements, ledgers)",
    "R-DOC-2": "e-saraban interchange and acknowledgement",
    "R-DEP-1": "Several processes per service; nothing lost or doubled",
    "R-DEP-2": "NATS and Temporal as clusters",
    "R-DEP-3": "An image with manifests; health, metrics, traces",
}

# Requirements with no test yet, and why: each leaves this list when its test lands.
NOT_YET: dict[str, str] = {}

CITE = re.compile(r"R-([A-Z]+)-(\d+)(?:\s*(?:\.\.|–|-)\s*(\d+))?")


def cited(text: str) -> set[str]:
    """R-ids in `text`; a range such as R-MTG-1..5 names each id in it."""
    found: set[str] = set()
    for family, first, last in CITE.findall(text):
        end = int(last) if last and int(last) > int(first) else int(first)
        found.update(f"R-{family}-{n}" for n in range(int(first), min(end, int(first) + 9) + 1))
    return found


def _files(dirs: Iterable[str]) -> Iterable[Path]:
    for d in dirs:
        yield from sorted((ROOT / d).rglob("*.py"))


def index(dirs: Iterable[str]) -> dict[str, list[str]]:
    where: dict[str, list[str]] = {rid: [] for rid in SPEC}
    for path in _files(dirs):
        if path == Path(__file__).resolve():
            continue
        for rid in cited(path.read_text(encoding="utf-8")):
            if rid in where:
                where[rid].append(str(path.relative_to(ROOT)))
    return where


def render() -> str:
    code, tests = index(CODE_DIRS), index(TEST_DIRS)
    lines = [
        "# Requirements → code → tests",
        "",
        "Generated by `python -m infra.requirements` (also `make contracts`); a test keeps it",
        "current. Each SPEC.md requirement, the modules that cite it, and the tests that show it.",
        "",
        "| id | requirement | code | tests |",
        "|---|---|---|---|",
    ]
    for rid, title in SPEC.items():
        shown_code = ", ".join(f"`{p}`" for p in code[rid][:4]) + (
            f" +{len(code[rid]) - 4}" if len(code[rid]) > 4 else ""
        )
        shown_tests = (
            ", ".join(f"`{p}`" for p in tests[rid][:4])
            + (f" +{len(tests[rid]) - 4}" if len(tests[rid]) > 4 else "")
            if tests[rid]
            else f"**not yet built** ({NOT_YET.get(rid, 'no test cites it')})"
        )
        lines.append(f"| {rid} | {title} | {shown_code or '-'} | {shown_tests} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    PAGE.write_text(render(), encoding="utf-8")
    print(PAGE)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
