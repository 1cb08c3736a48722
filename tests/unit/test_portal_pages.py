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


def test_no_form_starts_with_words_nobody_wrote_nor_hints_in_one_language() -> None:
    """A reason, evidence or report is what its author typed: a form field's value written in
    a template (a termination "did not keep to the agreement", a necessity "epidemic") was
    sent by whoever did not change it. Examples come from `example(...)`, in demo mode only;
    hints from `t(...)`, so the English page shows no Thai ones."""
    import re
    from pathlib import Path

    thai = re.compile(r"[\u0E00-\u0E7F]")
    literal = re.compile(r'(value|placeholder)="([^"{]*)"')
    folder = Path("services/portal/templates")
    found = [
        f"{page.name}: {m.group(0)}"
        for page in sorted(folder.glob("*.html"))
        for m in literal.finditer(page.read_text(encoding="utf-8"))
        if thai.search(m.group(2))
    ]
    assert not found, found
