"""Pages that need no backend: API docs served by the portal itself (no CDN: /docs works with no
internet), and a page, not raw JSON, for an address that does not exist (issue #16)."""

from types import SimpleNamespace

import httpx

from services.portal.app import create_app


async def test_docs_are_served_without_a_cdn_and_unknown_pages_are_pages() -> None:
    app = create_app(SimpleNamespace(sessions=None))  # type: ignore[arg-type]
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://portal") as c:
        docs = await c.get("/docs")
        assert docs.status_code == 200 and "cdn" not in docs.text
        assert 'src="/static-offline-docs/swagger-ui-bundle.js"' in docs.text
        assert (await c.get("/static-offline-docs/swagger-ui-bundle.js")).status_code == 200
        missing = await c.get("/nowhere")
        assert missing.status_code == 404 and "ไม่พบหน้า" in missing.text
        assert "There is no such page" in (await c.get("/nowhere?lang=en")).text
        assert (await c.get("/api/nowhere")).json() == {"detail": "Not Found"}
