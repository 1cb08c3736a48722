"""R-INT-3, issue #15 item 4: every service's schema comes from its Alembic migrations, on SQLite
and PostgreSQL; a database made by the previous schema is upgraded with its data intact."""

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import MetaData, text

from services.registry import SERVICES, spec
from services.shared import migrate
from services.shared.db import PLUMBING, make_engine, sessionmaker
from tests.conftest import Database

pytestmark = pytest.mark.integration

SNAPSHOT = Path(__file__).parents[1] / "data" / "attendance-before-migrations.sql"


def tables_of(service: str) -> MetaData:
    md = MetaData()
    for source in (PLUMBING, *spec(service).metadatas):
        for table in source.tables.values():
            table.to_metadata(md)
    return md


async def differences(db: Database, service: str) -> list[Any]:
    """What Alembic's autogenerate would still change: the migrations and the tables the code
    declares must agree exactly."""
    async with db.engine.begin() as conn:
        if db.schema:
            await conn.execute(text(f'SET LOCAL search_path TO "{db.schema}"'))

        def compare(sync: Any) -> list[Any]:
            found = compare_metadata(MigrationContext.configure(sync), tables_of(service))
            return [d for d in found if not _is_bookkeeping(d)]

        return await conn.run_sync(compare)


def _is_bookkeeping(diff: Any) -> bool:
    # Alembic's own table is not the service's.
    return diff[0] == "remove_table" and diff[1].name == "alembic_version"


@pytest.mark.parametrize("service", list(SERVICES))
async def test_migrations_make_exactly_the_declared_tables(db: Database, service: str) -> None:
    if db.schema:  # the fixture made the plumbing tables by create_all; start empty here
        async with db.engine.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{db.schema}" CASCADE'))
    else:
        async with db.engine.begin() as conn:
            for t in ("event_log", "outbox", "inbox", "leases", "probe"):
                await conn.execute(text(f"DROP TABLE IF EXISTS {t}"))
    await migrate.upgrade(db.engine, service, db.schema)
    assert await differences(db, service) == []
    async with db.engine.connect() as conn:
        if db.schema:
            await conn.execute(text(f'SET search_path TO "{db.schema}"'))
        assert await conn.run_sync(migrate.current) == migrate.head(service)
    await migrate.upgrade(db.engine, service, db.schema)  # again: nothing to do


async def test_a_database_of_the_previous_schema_is_upgraded_with_its_data(
    tmp_path: Path,
) -> None:
    path = tmp_path / "attendance.db"
    with sqlite3.connect(path) as con:
        con.executescript(SNAPSHOT.read_text(encoding="utf-8"))
        before = {
            t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("att_officials", "attendance_days", "attendance_flags", "event_log")
        }
        assert "leases" not in {r[0] for r in con.execute("SELECT name FROM sqlite_master")}
    engine = make_engine(f"sqlite+aiosqlite:///{path}")
    try:
        await migrate.upgrade(engine, "attendance", None)
        db = Database("sqlite", str(engine.url), None, engine, sessionmaker(engine))
        assert await differences(db, "attendance") == []
        async with engine.connect() as conn:
            for table, count in before.items():
                assert (await conn.execute(text(f"SELECT count(*) FROM {table}"))).scalar() == count
            late = await conn.execute(
                text("SELECT reason FROM attendance_flags WHERE official_id = 'D0202'")
            )
            assert late.scalar() == "checked in after 09:00"
            outbox = await conn.execute(text("SELECT event_id FROM outbox"))
            assert [r[0] for r in outbox] == ["ev-2"], "an unpublished event stays to be relayed"
            assert await conn.run_sync(migrate.current) == migrate.head("attendance")
    finally:
        await engine.dispose()


async def test_the_previous_schema_on_postgresql_is_upgraded_with_its_data(
    postgres_url: str,
) -> None:
    """The same on PostgreSQL: the schema at the baseline revision, with data, then upgraded."""
    import uuid

    schema = "t_" + uuid.uuid4().hex[:12]
    engine = make_engine(postgres_url, schema)
    try:
        await migrate.upgrade(engine, "attendance", schema, "attendance_0001")
        async with engine.begin() as conn:
            await conn.execute(text(f'SET LOCAL search_path TO "{schema}"'))
            await conn.execute(
                text("INSERT INTO att_officials VALUES ('D0201', 'ONDE-STRAT'), ('D0202', 'ONDE')")
            )
            tables = await conn.run_sync(
                lambda c: set(__import__("sqlalchemy").inspect(c).get_table_names(schema=schema))
            )
        assert "leases" not in tables and "att_officials" in tables
        await migrate.upgrade(engine, "attendance", schema)
        async with engine.connect() as conn:
            await conn.execute(text(f'SET search_path TO "{schema}"'))
            count = await conn.execute(text("SELECT count(*) FROM att_officials"))
            assert count.scalar() == 2
            assert (await conn.execute(text("SELECT count(*) FROM leases"))).scalar() == 0
    finally:
        async with engine.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        await engine.dispose()
