"""`telework meeting check`: exit 0 allowed, 1 not allowed, 2 invalid input (R-MTG)."""

import json
from pathlib import Path

import pytest

from services.cli import main
from tests.unit.test_meeting_rules import lawful, with_


def write(tmp_path: Path, doc: object) -> str:
    path = tmp_path / "meeting.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return str(path)


def test_lawful_meeting_exits_0_with_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["meeting", "check", write(tmp_path, lawful()), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["allowed"] is True and out["quorum_required"] == 8


def test_unlawful_meeting_exits_1_and_names_the_rule(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["meeting", "check", write(tmp_path, with_(classified=True))]) == 1
    assert "[classified_matter]" in capsys.readouterr().out


def test_cabinet_named_kinds_come_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TELEWORK_CABINET_NAMED_MEETING_KINDS", "disciplinary, budget")
    assert (
        main(
            [
                "meeting",
                "check",
                write(tmp_path, with_(meeting_kind="budget")),
                "--json",
                "--lang",
                "en",
            ]
        )
        == 1
    )
    assert json.loads(capsys.readouterr().out)["violations"][0]["rule"] == "excluded_meeting_kind"


@pytest.mark.parametrize(
    ("doc", "reason"),
    [
        (with_(rule_set="nope"), "unknown rule_set"),
        (with_(members_total=-3), "members_total must be 1–10000"),
    ],
)
def test_invalid_input_exits_2_with_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], doc: object, reason: str
) -> None:
    assert main(["meeting", "check", write(tmp_path, doc)]) == 2
    assert reason in capsys.readouterr().err


def test_unreadable_or_broken_file_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["meeting", "check", str(tmp_path / "missing.json")]) == 2
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    assert main(["meeting", "check", str(bad)]) == 2
    assert "not valid JSON" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"\xff\xfe{}", "not UTF-8"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b'{"rule_set": "' + b"x" * 3_000_000 + b'"}', "over 2 MB"),
        (json.dumps(with_(members_total=10**30)).encode(), "members_total must be 1"),
        (json.dumps(with_(meeting_kind="k" * 1_000_000)).encode(), "longer than 200"),
    ],
)
def test_every_bad_file_is_exit_2_with_a_short_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, reason: str
) -> None:
    """Issue #21, item 6: never a traceback, never exit 1 (which means "unlawful"), never
    the whole of a huge field echoed back."""
    path = tmp_path / "meeting.json"
    path.write_bytes(content)
    assert main(["meeting", "check", str(path)]) == 2
    err = capsys.readouterr().err
    assert reason in err and len(err) < 300 and "Traceback" not in err
