"""axe-core (Deque's accessibility engine, as shipped inside the axe-playwright-python wheel:
no download at test time) run on a page in the browser tests (issue #16): WCAG 2.x A and AA
rules; serious and critical violations are what the tests refuse."""

from importlib import resources
from typing import Any

SEVERE = ("serious", "critical")


def _axe_source() -> str:
    return (resources.files("axe_playwright_python") / "axe.min.js").read_text(encoding="utf-8")


async def severe_violations(page: Any) -> list[str]:
    """Each serious or critical violation on the page, as 'rule (impact): where — help'."""
    if not await page.evaluate("typeof window.axe !== 'undefined'"):
        await page.add_script_tag(content=_axe_source())
    result = await page.evaluate(
        """() => axe.run(document, {runOnly: {type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"""
    )
    found = []
    for v in result["violations"]:
        if v.get("impact") in SEVERE:
            where = ", ".join(str(n["target"]) for n in v["nodes"][:3])
            found.append(f"{v['id']} ({v['impact']}): {where} — {v['help']}")
    return found
