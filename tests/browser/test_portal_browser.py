"""The portal in a real browser (Debian's Chromium driven by Playwright), in Thai: the happy
path across roles and the termination path; a screenshot of each step under
test-output/browser/ (issue #9)."""

import os
import re
import shutil
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.integration.test_portal_api import pdf_text
from tests.support.axe import severe_violations
from tests.support.oidc_provider import agency_provider
from tests.support.servers import unavailable
from tests.support.stack import Stack, deciding_head

pytestmark = pytest.mark.integration
CHROMIUM = os.environ.get("TELEWORK_CHROMIUM", "/usr/bin/chromium")
OUT = Path(__file__).parents[2] / "test-output" / "browser"


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        unavailable("Chromium (apt-get install chromium)")
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        b = await p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield b
        await b.close()


class Person:
    def __init__(self, page: Any, stack: Stack, folder: Path, lang: str = "th") -> None:
        self.page, self.stack, self.folder, self.lang = page, stack, folder, lang
        self.step = 0

    def say(self, key: str) -> str:
        """The portal's word for `key` in this person's language."""
        from services.portal.i18n import t

        return t(key, self.lang)

    def state_named(self, state: str) -> str:
        from services.portal.i18n import state_name

        return state_name(state, self.lang)

    async def login(self, email: str) -> None:
        await self.page.context.clear_cookies()
        await self.page.goto(f"{self.stack.url}/login")
        await self.page.fill("input[name=email]", email)
        await self.page.fill("input[name=password]", "demo")
        await self.page.click("#login")
        await self.page.wait_for_url(re.compile(r".*/home.*"))
        await self.shot(f"login-{email.split('@')[0]}")

    async def shot(self, name: str) -> None:
        await self.page.evaluate("document.fonts.ready")
        assert await self.page.evaluate("document.fonts.check('16px Sarabun')"), (
            "the Sarabun web font did not load"
        )
        self.step += 1
        await self.page.screenshot(
            path=str(self.folder / f"{self.step:02d}-{name}.png"), full_page=True
        )
        # Every page a person sees passes axe-core's WCAG A/AA rules (issue #16).
        problems = await severe_violations(self.page)
        assert not problems, f"{name} ({self.page.url}):\n" + "\n".join(problems)
        # ...and speaks the language it declares only (names and what people typed are data).
        lang = await self.page.evaluate("document.documentElement.lang")
        leaked = other_language(await portal_words(self.page), lang)
        assert not leaked, f"{name} ({self.page.url}) in {lang} shows {leaked}"

    async def click(self, selector: str, name: str) -> None:
        await self.page.click(selector)
        await self.page.wait_for_load_state()
        error = await self.page.query_selector("#error")
        assert error is None, await error.inner_text()
        await self.shot(name)

    async def document(self, kind: str) -> str:
        """The text of a case document, fetched through its link on the case's card."""
        await self.page.reload()
        link = await self.page.query_selector(f".engagement a.doc-{kind}")
        assert link is not None, f"no link to the {kind} document on the page"
        r = await self.page.request.get(self.stack.url + str(await link.get_attribute("href")))
        assert r.status == 200, await r.text()
        return pdf_text(await r.body()).replace("\n", "")

    async def state(self) -> str:
        return str(await self.page.inner_text(".engagement .state"))


DEVICES = {"phone": {"width": 412, "height": 915}, "desktop": {"width": 1366, "height": 900}}


async def open_person(
    browser: Any, stack: Stack, name: str, lang: str = "th", device: str = "phone"
) -> Person:
    """A browser as a person has it: their language (the browser's, which the portal follows
    until they choose another) on a phone or a desktop screen."""
    folder = OUT / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    context = await browser.new_context(
        viewport=DEVICES[device], locale="th-TH" if lang == "th" else "en-US"
    )
    return Person(await context.new_page(), stack, folder, lang)


async def agree_and_order(p: Person, official: str, supervisor: str) -> None:
    await p.login(f"{supervisor}@onde.example.go.th")
    # The time-skipping server keeps its own clock; the form defaults to the real today. The
    # story starts on a working day, with telework on that weekday, whatever the real date.
    today = await p.stack.to_working_morning()
    await p.page.fill("input[name=start]", today.isoformat())
    # The weekday boxes จ.–ศ. (issue #16): only today's weekday ticked.
    boxes = p.page.locator("input[name=weekday]")
    for n in range(await boxes.count()):
        box = boxes.nth(n)
        await box.set_checked(await box.get_attribute("value") == str(today.weekday()))
    await p.page.fill("input[name=due]", (today + timedelta(days=365)).isoformat())
    await p.click(".act-draft", "supervisor-drafts-agreement")
    await p.click(".act-accept", "supervisor-accepts")
    await p.login(f"{official}@onde.example.go.th")
    await p.page.check(".ethics")
    await p.click(".act-accept", "official-accepts-with-ethics")
    await p.login(f"{supervisor}@onde.example.go.th")
    await p.click(".act-propose", "supervisor-proposes-to-head")
    assert p.state_named("proposed") in await p.state()
    head, _ = await deciding_head(p.stack.env)
    await p.login(f"{head}@onde.example.go.th")
    await p.click(".act-order", f"{head}-issues-order")
    assert f"{p.say('order')} ที่ " in await p.page.inner_text(".engagement")


