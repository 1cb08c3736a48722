"""Schema migrations (Alembic) for every service (issue #15, item 4).

Each service owns its migrations beside its tables (`<package>/migrations/`), as one Alembic
branch labelled with the service's name; its database (SQLite file) or schema (PostgreSQL)
keeps its own `alembic_version`. Services upgrade their schema at start, `telework db upgrade`
does it for all. A database made before migrations existed (by `create_all`) is adopted by the
same upgrade: each baseline creates only the tables that are missing.
"""

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncEngine

from services.shared.db import is_sqlite

HERE = Path(__file__).parent / "migrations"
ROOT = Path(__file__).resolve().parents[2]

# service -> the folder of its revisions, relative to the repository's root.
VERSIONS: dict[str, str] = {
    "identity": "services/identity/adapters/migrations",
    "engagement": "workflows/engagement/migrations",
    "attendance": "services/attendance/adapters/migrations",
    "audit": "services/audit/adapters/migrations",
    "notification": "services/notification/adapters/migrations",
    "portal": "services/portal/migrations",
    "meetings": "services/meetings/adapters/migrations",
}


def config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.set_main_option(
        "version_locations", " ".join(str(ROOT / path) for path in VERSIONS.values())
    )
    cfg.set_main_option("path_separator", "space")
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def script() -> ScriptDirectory:
    return ScriptDirectory.from_config(config())


def head(service: str) -> str:
    found = script().get_revision(f"{service}@head")
    assert found is not None, f"no migrations for {service}"
    return str(found.revision)


def _upgrade(conn: Connection, service: str, target: str) -> None:
    command.upgrade(config(conn), target)


async def upgrade(engine: AsyncEngine, service: str, schema: str | None, target: str = "") -> None:
    """Bring the service's schema to `target` (its head by default), in one transaction."""
    async with engine.begin() as conn:
        if schema and not is_sqlite(str(engine.url)):
            await conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
            # What Alembic creates without a schema lands in the service's own.
            await conn.execute(text(f'SET LOCAL search_path TO "{schema}"'))
        await conn.run_sync(_upgrade, service, target or f"{service}@head")


def current(conn: Connection) -> str | None:
    """The revision a service's database is at (None: not under migrations yet)."""
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(conn).get_current_revision()
