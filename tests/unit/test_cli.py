"""The `telework` command line on Typer (issue #20, item 5): every command answers -h, help is
grouped by the people who use it, bad input exits 2 with the reason, a failed check exits 1."""

from collections.abc import Iterator

import pytest
import typer

from services.cli import AUDIT, DEVELOP, PEOPLE, RUN, WORK, app, main


def _paths(command: object, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    subcommands = getattr(command, "commands", {})
    if not subcommands:
        yield prefix
    for name, sub in subcommands.items():
        yield from _paths(sub, (*prefix, name))


ALL = sorted(_paths(typer.main.get_command(app)))


def test_every_command_of_the_old_cli_is_there() -> None:
    names = {" ".join(p) for p in ALL}
    for expected in (
        "serve",
        "run",
        "stack",
        "status",
        "schedule",
        "db upgrade",
        "contracts export",
        "attendance ledger",
        "attendance close-day",
        "audit verify",
        "audit rotate-key",
        "evaluation report",
        "document verify",
        "esaraban bridge",
        "identity import",
        "identity appoint-acting-supervisor",
        "token issue",
        "meeting check",
        "notify retry",
        "dlq replay",
        "nats subscriber add",
        "nats setup",
    ):
        assert expected in names, expected
    assert len(ALL) >= 40


@pytest.mark.parametrize("path", ALL, ids=[" ".join(p) for p in ALL])
def test_every_command_answers_help(
    path: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*path, "-h"]) == 0
    assert "Usage: telework " + " ".join(path) in capsys.readouterr().out


def test_help_is_grouped_by_who_uses_it(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for panel in (RUN, WORK, PEOPLE, AUDIT, DEVELOP):
        assert panel.split(" / ")[1] in out


@pytest.mark.parametrize(
    "argv",
    [
        ["attendance", "ledger", "--agency", "X"],  # --from and --to missing
        ["schedule", "--start", "2569-12-01", "--months", "x"],  # not a number
        ["attendance", "ledger", "--agency", "X", "--from", "a", "--to", "b", "--format", "xls"],
        ["no-such-command"],
        ["token", "issue"],  # neither --as nor --service: our own check
        ["schedule", "--start", "2569-12-01"],  # no mode: the calendar's refusal
    ],
)
def test_bad_input_exits_2_with_the_reason(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    assert capsys.readouterr().err.strip()


# A failed check exits 1: tests/unit/test_meeting_cli.py (meeting check) and the audit tests.