@pytest.mark.parametrize(("lang", "device"), [("th", "phone"), ("en", "desktop")])
async def test_happy_path_across_roles(stack: Stack, browser: Any, lang: str, device: str) -> None:
    """Each role's work from applying to the case's close, in Thai on a phone and in English
    on a desktop (issue #16, item 8): every step a screenshot, checked by axe-core and for the
    other language's words."""
    p = await open_person(browser, stack, f"happy-path-{lang}-{device}", lang, device)
    await p.login("official1@onde.example.go.th")
    await p.click("#apply", "official-applies")
    assert p.state_named("awaiting_selection") in await p.state()
    await p.login("supervisor1@onde.example.go.th")
    # The card names the official, not only their id (issue #16).
    assert "นายกิตติ วงศ์ไทย" in await p.page.inner_text(".engagement")
    # The task list says what is the supervisor's to do, and for whom (issue #16).
    assert f"{p.say('task_select')} — นายกิตติ วงศ์ไทย" in await p.page.inner_text("#tasks")
    await p.click(".act-select", "supervisor-selects")
    await agree_and_order(p, "official1", "supervisor1")
    await p.login("official1@onde.example.go.th")
    assert p.state_named("active") in await p.state()
    await p.click("#check-in", f"official-checks-in-on-{device}")
    assert p.say("checked_in_at") in await p.page.inner_text("#msg")
    await p.click(".act-report", "official-reports-progress")
    await p.login("supervisor1@onde.example.go.th")
    await p.click(".act-review", "supervisor-reviews-report")
    await stack.env.sleep(timedelta(days=200))  # six months later
    await p.login("official1@onde.example.go.th")
    assert p.state_named("final_report_due") in await p.state()
    await p.click(".act-final", "official-final-report")
    await p.login("supervisor1@onde.example.go.th")
    # Each goal's result is chosen, never pre-selected (an assessment of a person).
    results = p.page.locator(".assess-goal select")
    for n in range(await results.count()):
        await results.nth(n).select_option("achieved")
    await p.click(".act-assess", "supervisor-assesses-goals")
    await p.click(".act-report-head", "supervisor-reports-to-head")
    # A closed case leaves the cases at work for the folded list, which links its own page:
    # the B.E. calendar, the report with its review, the assessment by goal (issue #16).
    await p.page.click("#closed summary")
    await p.click("#closed a", "closed-case-page")
    assert p.state_named("closed") in await p.state()
    calendar = await p.page.inner_text("#calendar")
    # B.E. years in Thai, C.E. in English.
    assert any(str(y + (543 if lang == "th" else 0)) in calendar for y in (2026, 2027))
    assert p.say("example_report") in await p.page.inner_text("#reports")  # what was sent
    assert p.say("achieved") in await p.page.inner_text("#assessments")
    # The case's documents (issue #17): the agreement both accepted, the final assessment.
    agreement = await p.document("agreement")
    assert "ข้อตกลงการปฏิบัติราชการนอกสถานที่ฉบับที่1" in agreement.replace(" ", "")
    assert agreement.count("ยอมรับเมื่อ") == 2, agreement
    assessment = await p.document("assessment")
    assert "รายงานผลการประเมิน" in assessment and "บรรลุ" in assessment, assessment


async def test_termination_path(stack: Stack, browser: Any) -> None:
    p = await open_person(browser, stack, "termination")
    await p.login("supervisor2@onde.example.go.th")
    await p.page.fill("input[name=official_id]", "D0202")
    await p.click("#assign", "supervisor-assigns-for-necessity")
    await agree_and_order(p, "official3", "supervisor2")
    await p.login("supervisor2@onde.example.go.th")
    await p.page.click(".engagement details:has(.act-propose-termination) summary")
    await p.page.fill(".termination-reasons", "ไม่ส่งงานตามข้อตกลงสามครั้ง")
    await p.click(".act-propose-termination", "supervisor-proposes-termination")
    head, _ = await deciding_head(p.stack.env)
    await p.login(f"{head}@onde.example.go.th")
    await p.click(".act-withdraw", f"{head}-withdraws-permission")
    await stack.env.sleep(timedelta(days=1))
    await p.login("official3@onde.example.go.th")
    assert "รอรายงานผล" in await p.state()
    await p.page.click(".engagement details:last-of-type summary")
    assert "หัวหน้าส่วนราชการยุติการอนุญาต" in await p.page.inner_text(".engagement")
    await p.shot("official-sees-withdrawal")
    decision = await p.document("termination")
    assert "ยุติการปฏิบัติราชการนอกสถานที่" in decision, decision
    assert "ไม่ส่งงานตามข้อตกลงสามครั้ง" in decision and "อุทธรณ์" in decision, decision


