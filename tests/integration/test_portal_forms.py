"""Web forms against the whole platform (issue #16 findings)."""

import re

import httpx
import nats
import pytest

from services.shared import rpc
from services.shared.auth import service_actor
from tests.support.stack import Stack

pytestmark = pytest.mark.integration


async def test_the_policy_form_keeps_what_it_does_not_show(
    stack: Stack, private_nats_url: str
) -> None:
    """The demo policy makes §3.1.3 posts 'partly'; publishing from the form (which shows only
    dates and counts) used to drop that, turning two officials from partly to may."""
    async with httpx.AsyncClient(base_url=stack.url, timeout=60) as c:
        r = await c.post("/api/login", json={"email": "hr@onde.example.go.th", "password": "demo"})
        c.cookies.set("telework_session", r.json()["token"])
        csrf = re.search(r'name="csrf" value="([^"]+)"', (await c.get("/home")).text)
        assert csrf is not None
        r = await c.post(
            "/ui/policy",
            data={
                "csrf": csrf.group(1),
                "agency_code": "ONDE",
                "effective_from": "2026-01-01",
                "cadence": "21",
                "grace": "3",
                "per_week": "2",
            },
        )
        assert r.status_code == 303
        bad = await c.post(
            "/ui/policy",
            data={
                "csrf": csrf.group(1),
                "agency_code": "ONDE",
                "effective_from": "",
                "cadence": "x",
            },
        )
        assert bad.status_code == 303 and 'data-status="422"' in (await c.get("/home")).text
    nc = await nats.connect(private_nats_url)
    try:
        token = stack.issuer.issue(service_actor("portal"))
        policy = await rpc.request(
            nc, "identity", "policy_in_force", {"agency_code": "ONDE"}, token
        )
    finally:
        await nc.close()
    assert policy["version"] == 2
    assert policy["document"]["report_cadence_days"] == 21
    assert policy["document"]["categories"] == {"3.1.3": "partly"}
