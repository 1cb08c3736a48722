"""One settings object (issue #20, item 4): every variable read in services/shared/settings.py,
the README's table generated from it."""

import re
from pathlib import Path

import pytest

from infra.settings_table import README, rendered
from services.shared.settings import Portal, Settings, Stack, environment

ROOT = Path(__file__).resolve().parents[2]
# A read of the environment: os.environ.get(…), os.environ[…] on the right-hand side, getenv.
READ = re.compile(r"os\.getenv\(|os\.environ\.get\(|=\s*os\.environ\[")


def test_the_readme_table_is_current() -> None:
    text = README.read_text(encoding="utf-8")
    assert rendered(text) == text, "run `python -m infra.settings_table` (make contracts)"


def test_nothing_else_reads_the_environment() -> None:
    readers = [
        str(path.relative_to(ROOT))
        for folder in ("services", "workflows", "contracts", "infra")
        for path in (ROOT / folder).rglob("*.py")
        if READ.search(path.read_text(encoding="utf-8")) and path.name != "settings.py"
    ]
    assert readers == []


def test_values_are_typed_and_empty_means_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEWORK_DEMO_LOGIN", "1")
    monkeypatch.setenv("TELEWORK_PORTAL_PORT", "8443")
    monkeypatch.setenv("TELEWORK_HEALTH_PORT", "")
    monkeypatch.setenv("TELEWORK_THAI_DIGITS", "ONDE, MDES ,")
    env = environment()
    assert env.portal.demo_login is True and env.portal.port == 8443
    assert env.operations.health_port is None
    assert env.portal.thai_digit_agencies == frozenset({"ONDE", "MDES"})


def test_a_malformed_value_is_refused_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEWORK_PORTAL_PORT", "eighty")
    with pytest.raises(ValueError, match="TELEWORK_PORTAL_PORT"):
        Portal()


def test_a_service_gets_its_own_sqlite_file_unless_a_database_is_named(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TELEWORK_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert Settings.from_env("audit").database_url == f"sqlite+aiosqlite:///{tmp_path}/audit.db"
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@db/telework")
    assert Settings.from_env("audit").database_url == "postgresql+asyncpg://u@db/telework"
    assert Stack().nats_url  # defaults hold without any variable set