async def test_sign_in_through_the_agencys_provider(
    stack: Stack, browser: Any, tmp_path: Path
) -> None:
    """Issue #14: production's sign-in (no password form) through a real OpenID Connect
    provider, authorization code + PKCE, in Chromium."""
    users = {"kitti": {"email": "official1@onde.example.go.th", "email_verified": True}}
    stack.backends.demo_login = False
    try:
        with agency_provider(stack, users, tmp_path):
            folder = OUT / "oidc-sign-in"
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            # The provider's certificate is from the test's own CA; the portal checks it
            # against that CA, the browser is told to accept it.
            context = await browser.new_context(locale="th-TH", ignore_https_errors=True)
            p = Person(await context.new_page(), stack, folder)
            await p.page.goto(f"{stack.url}/login")
            assert await p.page.query_selector("input[name=password]") is None
            await p.shot("login-page-production")
            await p.page.click("#login-oidc")
            await p.page.wait_for_selector("#sso-login")
            await p.page.fill("input[name=username]", "kitti")
            await p.page.click("#sso-login")
            await p.page.wait_for_url(re.compile(r".*/home.*"))
            await p.shot("signed-in-through-provider")
            await p.click("#apply", "official-applies-after-sso")
            assert "รอผู้บังคับบัญชาคัดเลือก" in await p.state()
            await context.close()
    finally:
        stack.backends.demo_login = True


async def portal_words(page: Any) -> str:
    """The page's text without the inbox: notifications are messages as they were sent, in
    the recipient's language of that day, not the portal's words."""
    return str(
        await page.evaluate(
            """() => { const c = document.body.cloneNode(true);
                c.querySelectorAll('#inbox').forEach(e => e.remove());
                return c.textContent; }"""
        )
    )


def other_language(text: str, lang: str) -> list[str]:
    """The portal's own words of the other language found on a page (issue #16: no English
    leaking into Thai pages, no Thai into English ones). People's names, agencies and what
    people typed are data, not the portal's words, and are not looked at."""
    from services.portal.i18n import WORDS

    other = "en" if lang == "th" else "th"
    found = []
    for words in WORDS.values():
        mine, theirs = words.get(lang, ""), words.get(other, "")
        # Short or shared words ("PDF", "CSV", an id) say nothing about the language.
        if theirs and theirs != mine and len(theirs) >= 6 and theirs in text:
            at = text.index(theirs)
            found.append(f"{theirs!r} in …{text[max(0, at - 40) : at + len(theirs) + 20]}…")
    return found


async def test_each_roles_pages_in_thai_and_english(stack: Stack, browser: Any) -> None:
    """Every page of each role's work opens, in Thai and in English, on a phone, and passes
    axe-core (issue #16): the task list, ledger, IT support's queue, the dashboard, the
    auditor's page."""
    p = await open_person(browser, stack, "pages")
    today = await stack.today()
    be = f"{today.day:02d}/{today.month:02d}/{today.year + 543}"
    await p.login("official1@onde.example.go.th")
    await p.page.click("details:has(form[action='/ui/help']) > summary")
    await p.page.fill("form[action='/ui/help'] textarea", "เข้าระบบไม่ได้")
    await p.click("form[action='/ui/help'] button", "official-asks-for-help")
    pages = {
        "official1": ["/ui/ledger", "/ui/support"],
        "itsupport": ["/ui/support"],
        "supervisor1": ["/ui/staff", "/ui/meetings"],
        "head": ["/ui/dashboard", "/ui/ledger", "/ui/roles"],
        "hr": ["/ui/dashboard", f"/ui/ledger?agency=ONDE&from={be}&to={be}"],
        "auditor": [f"/ui/audit?agency=ONDE&from={be}&to={be}"],
    }
    for lang in ("th", "en"):
        for who, paths in pages.items():
            await p.login(f"{who}@onde.example.go.th")
            await p.page.goto(f"{stack.url}/lang/{lang}")
            await p.shot(f"{who}-home-{lang}")
            leaked = other_language(await portal_words(p.page), lang)
            assert not leaked, f"/home in {lang} shows {leaked}"
            for path in paths:
                await p.page.goto(stack.url + path)
                assert "/home" not in p.page.url, f"{who} was sent away from {path}"
                await p.shot(f"{who}-{path.split('?')[0].rsplit('/', 1)[-1]}-{lang}")
                leaked = other_language(await portal_words(p.page), lang)
                assert not leaked, f"{path} in {lang} shows {leaked}"
    english = await p.page.inner_text("main")
    assert "Replay" in english  # the auditor's page, in English


async def test_the_accessibility_check_finds_what_it_should(browser: Any) -> None:
    """The axe-core check that every step above passes does see violations: a page made of
    them is refused (so its silence elsewhere means something)."""
    context = await browser.new_context()
    page = await context.new_page()
    await page.set_content(
        '<!doctype html><html lang="th"><title>t</title><body><main>'
        '<img src="data:,"><input type="text"><button></button></main></body></html>'
    )
    found = " ".join(await severe_violations(page))
    await context.close()
    assert "image-alt" in found and "label" in found and "button-name" in found, found
