"""Request contracts (issue #20, item 6): every request a service answers is a model in
contracts/requests naming its subject and its reply; the responder checks its own reply."""

from typing import Any

import pytest

from contracts.requests import every_request
from contracts.requests import identity as ask
from services.identity.service_layer.handlers import IdentityService, routes
from services.shared import rpc
from services.shared.authz import Actor


def test_every_identity_route_is_a_contract() -> None:
    served = routes(IdentityService(None))  # type: ignore[arg-type]
    assert {cmd for cmd, _, _ in served} == {
        r.command for r in every_request() if r.service == "identity"
    }
    for command, model, _ in served:
        assert issubclass(model, ask.IdentityRequest) and model.command == command


def test_reply_types_are_declared() -> None:
    assert ask.SupervisorChain.reply_type() is ask.Chain
    assert ask.HeadOfAgency.reply_type() is ask.Heads
    assert ask.GrantRole.reply_type() is ask.Granted  # duties answer typed too (issue #16)
    assert ask.EligibilityList.reply_type() is ask.EligibilityRows


async def test_a_reply_that_breaks_its_contract_is_the_responders_fault() -> None:
    async def drifted(actor: Actor, q: ask.SupervisorChain) -> dict[str, Any]:
        return {"official_id": q.official_id, "chain": "D0101"}  # no agency; chain not a list

    handler = rpc.validated(ask.SupervisorChain, drifted)
    with pytest.raises(rpc.ReplyBreaksContract):
        await handler(Actor("svc", ()), {"official_id": "D0102"})


async def test_a_reply_leaves_in_its_wire_names() -> None:
    async def actor(actor: Actor, q: ask.ActorById) -> dict[str, Any]:
        grant = {"role": "official", "agency": "ONDE", "from": None, "to": "2027-01-01T00:00:00"}
        return {
            "official_id": q.official_id,
            "email": "a@x",
            "lang": "th",
            "name": "ก",
            "agency_code": "ONDE",
            "grants": [grant],
        }

    reply = await rpc.validated(ask.ActorById, actor)(Actor("svc", ()), {"official_id": "D1"})
    assert reply["grants"][0]["to"] == "2027-01-01T00:00:00"
    assert "valid_to" not in reply["grants"][0]


def test_a_request_refuses_what_its_contract_does_not_name() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        ask.SupervisorChain.model_validate({"official_id": "D1", "as": "admin"})
    with pytest.raises(ValidationError):
        ask.SupervisorChain(official_id="D" * 65)


def test_attendance_and_meetings_routes_are_contracts() -> None:
    from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

    from services.attendance.entrypoints.app import routes as attendance_routes
    from services.attendance.service_layer.handlers import AttendanceService

    sessions = async_sessionmaker(create_async_engine("sqlite+aiosqlite://"))
    served = attendance_routes(AttendanceService(sessions))
    assert {c for c, _, _ in served} == {
        r.command for r in every_request() if r.service == "attendance"
    }
    assert {r.command for r in every_request() if r.service == "meetings"} == {
        "plan",
        "record_attendance",
        "verify_identity",
        "register_recording",
        "check",
    }
