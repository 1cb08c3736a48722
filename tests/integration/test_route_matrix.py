"""Role × route (issue #14, R-INT-4, R-SEC): every API route and every HTML form of the portal,
asked by each kind of user of two agencies, is refused to those who may not use it and not
refused to those who may. A route added without an entry in ROUTES fails
`test_every_route_has_an_entry`.

"Refused" is 401 for nobody signed in (pages: back to /login), 403 for the wrong person (pages:
back to /home with the reason shown), or, for an HR import, a report that applies nothing
because the rows lie outside the importer's agencies. Those allowed may still get 404, 409 or
422 from the sample data; what matters here is that their identity was not the reason.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute
from sqlalchemy import select

from contracts.requests import identity as c
from services.identity.adapters.tables import grants
from services.identity.demo.seed import OPERATOR
from services.identity.service_layer.handlers import LOG, IdentityService
from services.identity.service_layer.importer import import_files
from services.portal.app import create_app
from services.shared.authz import Role
from services.shared.clock import now
from tests.integration.test_identity_duties import SECOND
from tests.support.stack import Stack

pytestmark = pytest.mark.integration

PERSONAS = {
    "official": "official1@onde.example.go.th",  # D0102, ONDE-STRAT, reports to D0101
    "supervisor": "supervisor2@onde.example.go.th",  # D0201: D0202 and D0203, not D0102
    "head": "head@onde.example.go.th",  # D0001
    "hr": "hr@onde.example.go.th",  # D0301, HR of ONDE
    "it": "itsupport@onde.example.go.th",
    "auditor": "auditor@onde.example.go.th",
    "hr_other": "hr@depa.example.go.th",  # E0301, HR of the second agency
    "official_other": "clerk@depa.example.go.th",  # E0302, of the second agency
}
SIGNED_IN = frozenset(PERSONAS)
PUBLIC = frozenset({"anonymous", *PERSONAS})


@dataclass
class World:
    """What the requests refer to: made once, before the matrix runs."""

    engagement: str
    grant: str
    acting: str
    acting_supervisor: str = ""
    assignment: str = ""
    item: int = 1
    help_request: str = ""


Build = Callable[[World], dict[str, Any]]


@dataclass(frozen=True)
class Entry:
    allowed: frozenset[str]
    request: Build  # path and the keyword arguments of httpx's request
    page: bool = False  # an HTML form or page: cookie, CSRF field, redirects


def api(path: str, **kw: Any) -> Build:
    return lambda w: {"url": path.format(w=w), **kw}


def form(path: str, data: dict[str, str] | None = None, **kw: Any) -> Build:
    return lambda w: {"url": path.format(w=w), "data": dict(data or {}), **kw}


OFFICIALS_CSV = (
    "official_id,agency_code,position_code,name_th,name_en,email,citizen_id,lang\n"
    "D0102,ONDE-DGT,COMP,นายกิตติ วงศ์ไทย,Kitti,official1@onde.example.go.th,,th\n"
)
SICK_CSV = b"official_id,days\nD0102,3\n"
MEETING = {
    "meeting_id": "MTG-MATRIX",
    "agency": "ONDE",
    "title": "x",
    "day": "01/12/2569",
    "time": "09:30",
    "members_total": "3",
    "attendees": "ก, ออนไลน์\nข, ออนไลน์",
}
IMPORT = {"files": [("files", ("officials.csv", OFFICIALS_CSV.encode(), "text/csv"))]}
POLICY = {"agency_code": "ONDE", "document": {"effective_from": "2026-01-01"}}
ENG = "{w.engagement}"


def assignment_body() -> dict[str, Any]:
    start = now().date() + timedelta(days=30)
    return {
        "agency_code": "ONDE-DGT",
        "official_ids": ["D0202"],
        "necessity_reason": "โรคระบาด",
        "goals": [
            {
                "goal_id": "G1",
                "description": "รายงาน",
                "indicator": "percent",
                "target": "100",
                "due": (start + timedelta(days=60)).isoformat(),
            }
        ],
        "schedule": {
            "kind": "regular_weekdays",
            "start": start.isoformat(),
            "months": 1,
            "weekdays": [0],
        },
    }


ROUTES: dict[tuple[str, str], Entry] = {
    # --- public ------------------------------------------------------------------------------
    ("POST", "/api/login"): Entry(
        PUBLIC,
        api("/api/login", json={"email": "official5@onde.example.go.th", "password": "demo"}),
    ),
    ("GET", "/"): Entry(PUBLIC, api("/"), page=True),
    ("GET", "/login"): Entry(PUBLIC, api("/login"), page=True),
    ("POST", "/login"): Entry(
        PUBLIC, form("/login", {"email": "official5@onde.example.go.th", "password": "demo"})
    ),
    ("GET", "/lang/{lang}"): Entry(PUBLIC, api("/lang/en"), page=True),
    # The agency's provider is not set up in this stack: a page that says so, to everyone.
    ("GET", "/login/oidc"): Entry(PUBLIC, api("/login/oidc"), page=True),
    ("GET", "/login/oidc/callback"): Entry(
        PUBLIC, api("/login/oidc/callback?code=c&state=s"), page=True
    ),
    ("GET", "/docs"): Entry(PUBLIC, api("/docs")),
    ("GET", "/healthz"): Entry(PUBLIC, api("/healthz")),
    ("GET", "/readyz"): Entry(PUBLIC, api("/readyz")),
    ("GET", "/docs/oauth2-redirect"): Entry(PUBLIC, api("/docs/oauth2-redirect")),
    ("GET", "/redoc"): Entry(PUBLIC, api("/redoc")),
    # --- anyone signed in, on their own records -------------------------------------------
    ("GET", "/api/me"): Entry(SIGNED_IN, api("/api/me")),
    ("POST", "/api/logout"): Entry(SIGNED_IN, api("/api/logout")),
    ("GET", "/api/engagements"): Entry(SIGNED_IN, api("/api/engagements")),
    ("POST", "/api/engagements"): Entry(SIGNED_IN, api("/api/engagements", json={})),
    ("POST", "/api/attendance/check-in"): Entry(
        SIGNED_IN, api("/api/attendance/check-in", json={})
    ),
    ("POST", "/api/attendance/check-out"): Entry(
        SIGNED_IN, api("/api/attendance/check-out", json={})
    ),
    ("GET", "/api/inbox"): Entry(SIGNED_IN, api("/api/inbox")),
    ("POST", "/api/inbox/{item_id}/read"): Entry(SIGNED_IN, api("/api/inbox/{w.item}/read")),
    ("POST", "/api/support"): Entry(
        SIGNED_IN, api("/api/support", json={"topic": "VPN", "detail": "cannot connect"})
    ),
    # IT support's queue (issue #16): everyone sees their own; IT of the agency works it.
    ("GET", "/api/support"): Entry(SIGNED_IN, api("/api/support")),
    ("POST", "/api/support/{request_id}/take"): Entry(
        frozenset({"it"}), api("/api/support/{w.help_request}/take")
    ),
    ("POST", "/api/support/{request_id}/reply"): Entry(
        frozenset({"it"}), api("/api/support/{w.help_request}/reply", json={"text": "ลองใหม่"})
    ),
    ("POST", "/api/support/{request_id}/close"): Entry(
        frozenset({"it"}), api("/api/support/{w.help_request}/close", json={"resolution": "x"})
    ),
    ("GET", "/ui/support"): Entry(SIGNED_IN, api("/ui/support"), page=True),
    ("GET", "/ui/audit"): Entry(
        frozenset({"auditor"}),
        api("/ui/audit", params={"agency": "ONDE", "from": "01/11/2569", "to": "31/12/2569"}),
        page=True,
    ),
    ("GET", "/api/identity/grants"): Entry(
        frozenset({"head"}), api("/api/identity/grants", params={"agency": "ONDE"})
    ),
    ("GET", "/ui/roles"): Entry(frozenset({"head"}), api("/ui/roles?agency=ONDE"), page=True),
    ("POST", "/ui/roles/{action}"): Entry(
        frozenset({"head"}),
        form(
            "/ui/roles/grant",
            {"official_id": "D0203", "role": "auditor", "agency_code": "ONDE-DGT"},
        ),
        page=True,
    ),
    # Meetings (issue #16): the form for anyone signed in; planning and checking are for
    # those who manage meetings of the agency (meeting.manage: supervisor, head, HR).
    ("GET", "/ui/meetings"): Entry(SIGNED_IN, api("/ui/meetings"), page=True),
    ("POST", "/ui/meetings/{step}"): Entry(
        frozenset({"supervisor", "head", "hr"}),
        form("/ui/meetings/plan", {**MEETING, "meeting_id": "MTG-MATRIX-2"}),
        page=True,
    ),
    ("POST", "/ui/meetings/{meeting_id}/{step}"): Entry(
        frozenset({"supervisor", "head", "hr"}), form("/ui/meetings/MTG-MATRIX/check"), page=True
    ),
    # A supervisor's staff: anyone someone reports to holds a supervisor grant.
    ("GET", "/ui/staff"): Entry(
        frozenset({"supervisor", "head", "hr", "hr_other"}), api("/ui/staff"), page=True
    ),
    ("GET", "/ui/dashboard"): Entry(
        frozenset({"head", "hr", "hr_other"}), api("/ui/dashboard"), page=True
    ),
    ("POST", "/ui/support/{request_id}/{action}"): Entry(
        frozenset({"it"}), form("/ui/support/{w.help_request}/take"), page=True
    ),
    ("GET", "/home"): Entry(SIGNED_IN, api("/home"), page=True),
    ("POST", "/logout"): Entry(PUBLIC, form("/logout"), page=True),  # harmless without one
    ("POST", "/ui/help"): Entry(
        SIGNED_IN, form("/ui/help", {"topic": "VPN", "detail": "x"}), page=True
    ),
    ("POST", "/ui/inbox/{item_id}/read"): Entry(
        SIGNED_IN, form("/ui/inbox/{w.item}/read"), page=True
    ),
    ("POST", "/ui/start"): Entry(SIGNED_IN, form("/ui/start"), page=True),
    ("POST", "/ui/check/{direction}"): Entry(SIGNED_IN, form("/ui/check/in"), page=True),
    # --- one engagement of D0102: the official, their chain, the head, HR, the auditor -----
    ("GET", "/api/engagements/{engagement_id}"): Entry(
        frozenset({"official", "head", "hr", "auditor"}), api(f"/api/engagements/{ENG}")
    ),
    ("GET", "/api/attendance/ledger"): Entry(
        frozenset({"head", "hr", "auditor"}),
        api(
            "/api/attendance/ledger",
            params={"agency": "ONDE-DGT", "from": "01/12/2569", "to": "31/12/2569"},
        ),
    ),
    ("GET", "/ui/ledger"): Entry(
        frozenset({"head", "hr", "auditor"}),
        api("/ui/ledger", params={"agency": "ONDE-DGT", "from": "01/12/2569", "to": "31/12/2569"}),
        page=True,
    ),
    ("GET", "/ui/engagements/{engagement_id}"): Entry(
        frozenset({"official", "head", "hr", "auditor"}), api(f"/ui/engagements/{ENG}"), page=True
    ),
    ("GET", "/api/engagements/{engagement_id}/order.pdf"): Entry(
        frozenset({"official", "head", "hr", "auditor"}), api(f"/api/engagements/{ENG}/order.pdf")
    ),
    # The e-saraban bridge's service token only: no person may report a letter's fate.
    ("POST", "/api/documents/{document_id}/correspondence"): Entry(
        frozenset(),
        api(
            f"/api/documents/order-{ENG}/correspondence",
            json={"letter_id": "ที่ 1/2569", "status": "accepted", "accept_id": "R-1"},
        ),
    ),
    ("GET", "/api/engagements/{engagement_id}/agreement.pdf"): Entry(
        frozenset({"official", "head", "hr", "auditor"}),
        api(f"/api/engagements/{ENG}/agreement.pdf"),
    ),
    ("GET", "/api/engagements/{engagement_id}/termination.pdf"): Entry(
        frozenset({"official", "head", "hr", "auditor"}),
        api(f"/api/engagements/{ENG}/termination.pdf"),
    ),
    ("GET", "/api/engagements/{engagement_id}/assessment.pdf"): Entry(
        frozenset({"official", "head", "hr", "auditor"}),
        api(f"/api/engagements/{ENG}/assessment.pdf"),
    ),
    ("POST", "/api/engagements/{engagement_id}/actions/{action}"): Entry(
        frozenset({"official", "head"}),  # request_changes: the official or their chain
        api(f"/api/engagements/{ENG}/actions/request_changes", json={"comment": "x"}),
    ),
    ("POST", "/ui/engagements/{engagement_id}/{action}"): Entry(
        frozenset({"official", "head"}),
        form(f"/ui/engagements/{ENG}/request_changes", {"comment": "x"}),
        page=True,
    ),
    ("POST", "/api/orders/batch"): Entry(
        frozenset({"head"}),
        lambda w: {"url": "/api/orders/batch", "json": {"engagement_ids": [w.engagement]}},
    ),
    ("POST", "/ui/batch"): Entry(
        frozenset({"head"}),
        lambda w: {"url": "/ui/batch", "data": {"engagement_id": w.engagement}},
        page=True,
    ),
    # --- identity: HR of the agency, the head for policy and grants ------------------------
    ("GET", "/api/identity/eligibility"): Entry(
        frozenset({"supervisor", "head", "hr"}), api("/api/identity/eligibility?agency=ONDE")
    ),
    ("POST", "/api/identity/policies"): Entry(
        frozenset({"head", "hr"}), api("/api/identity/policies", json=POLICY)
    ),
    ("POST", "/ui/policy"): Entry(
        frozenset({"head", "hr"}),
        form("/ui/policy", {"agency_code": "ONDE", "effective_from": "2026-01-01"}),
        page=True,
    ),
    ("POST", "/api/identity/import"): Entry(
        frozenset({"hr"}), api("/api/identity/import", **IMPORT)
    ),
    ("POST", "/ui/import"): Entry(frozenset({"hr"}), form("/ui/import", **IMPORT), page=True),
    # A preview is its previewer's (others: 404); importing is HR's (403 to anyone else).
    ("POST", "/ui/import/{preview_id}/apply"): Entry(
        frozenset({"hr", "hr_other"}), form("/ui/import/no-such-preview/apply"), page=True
    ),
    ("POST", "/api/identity/grants"): Entry(
        frozenset({"head"}),
        api(
            "/api/identity/grants",
            json={"official_id": "D0202", "role": "auditor", "agency_code": "ONDE"},
        ),
    ),
    ("DELETE", "/api/identity/grants/{grant_id}"): Entry(
        frozenset({"head"}),
        api("/api/identity/grants/{w.grant}"),  # an auditor role made for the purpose
    ),
    ("POST", "/api/identity/acting-heads"): Entry(
        frozenset({"head"}),
        lambda w: {
            "url": "/api/identity/acting-heads",
            "json": {
                "official_id": "D0101",
                "agency_code": "ONDE",
                "valid_from": now().isoformat(),
                "valid_to": (now() + timedelta(days=2)).isoformat(),
            },
        },
    ),
    ("POST", "/api/identity/acting-heads/{grant_id}/end"): Entry(
        frozenset({"head"}), api("/api/identity/acting-heads/{w.acting}/end")
    ),
    # D0101 away, appointed by the head (D0001 is above D0101); the supervisor persona D0201
    # is not above D0101 and may not.
    ("POST", "/api/identity/acting-supervisors"): Entry(
        frozenset({"head"}),
        lambda w: {
            "url": "/api/identity/acting-supervisors",
            "json": {
                "supervisor_id": "D0101",
                "acting_id": "D0102",
                "valid_from": (now() + timedelta(days=30)).isoformat(),
                "valid_to": (now() + timedelta(days=32)).isoformat(),
            },
        },
    ),
    ("POST", "/api/identity/acting-supervisors/{grant_id}/end"): Entry(
        frozenset({"head"}), api("/api/identity/acting-supervisors/{w.acting_supervisor}/end")
    ),
    # Assignment for necessity in bulk (issue #19): the supervisor of ONDE-DGT and the head.
    ("POST", "/api/assignments"): Entry(
        frozenset({"supervisor", "head"}),
        lambda w: {"url": "/api/assignments", "json": assignment_body()},
    ),
    ("GET", "/api/assignments/{assignment_id}"): Entry(
        frozenset({"supervisor", "head"}), api("/api/assignments/{w.assignment}")
    ),
    ("POST", "/api/assignments/{assignment_id}/order"): Entry(
        frozenset({"head"}), api("/api/assignments/{w.assignment}/order", json={"issue": True})
    ),
    # Evaluation inputs (issue #18).
    ("POST", "/api/evaluation/commute"): Entry(
        SIGNED_IN,  # one's own commute
        api(
            "/api/evaluation/commute",
            json={"km_one_way": 12, "minutes_one_way": 40, "mode": "car_gasoline"},
        ),
    ),
    ("POST", "/api/evaluation/commute-defaults"): Entry(
        frozenset({"head", "hr"}),
        api(
            "/api/evaluation/commute-defaults",
            json={
                "agency_code": "ONDE",
                "km_one_way": 15,
                "minutes_one_way": 45,
                "mode": "bus",
                "baht_per_km": 1.5,
            },
        ),
    ),
    ("GET", "/api/evaluation/survey"): Entry(SIGNED_IN, api("/api/evaluation/survey")),
    ("POST", "/api/evaluation/survey"): Entry(
        SIGNED_IN,
        api(
            "/api/evaluation/survey",
            json={"fiscal_year": 2570, "answers": {"S1": 4, "S2": 4, "S3": 3, "S4": 5}},
        ),
    ),
    ("POST", "/api/evaluation/readiness"): Entry(
        frozenset({"head", "hr", "it"}),
        api(
            "/api/evaluation/readiness",
            json={
                "agency_code": "ONDE",
                "items": {"vpn": {"ready": True, "checked_on": "2026-11-02"}},
            },
        ),
    ),
    ("POST", "/api/evaluation/desks"): Entry(
        frozenset({"head", "hr"}),
        api("/api/evaluation/desks", json={"agency_code": "ONDE", "desks": 120}),
    ),
    # HR's records of its own agencies' officials: not the head, not another agency's HR.
    ("POST", "/api/evaluation/sick-leave"): Entry(
        frozenset({"hr"}),
        api(
            "/api/evaluation/sick-leave",
            json={"fiscal_year": 2570, "rows": [{"official_id": "D0102", "days": 3}]},
        ),
    ),
    ("POST", "/api/evaluation/sick-leave/import"): Entry(
        frozenset({"hr"}),
        api(
            "/api/evaluation/sick-leave/import",
            data={"fiscal_year": "2570"},
            files=[("file", ("sick.csv", SICK_CSV, "text/csv"))],
        ),
    ),
    ("POST", "/api/evaluation/lessons"): Entry(
        frozenset({"head", "hr"}),
        api(
            "/api/evaluation/lessons",
            json={
                "agency_code": "ONDE",
                "fiscal_year": 2570,
                "problems": "-",
                "lessons": "-",
                "decision": "continue",
            },
        ),
    ),
    ("GET", "/api/evaluation/report"): Entry(
        frozenset({"head", "hr", "auditor"}),
        api("/api/evaluation/report", params={"agency": "ONDE", "fiscal_year": 2570}),
    ),
    ("GET", "/api/evaluation/report.pdf"): Entry(
        frozenset({"head", "hr", "auditor"}),
        api("/api/evaluation/report.pdf", params={"agency": "ONDE", "fiscal_year": 2570}),
    ),
    ("GET", "/ui/evaluation"): Entry(
        frozenset({"head", "hr", "auditor"}),
        api("/ui/evaluation", params={"agency": "ONDE", "fiscal_year": "2570"}),
        page=True,
    ),
    ("POST", "/ui/assignments"): Entry(
        frozenset({"supervisor", "head"}),
        form(
            "/ui/assignments",
            {
                "a_agency": "ONDE-DGT",
                "a_official_ids": "D0202",
                "a_necessity_reason": "โรคระบาด",
                "a_goal": "รายงาน",
                "a_due": (now().date() + timedelta(days=90)).isoformat(),
                "a_start": (now().date() + timedelta(days=30)).isoformat(),
                "a_months": "1",
                "a_weekdays": "mon",
            },
        ),
        page=True,
    ),
    ("POST", "/ui/evaluation/survey"): Entry(
        SIGNED_IN,
        form(
            "/ui/evaluation/survey",
            {"fiscal_year": "2570", "q_S1": "4", "q_S2": "4", "q_S3": "4", "q_S4": "4"},
        ),
        page=True,
    ),
    ("POST", "/ui/evaluation/commute"): Entry(
        SIGNED_IN,
        form("/ui/evaluation/commute", {"km_one_way": "5", "minutes_one_way": "20", "mode": "bus"}),
        page=True,
    ),
    ("GET", "/api/notification-preferences"): Entry(
        SIGNED_IN, api("/api/notification-preferences")
    ),
    ("PUT", "/api/notification-preferences"): Entry(
        SIGNED_IN, api("/api/notification-preferences", json={"email": False, "inbox": True})
    ),
    ("POST", "/ui/notification-preferences"): Entry(
        SIGNED_IN, form("/ui/notification-preferences", {"inbox": "on"}), page=True
    ),
    ("POST", "/ui/evaluation/sick-leave"): Entry(
        frozenset({"hr"}),
        form(
            "/ui/evaluation/sick-leave",
            {"sick_leave_year": "2570"},
            files=[("sick_leave_file", ("sick.csv", SICK_CSV, "text/csv"))],
        ),
        page=True,
    ),
    ("POST", "/ui/evaluation/readiness"): Entry(
        frozenset({"head", "hr", "it"}),
        form("/ui/evaluation/readiness", {"agency": "ONDE", "ready_vpn": "on"}),
        page=True,
    ),
    ("POST", "/api/identity/officials/{official_id}/deactivate"): Entry(
        frozenset({"hr"}), api("/api/identity/officials/D0103/deactivate")
    ),
    ("POST", "/ui/officials/{official_id}/deactivate"): Entry(
        frozenset({"hr"}),
        form("/ui/officials/D0302/deactivate", {"confirm": "on"}),  # official5, in HR's unit
        page=True,
    ),
    # --- audit: auditors only -----------------------------------------------------------------
    ("GET", "/api/audit/status"): Entry(frozenset({"auditor"}), api("/api/audit/status")),
    ("GET", "/api/audit/history"): Entry(
        frozenset({"auditor"}), api(f"/api/audit/history?engagement_id={ENG}")
    ),
}

# Asked last, each with a session of its own: they end the session they are asked with.
LAST = (("POST", "/api/logout"), ("POST", "/logout"))


def portal_routes() -> set[tuple[str, str]]:
    app = create_app(SimpleNamespace(sessions=None))  # type: ignore[arg-type]  # routes only
    found: set[tuple[str, str]] = set()

    def walk(routes: Any) -> None:
        for route in routes:
            inner = getattr(route, "original_router", None)
            if inner is not None:
                walk(inner.routes)
            elif isinstance(route, APIRoute):
                found.update((m, route.path) for m in route.methods - {"HEAD"})

    walk(app.routes)
    return found


def test_every_route_has_an_entry() -> None:
    routes = portal_routes()
    assert routes - ROUTES.keys() == set(), "a route with no entry in the role × route table"
    assert ROUTES.keys() - routes == set(), "an entry for a route that no longer exists"


async def second_agency(stack: Stack, tmp_path: Path) -> None:
    folder = tmp_path / "second"
    folder.mkdir()
    for name, text in SECOND.items():
        (folder / name).write_text(text, encoding="utf-8")
    report = await import_files(
        stack.identity, LOG, sorted(folder.iterdir()), partial=False, citizen_key=b"k" * 32
    )
    assert not report.errors
    await IdentityService(stack.identity).grant_role(
        OPERATOR, c.GrantRole(official_id="E0301", role=Role.HR_OFFICER, agency_code="DEPA")
    )


async def sign_in(client: httpx.AsyncClient, email: str) -> str:
    r = await client.post("/api/login", json={"email": email, "password": "demo"})
    assert r.status_code == 200, r.text
    return str(r.json()["token"])


async def csrf_of(client: httpx.AsyncClient, session: str) -> str:
    client.cookies.set("telework_session", session)
    html = (await client.get("/home")).text
    client.cookies.clear()
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "the home page carries the session's CSRF token"
    return found.group(1)


async def test_role_by_route(stack: Stack, tmp_path: Path) -> None:
    await second_agency(stack, tmp_path)
    async with httpx.AsyncClient(base_url=stack.url, timeout=60) as client:
        sessions = {p: await sign_in(client, e) for p, e in PERSONAS.items()}
        csrf = {p: await csrf_of(client, s) for p, s in sessions.items()}
        r = await client.post(
            "/api/engagements",
            json={},
            headers={"Authorization": f"Bearer {sessions['official']}"},
        )
        assert r.status_code == 201, r.text
        async with stack.identity() as s:
            acting = (
                await s.execute(
                    select(grants.c.grant_id).where(
                        grants.c.official_id == "D0002", grants.c.acting
                    )
                )
            ).scalar_one()
        # A grant of its own to revoke: revoking a persona's role would change what that
        # persona may do for the rest of the run, by when its session was last refreshed.
        grant = (
            await IdentityService(stack.identity).grant_role(
                OPERATOR,
                c.GrantRole(official_id="D0203", role=Role.AUDITOR, agency_code="ONDE-DGT"),
            )
        )["grant_id"]
        appointed = await IdentityService(stack.identity).appoint_acting_supervisor(
            OPERATOR,
            c.AppointActingSupervisor(
                supervisor_id="D0101",
                acting_id="D0103",
                valid_from=now(),
                valid_to=now() + timedelta(days=3),
            ),
        )
        r2 = await client.post(
            "/api/assignments",
            json=assignment_body(),
            headers={"Authorization": f"Bearer {sessions['supervisor']}"},
        )
        assert r2.status_code == 202, r2.text
        r3 = await client.post(
            "/api/support",
            json={"topic": "VPN", "detail": "ต่อไม่ได้"},
            headers={"Authorization": f"Bearer {sessions['official']}"},
        )
        assert r3.status_code == 201, r3.text
        client.cookies.set("telework_session", sessions["head"])
        r4 = await client.post("/ui/meetings/plan", data={**MEETING, "csrf": csrf["head"]})
        client.cookies.clear()
        assert r4.status_code == 200 and "MTG-MATRIX" in r4.text, r4.text[:300]
        world = World(
            r.json()["engagement_id"],
            grant,
            acting,
            appointed["grant_id"],
            r2.json()["assignment_id"],
            help_request=r3.json()["request_id"],
        )

        async def outcome(persona: str, key: tuple[str, str], session: str | None) -> str:
            """'refused' or 'heard'"""
            entry = ROUTES[key]
            kw = entry.request(world)
            cookies: dict[str, str] = {}
            headers: dict[str, str] = {}
            if key == ("POST", "/login"):  # its own CSRF token, from the sign-in page
                page = await client.get("/login")
                field = re.search(r'name="csrf" value="([^"]+)"', page.text)
                assert field is not None
                kw["data"]["csrf"] = field.group(1)
                cookies["telework_login_csrf"] = page.cookies["telework_login_csrf"]
                client.cookies.clear()
            elif session is not None and entry.page:
                cookies["telework_session"] = session
                if key[0] == "POST":
                    kw.setdefault("data", {})["csrf"] = csrf[persona]
            elif session is not None:
                headers["Authorization"] = f"Bearer {session}"
            client.cookies.clear()  # only what this request is meant to carry
            client.cookies.update(cookies)
            r = await client.request(key[0], headers=headers, **kw)
            client.cookies.clear()
            if r.status_code in (401, 403):
                return "refused"
            if r.status_code == 303 and r.headers["location"] == "/login" and key[1] != "/logout":
                return "refused"
            if r.status_code == 303 and r.headers["location"] == "/home" and session is not None:
                client.cookies.set("telework_session", session)
                home = await client.get("/home")
                client.cookies.clear()
                shown = re.search(r'id="error" data-status="(\d*)">([^<]*)<', home.text)
                if shown and (shown.group(1) in ("401", "403") or "outside" in shown.group(2)):
                    return "refused"
            if 'id="import-errors"' in r.text and "outside the agencies" in r.text:
                return "refused"  # HR's import preview: every row outside their agencies
            if r.headers.get("content-type", "").startswith("application/json"):
                body = r.json()
                if isinstance(body, dict) and body.get("applied") is False:
                    return "refused"  # an import of rows outside the importer's agencies
            assert r.status_code < 500, f"{persona} {key}: {r.status_code} {r.text[:200]}"
            return "heard"

        wrong: list[str] = []
        for key, entry in ROUTES.items():
            if key in LAST:
                continue
            for persona in ("anonymous", *PERSONAS):
                got = await outcome(persona, key, sessions.get(persona))
                want = "heard" if persona in entry.allowed else "refused"
                if got != want:
                    wrong.append(f"{key[0]} {key[1]} as {persona}: {got}, expected {want}")
        for key in LAST:
            for persona, email in (("anonymous", None), *PERSONAS.items()):
                own = await sign_in(client, email) if email else None
                if own is not None:
                    csrf[persona] = await csrf_of(client, own)
                got = await outcome(persona, key, own)
                want = "heard" if persona in ROUTES[key].allowed else "refused"
                if got != want:
                    wrong.append(f"{key[0]} {key[1]} as {persona}: {got}, expected {want}")
        assert wrong == []
