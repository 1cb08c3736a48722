"""Issue #16 item 3: an unexpected error shows a styled page in the user's language with a
request id (JSON with the id for the API), and the same id is in the log — with the route
template and the cause's class only, never the path's ids or the message."""

import logging

import httpx
import pytest

from tests.support.stack import Stack

pytestmark = pytest.mark.integration


async def test_an_unexpected_error_names_a_request_id(
    stack: Stack, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import services.portal.api_evaluation as ledger_api
    import services.portal.pages_work as home_page

    def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("D0102 นายกิตติ: a message with personal data")

    monkeypatch.setattr(home_page, "task_list", broken)
    monkeypatch.setattr(ledger_api, "ledger_response", broken)
    caplog.set_level(logging.ERROR, logger="services.portal.app")
    async with httpx.AsyncClient(base_url=stack.url, timeout=60) as c:
        r = await c.post("/api/login", json={"email": "hr@onde.example.go.th", "password": "demo"})
        token = r.json()["token"]
        c.cookies.set("telework_session", token)
        page = await c.get("/home")
        assert page.status_code == 500 and "text/html" in page.headers["content-type"]
        assert "ระบบขัดข้อง" in page.text and page.headers["X-Request-Id"] in page.text
        api = await c.get(
            "/api/attendance/ledger",
            params={"agency": "ONDE", "from": "01/12/2569", "to": "02/12/2569"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert api.status_code == 500 and api.json()["request_id"] == api.headers["X-Request-Id"]
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert page.headers["X-Request-Id"] in logged and api.headers["X-Request-Id"] in logged
    assert "RuntimeError" in logged and "D0102" not in logged and "กิตติ" not in logged
