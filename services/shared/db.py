"""Database engines and the plumbing tables every service has (event log, inbox).

Each service owns its data. On SQLite each service has its own file; on a shared PostgreSQL
database each service gets its own schema, through SQLAlchemy's schema translation, so no
service can read another's tables by accident.
"""

import operator
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    event,
    insert,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    async_sessionmaker,
    create_async_engine,
)


class AwareDateTime(TypeDecorator[datetime]):
    """Instants with their offset on every database: SQLite keeps no offset, so values are
    stored in UTC and come back as aware UTC datetimes; PostgreSQL keeps timestamptz."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: instants must carry their offset")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


# SQLite only makes an autoincrementing rowid alias of a column typed exactly INTEGER.
Position = BigInteger().with_variant(Integer(), "sqlite")

PLUMBING = MetaData()

event_log = Table(
    "event_log",
    PLUMBING,
    Column("position", Position, primary_key=True, autoincrement=True),
    Column("event_id", String(200), nullable=False, unique=True),
    Column("stream_id", String(200), nullable=False),
    Column("version", Integer, nullable=False),
    Column("type", String(200), nullable=False),
    Column("agency", String(64), nullable=False),
    Column("subject", String(300), nullable=False),
    Column("recorded_at", AwareDateTime, nullable=False),
    Column("envelope", Text, nullable=False),
    UniqueConstraint("stream_id", "version", name="uq_event_log_stream_version"),
)

# Events committed but not yet acknowledged by JetStream. The relay deletes a row once JetStream
# acknowledged it, so the event log itself is never updated (append-only, as audit expects) and
# this table stays small however long the log grows.
outbox = Table(
    "outbox",
    PLUMBING,
    Column("position", Position, primary_key=True, autoincrement=False),
    Column("event_id", String(200), nullable=False),
    Column("stream_id", String(200), nullable=False),
    Column("subject", String(300), nullable=False),
    Column("envelope", Text, nullable=False),
)

inbox = Table(
    "inbox",
    PLUMBING,
    Column("consumer", String(100), primary_key=True),
    Column("event_id", String(200), primary_key=True),
    Column("processed_at", AwareDateTime, nullable=False),
)

# Which replica of the service does the work that must run once (services/shared/lease.py).
leases = Table(
    "leases",
    PLUMBING,
    Column("name", String(100), primary_key=True),
    Column("holder", String(200), nullable=False),
    # Seconds since the epoch (wall clock): replicas on several hosts need synchronised clocks
    # (NTP), as every deployment does for certificates and tokens anyway.
    Column("expires_at", Float, nullable=False),
)


# What a database says when its storage, not the statement, is at fault: these heal once an
# operator frees the disk or makes the file writable again.
_UNWRITABLE = (
    "readonly database",
    "read-only",
    "unable to open database file",
    "disk i/o error",
    "database or disk is full",
    "no space left",
)

# One row, rewritten at start: proof the database takes writes (see `probe_writable`).
probe = Table(
    "probe",
    PLUMBING,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("at", AwareDateTime, nullable=False),
)


def is_unwritable(exc: BaseException) -> bool:
    return any(sign in str(exc).lower() for sign in _UNWRITABLE)


# SQLSTATE classes in which the server, not the statement, is at fault: connection exception
# (08), insufficient resources (53: disk full, too many connections), operator intervention
# (57P: shutting down, starting up, crashed).
_SERVER_AWAY = ("08", "53", "57P")


def database_unavailable(exc: BaseException) -> bool:
    """The database is away, locked past its timeout, read-only or full: nothing was done, and
    the same request will work later (a 503 with Retry-After, a message retried, never a 500
    or a dead letter)."""
    if isinstance(exc, OperationalError):
        return True
    if not isinstance(exc, DBAPIError):
        return False
    sqlstate = str(getattr(exc.orig, "sqlstate", None) or "")
    return exc.connection_invalidated or sqlstate.startswith(_SERVER_AWAY)


def brief(exc: BaseException) -> str:
    """An error for a log line: the driver's first line, never the statement that failed nor
    its parameters (personal data, R-INT-4)."""
    text = str(getattr(exc, "orig", None) or exc)
    return text.splitlines()[0][:200] if text else type(exc).__name__


def _server_away_at_connect(exc: Exception) -> bool:
    """A failure to open a connection that says the server is away, not that we are wrong:
    refused, no socket, timed out, starting up, shutting down, out of connections."""
    import asyncpg

    if isinstance(exc, OSError | TimeoutError):
        return True
    if isinstance(exc, asyncpg.PostgresError):
        return str(exc.sqlstate or "").startswith(_SERVER_AWAY)
    return isinstance(exc, asyncpg.InterfaceError)


async def probe_writable(engine: AsyncEngine) -> None:
    """Raise unless a write can be committed now: a service says "ready" only after this."""
    async with engine.begin() as conn:
        await conn.execute(probe.delete())
        await conn.execute(probe.insert().values(id=1, at=datetime.now(UTC)))


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def make_engine(url: str, schema: str | None = None, **kwargs: Any) -> AsyncEngine:
    """An engine for one service. `schema` is the service's PostgreSQL schema."""
    # A failed statement's parameters stay out of its error's text, which may be logged
    # anywhere (names, citizen-id hashes: R-INT-4).
    kwargs.setdefault("hide_parameters", True)
    if is_sqlite(url):
        engine = create_async_engine(url, **kwargs)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # The sqlite3 module's own transaction handling starts a transaction only at the
            # first write, so a SAVEPOINT after some reads opened a transaction of its own and
            # its RELEASE committed it: half of a check-in survived a crash without its events
            # (found by the SIGKILL test). Take transactions into our hands, as SQLAlchemy's
            # documentation prescribes for pysqlite.
            dbapi_conn.isolation_level = None
            # WAL lets the relay read while a service writes; the timeout makes concurrent
            # writers wait for each other instead of failing at once.
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=10000")
            cur.close()

        @event.listens_for(engine.sync_engine, "handle_error")
        def _sqlite_reopen(ctx: Any) -> None:
            # SQLite opens a file it cannot write read-only and says so only at the first
            # write; that connection stays read-only after the file is fixed. Treating these
            # errors as a lost connection makes the pool open fresh ones (issue #21, item 3).
            if is_unwritable(ctx.original_exception):
                ctx.is_disconnect = True

        @event.listens_for(engine.sync_engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            # IMMEDIATE takes the write lock up front: two writers that both read a stream's
            # version then append wait for each other instead of failing on a stale snapshot.
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    kwargs.setdefault("pool_size", 10)
    engine = create_async_engine(url, **kwargs)

    @event.listens_for(engine.sync_engine, "do_connect")
    def _connect(dialect: Dialect, _record: Any, cargs: Any, cparams: Any) -> Any:
        # asyncpg's own errors at connect (a refused or missing socket is a bare OSError)
        # reach callers unwrapped, unlike the same server failing mid-statement; as the
        # driver's OperationalError they become SQLAlchemy's, like every other "database away".
        try:
            return dialect.connect(*cargs, **cparams)
        except Exception as exc:
            if not _server_away_at_connect(exc):
                raise
            dbapi: Any = dialect.loaded_dbapi
            raise dbapi.OperationalError(f"{type(exc).__name__}: {exc}", exc) from exc

    if schema:
        engine = engine.execution_options(schema_translate_map={None: schema})
    return engine


async def create_schema(
    engine: AsyncEngine, metadatas: Iterable[MetaData], schema: str | None
) -> None:
    """Create the service's tables if missing (idempotent)."""
    async with engine.begin() as conn:
        if schema and not is_sqlite(str(engine.url)):
            await conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        for md in (PLUMBING, *metadatas):
            await conn.run_sync(md.create_all)


def sessionmaker(engine: AsyncEngine) -> async_sessionmaker[Any]:
    return async_sessionmaker(engine, expire_on_commit=False)


# Below this many rows an INSERT is as quick as a COPY and keeps SQLAlchemy's error handling.
COPY_FROM = 1000


async def insert_many(session: Any, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert many rows in the caller's transaction: PostgreSQL's COPY (binary, one round trip)
    for bulk work such as an HR import of 100,000 officials; an executemany INSERT elsewhere.
    Every row must have the same keys. COPY's errors (asyncpg's) are raised as SQLAlchemy's
    IntegrityError, so callers handle one kind."""
    if not rows:
        return
    conn = await _connection(session)
    if len(rows) < COPY_FROM or conn.dialect.name != "postgresql":
        for k in range(0, len(rows), 5000):
            await session.execute(insert(table), list(rows[k : k + 5000]))
        return
    columns = list(rows[0])
    await copy_records(session, table, columns, records_of(rows, columns))


async def copy_records(
    session: Any, table: Table, columns: list[str], records: Iterable[tuple[Any, ...]]
) -> None:
    """PostgreSQL's COPY of `records` (tuples in `columns`' order, instants in UTC) into
    `table`, in the caller's transaction; its errors raised as SQLAlchemy's IntegrityError."""
    conn = await _connection(session)
    schema = _schema(conn)
    driver = (await conn.get_raw_connection()).driver_connection
    assert driver is not None
    import asyncpg

    try:
        await driver.copy_records_to_table(
            table.name, records=records, columns=columns, schema_name=schema or table.schema
        )
    except asyncpg.IntegrityConstraintViolationError as exc:
        raise IntegrityError(f"COPY {table.name}", None, exc) from exc


def records_of(rows: Sequence[Mapping[str, Any]], columns: list[str]) -> list[tuple[Any, ...]]:
    """The rows as tuples in `columns`' order, for COPY; instants as AwareDateTime binds them
    for an INSERT (UTC, never naive). Bulk rows share a few instants (a batch's `now`): each is
    converted once."""
    pick = operator.itemgetter(*columns)
    records: list[Any] = list(map(pick, rows))
    if len(columns) == 1:
        records = [(r,) for r in records]
    instants = [i for i, c in enumerate(columns) if isinstance(rows[0][c], datetime)]
    if not instants:
        return records
    converted: dict[datetime | None, datetime | None] = {}
    out = []
    for record in records:
        values = list(record)
        for i in instants:
            v = values[i]
            if v not in converted:
                converted[v] = _utc(v)
            values[i] = converted[v]
        out.append(tuple(values))
    return out


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("naive datetime: instants must carry their offset")
    return value.astimezone(UTC)


async def next_positions(session: Any, table: Table, column: str, n: int) -> list[int]:
    """`n` values of a PostgreSQL serial column's sequence, ascending, in one round trip: rows
    that are COPYed carry their position, which their outbox rows repeat."""
    conn = await _connection(session)
    schema = _schema(conn)
    qualified = f'"{schema}".{table.name}' if schema else table.name
    sequence = (
        await conn.execute(
            text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": qualified, "c": column}
        )
    ).scalar_one()
    # One array through the driver: 300,000 rows through SQLAlchemy's result took a second.
    driver = (await conn.get_raw_connection()).driver_connection
    assert driver is not None
    values = await driver.fetchval(
        "SELECT array_agg(nextval(CAST($1 AS regclass))) FROM generate_series(1, $2)",
        sequence,
        n,
    )
    return sorted(values)


async def _connection(executor: Any) -> AsyncConnection:
    """The connection of a session's transaction, or the connection itself."""
    return executor if isinstance(executor, AsyncConnection) else await executor.connection()


async def is_postgresql(executor: Any) -> bool:
    return bool((await _connection(executor)).dialect.name == "postgresql")


def _schema(conn: AsyncConnection) -> str | None:
    """The service's PostgreSQL schema (make_engine's schema_translate_map)."""
    assert conn.sync_connection is not None
    translate = conn.sync_connection.get_execution_options().get("schema_translate_map") or {}
    return translate.get(None)
