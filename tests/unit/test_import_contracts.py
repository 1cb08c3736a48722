"""Import contracts (issue #20, item 6): services do not import each other's internals, the
published contracts depend on nothing of ours, domain modules do no I/O, workflows use only the
shared plumbing. The contracts and their few documented exceptions are in `.importlinter`."""

from pathlib import Path

from importlinter.cli import lint_imports


def test_the_import_contracts_hold(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(Path(__file__).resolve().parents[2])
    assert lint_imports(config_filename=".importlinter", no_cache=True) == 0
