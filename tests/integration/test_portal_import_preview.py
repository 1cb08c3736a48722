"""Issue #16: HR's import through the page is first a preview — each file's encoding as
detected (UTF-8, UTF-8 with BOM, Windows-874), every refused row with its reason, what would
change — and nothing is applied until HR confirms the very files previewed."""

import re

import httpx
import pytest
from sqlalchemy import select

from services.identity.adapters.tables import officials
from tests.support.portal import browser_session
from tests.support.stack import Stack

pytestmark = pytest.mark.integration
HEADER = "official_id,agency_code,position_code,name_th,name_en,email,citizen_id,lang\n"


async def test_preview_then_import(stack: Stack) -> None:
    async with httpx.AsyncClient(base_url=stack.url, timeout=60) as c:
        token = await browser_session(c, "hr@onde.example.go.th")

        async def known(oid: str) -> bool:
            async with stack.identity() as s:
                row = await s.execute(select(officials).where(officials.c.official_id == oid))
                return row.first() is not None

        # Two bad rows and a good one: both errors listed, nothing applied.
        bad = (
            HEADER
            + "D0901,ONDE-DGT,COMP,นายใหม่ ใจดี,New,new@onde.example.go.th,,th\n"
            + "D0902,NOWHERE,COMP,นายสอง,Two,two@onde.example.go.th,,th\n"
            + "D0903,ONDE-DGT,COMP,,Three,three@onde.example.go.th,,th\n"
        )
        r = await c.post(
            "/ui/import",
            data={"csrf": token},
            files=[("files", ("officials.csv", bad.encode("cp874"), "text/csv"))],
        )
        assert r.status_code == 200, r.text
        assert (
            "Windows-874" in r.text and "officials.csv:3" in r.text and "officials.csv:4" in r.text
        )
        assert "apply-import" not in r.text and not await known("D0901")

        # A good file in UTF-8 with a BOM: what would change, then the import of those files.
        good = (
            "\ufeff" + HEADER + "D0904,ONDE-DGT,COMP,นางสาวสี่ ดีใจ,Four,four@onde.example.go.th,,th\n"
        )
        r = await c.post(
            "/ui/import",
            data={"csrf": token},
            files=[("files", ("officials.csv", good.encode("utf-8"), "text/csv"))],
        )
        assert "UTF-8 (BOM)" in r.text and "officials_registered" in r.text
        assert not await known("D0904")  # a preview changes nothing
        action = re.search(r'action="(/ui/import/[^"]+/apply)"', r.text)
        assert action is not None
        applied = await c.post(action.group(1), data={"csrf": token})
        assert applied.status_code == 303 and applied.headers["location"] == "/home"
        assert await known("D0904")
        async with stack.identity() as s:
            name = (
                await s.execute(
                    select(officials.c.name_th).where(officials.c.official_id == "D0904")
                )
            ).scalar_one()
        assert name == "นางสาวสี่ ดีใจ"  # the BOM is not part of the first field
        again = await c.post(action.group(1), data={"csrf": token})  # a preview applies once
        assert again.status_code == 303
        assert "ไม่พบผลการตรวจ" in (await c.get("/home")).text
