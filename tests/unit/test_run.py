"""`make run` keeps a service that keeps dying going, with growing pauses (issue #21 item 10)."""

from pathlib import Path

from infra.run import restart_pause, token_command


def test_restarts_at_once_then_with_growing_pauses_never_giving_up() -> None:
    assert [restart_pause(n) for n in range(1, 6)] == [0.0] * 5
    assert [restart_pause(n) for n in range(6, 10)] == [2.0, 4.0, 8.0, 16.0]
    assert restart_pause(50) == 60.0


def test_the_token_hint_names_a_data_directory_other_than_the_default(tmp_path: Path) -> None:
    # `make run --data-dir X` then a plain `telework token issue` read the default (empty)
    # directory and answered "no official has the e-mail".
    assert token_command(Path(".data")).startswith(".venv/bin/telework token issue")
    hint = token_command(tmp_path / "run data")
    assert hint.startswith(f"TELEWORK_DATA_DIR='{tmp_path / 'run data'}' ")
