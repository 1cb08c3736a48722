"""A database that is away is a retry, not a failure (issue #21's outages): whatever the driver
raises when PostgreSQL is not there (a refused or missing socket is a bare OSError at connect)
becomes SQLAlchemy's OperationalError, a request meets a 503 with Retry-After, and no failed
statement's parameters reach an error's text, which may be logged (R-INT-4)."""

from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Column, MetaData, String, Table, insert, text
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from infra.stack import free_port
from services.portal.app import create_app
from services.portal.deps import Backends
from services.portal.web import COOKIE
from services.shared import rpc
from services.shared.auth import DevIssuer, service_actor
from services.shared.db import brief, database_unavailable, make_engine, sessionmaker
from tests.conftest import Database

pytestmark = pytest.mark.integration


def nowhere() -> str:
    return f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/telework"


async def test_postgresql_not_there_is_an_operational_error() -> None:
    engine = make_engine(nowhere(), "telework_attendance")
    with pytest.raises(OperationalError) as raised:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    await engine.dispose()
    assert database_unavailable(raised.value)
    assert "ConnectionRefusedError" in brief(raised.value)


async def test_a_request_meets_unavailable_while_the_database_is_away(tmp_path: Path) -> None:
    issuer = DevIssuer.load_or_create(tmp_path / "issuer.pem")
    engine = make_engine(nowhere(), "telework_attendance")

    async def check_in(actor: Any, body: dict[str, Any]) -> dict[str, Any]:
        async with sessionmaker(engine).begin() as s:
            await s.execute(text("SELECT 1"))
        return {}

    token = issuer.issue(service_actor("portal"))
    reply = await rpc.answer(
        "telework.rpc.attendance.check_in",
        {"Authorization": f"Bearer {token}"},
        b"{}",
        issuer.verifier(),
        check_in,
    )
    await engine.dispose()
    assert reply["ok"] is False and reply["error"]["code"] == "unavailable", reply


async def test_no_parameter_of_a_failed_statement_in_its_error(db: Database) -> None:
    meta = MetaData()
    people = Table("people_" + db.kind, meta, Column("name", String(50), primary_key=True))
    async with db.engine.begin() as conn:
        await conn.run_sync(meta.create_all)
    async with db.engine.begin() as conn:
        await conn.execute(insert(people), {"name": "สมชาย ใจดี"})
    with pytest.raises(IntegrityError) as raised:
        async with db.engine.begin() as conn:
            await conn.execute(insert(people), {"name": "สมชาย ใจดี"})
    assert "สมชาย" not in str(raised.value) and "สมชาย" not in repr(raised.value)
    assert not database_unavailable(raised.value)  # our mistake, not the database's absence
    assert isinstance(raised.value, DBAPIError)


async def test_a_page_says_the_portal_database_is_away_without_a_redirect_loop(
    private_nats_url: str, tmp_path: Path
) -> None:
    from temporalio.client import Client as Temporal

    from services.shared.jetstream import connect

    issuer = DevIssuer.load_or_create(tmp_path / "issuer.pem")
    engine = make_engine(nowhere(), "telework_portal")
    nc = await connect(private_nats_url, "test-portal", for_requests=True)
    temporal = await Temporal.connect(f"127.0.0.1:{free_port()}", lazy=True)
    backends = Backends(
        nats=nc,
        temporal=temporal,
        sessions=sessionmaker(engine),
        issuer=issuer,
        verifier=issuer.verifier(),
        service_token=issuer.issue(service_actor("portal")),
    )
    # As a server runs it: the error handler's answer is sent, not the exception raised.
    transport = httpx.ASGITransport(app=create_app(backends), raise_app_exceptions=False)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://portal", cookies={COOKIE: "a-session"}
    ) as c:
        page = await c.get("/home")
        api = await c.get("/api/me")
    await nc.close()
    await engine.dispose()
    assert page.status_code == 503 and page.headers["Retry-After"], page.text
    assert "ไม่พร้อมให้บริการ" in page.text
    assert api.status_code == 503 and "ไม่พร้อมให้บริการ" in api.json()["detail"], api.text
