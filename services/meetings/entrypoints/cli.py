"""`telework meeting check FILE.json`: is this electronic meeting lawful, and who is due the
allowance? Exit 0 allowed, 1 not allowed, 2 invalid input."""

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from services.meetings.domain.facts import InvalidMeeting, parse_meeting
from services.meetings.domain.rules import check
from services.shared.cli_options import Json, Lang, sub_app
from services.shared.settings import Calendar

CABINET_KINDS_ENV = "TELEWORK_CABINET_NAMED_MEETING_KINDS"
MAX_FILE_BYTES = 2_000_000  # a committee's meeting is a few kilobytes


def cabinet_named_kinds(cli_value: str | None) -> list[str]:
    raw = cli_value if cli_value is not None else Calendar().cabinet_meeting_kinds
    return [k.strip() for k in raw.split(",") if k.strip()]


app = sub_app("electronic-meeting compliance (R-MTG) / การประชุมผ่านสื่ออิเล็กทรอนิกส์")


@app.command("check")
def check_meeting(
    file: Annotated[Path, typer.Argument(help="the meeting described as JSON")],
    json_: Json = False,
    lang: Lang = "th",
    cabinet_named: Annotated[
        str | None,
        typer.Option(
            help="comma-separated meeting kinds the cabinet excluded "
            f"(default ${CABINET_KINDS_ENV})"
        ),
    ] = None,
) -> None:
    """Check a meeting description: exit 0 allowed, 1 not allowed, 2 invalid input."""
    from services.shared.usage import UsageError

    try:
        with open(file, "rb") as f:
            raw = f.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise UsageError(f"cannot read {file}: {exc.strerror}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise UsageError(f"{file} is over {MAX_FILE_BYTES // 1_000_000} MB; not a meeting")
    try:
        doc: Any = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise UsageError(f"{file} is not UTF-8 text (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise UsageError(f"{file} is not valid JSON: {exc.msg} at line {exc.lineno}") from None
    except RecursionError:
        raise UsageError(f"{file} is nested too deeply to be a meeting") from None
    try:
        result = check(parse_meeting(doc), cabinet_named_kinds(cabinet_named))
    except InvalidMeeting as exc:
        raise UsageError(f"invalid meeting: {exc}") from None
    out = result.as_dict(lang)
    if json_:
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        print(_human(out, lang))
    if not result.allowed:
        raise typer.Exit(1)


def _human(out: dict[str, Any], lang: str) -> str:
    th = lang == "th"
    verdict = (
        ("ประชุมผ่านสื่ออิเล็กทรอนิกส์ได้" if out["allowed"] else "ประชุมผ่านสื่ออิเล็กทรอนิกส์ไม่ได้")
        if th
        else ("Allowed as an electronic meeting" if out["allowed"] else "Not allowed")
    )
    lines = [
        f"{verdict} ({out['rule_set']})",
        f"{'องค์ประชุม' if th else 'Quorum'}: {out['present']}/{out['quorum_required']}",
    ]
    if out["co_located_required"]:  # NCPO 74/2557 only; the 2563 decree dropped it
        lines.append(
            f"{'อยู่ในที่ประชุมแห่งเดียวกัน' if th else 'Co-located'}: "
            f"{out['co_located_max']}/{out['co_located_required']}"
        )
    for v in out["violations"]:
        lines.append(f"  ✗ [{v['rule']}] {v['reason']} — {v['basis']}")
    eligible = ", ".join(out["allowance_eligible"]) or "-"
    lines.append(f"{'มีสิทธิได้รับเบี้ยประชุม' if th else 'Due the meeting allowance'}: {eligible}")
    return "\n".join(lines)
