"""Issue #16: role administration from the page — the roles of the agency and below, a role
granted and revoked, an acting head appointed and ended — the head's acts only, never to
oneself (identity's separation of duties, issue #14)."""

import re

import httpx
import pytest

from tests.support.stack import Stack

pytestmark = pytest.mark.integration


async def test_the_head_administers_roles_from_the_page(stack: Stack) -> None:
    today = await stack.today()
    be = lambda d: f"{d.day:02d}/{d.month:02d}/{d.year + 543}"  # noqa: E731
    async with httpx.AsyncClient(base_url=stack.url, timeout=60) as c:
        r = await c.post(
            "/api/login", json={"email": "head@onde.example.go.th", "password": "demo"}
        )
        head = r.json()["token"]
        c.cookies.set("telework_session", head)
        page = (await c.get("/ui/roles")).text  # the head's own agency by default
        assert "เจ้าหน้าที่บุคคล" in page and "D0301" in page  # HR's grant, in words
        token = re.search(r'name="csrf" value="([^"]+)"', page)
        assert token is not None
        csrf = token.group(1)

        r = await c.post(
            "/ui/roles/grant",
            data={
                "csrf": csrf,
                "official_id": "D0203",
                "role": "it_support",
                "agency_code": "ONDE-DGT",
            },
        )
        assert r.status_code == 303 and r.headers["location"] == "/ui/roles?agency=ONDE-DGT"
        listed = (
            await c.get(
                "/api/identity/grants?agency=ONDE", headers={"Authorization": f"Bearer {head}"}
            )
        ).json()
        mine = [
            g for g in listed["grants"] if g["official_id"] == "D0203" and g["role"] == "it_support"
        ]
        assert len(mine) == 1
        r = await c.post(
            "/ui/roles/revoke",
            data={"csrf": csrf, "grant_id": mine[0]["grant_id"], "agency_code": "ONDE-DGT"},
        )
        assert r.status_code == 303
        listed = (
            await c.get(
                "/api/identity/grants?agency=ONDE", headers={"Authorization": f"Bearer {head}"}
            )
        ).json()
        assert not [g for g in listed["grants"] if g["grant_id"] == mine[0]["grant_id"]]

        r = await c.post(
            "/ui/roles/acting_head",
            data={
                "csrf": csrf,
                "official_id": "D0101",
                "agency_code": "ONDE",
                "valid_from": be(today),
                "valid_to": be(today.replace(year=today.year + 1)),
            },
        )
        assert r.status_code == 303
        page = (await c.get("/ui/roles?agency=ONDE")).text
        assert "รักษาราชการแทน" in page and "D0101" in page
        # Never to oneself: the refusal comes back to the page, nothing granted.
        r = await c.post(
            "/ui/roles/grant",
            data={"csrf": csrf, "official_id": "D0001", "role": "auditor", "agency_code": "ONDE"},
        )
        assert r.status_code == 303 and r.headers["location"] == "/home"
        assert 'data-status="4' in (await c.get("/home")).text

        r = await c.post("/api/login", json={"email": "hr@onde.example.go.th", "password": "demo"})
        c.cookies.set("telework_session", r.json()["token"])
        refused = await c.get("/ui/roles?agency=ONDE")
        assert refused.status_code == 303 and refused.headers["location"] == "/home"
