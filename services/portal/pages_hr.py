"""Pages for HR and heads: imports with a preview, the policy editor, departures, roles,
my staff, the agency dashboard and the attendance ledger."""

import json
from datetime import datetime
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response

from services.portal.actions import IMPORT_WAIT_S, Refused, parse_day
from services.portal.forms import policy_changes, policy_value, whole_number
from services.portal.i18n import (
    STATES,
    t,
)
from services.portal.reads import ledger_response
from services.portal.tasks import is_closed
from services.portal.web import (
    Ui,
    caller,
    read_export,
    read_upload,
)
from services.shared import clock
from services.shared.clock import BANGKOK


def add_routes(app: FastAPI, ui: Ui) -> None:
    portal = ui.portal
    page = ui.page
    shown_once = ui.shown_once
    done = ui.done
    previews = ui.previews

    @app.post("/ui/import", include_in_schema=False)
    async def ui_import(request: Request) -> Response:
        """HR's import, first as a preview (issue #16): each file's encoding as detected, every
        refused row with its reason, and what would change — nothing applied until HR confirms
        the very files previewed."""
        c = await caller(request)
        form = await request.form()
        texts, encodings = {}, {}
        for f in form.getlist("files"):
            if isinstance(f, str) or not f.filename:
                continue
            texts[f.filename], encodings[f.filename] = read_export(await read_upload(f), f.filename)
        if not texts:
            raise Refused(422, "กรุณาเลือกไฟล์ / choose the files to import")
        result = await portal.ask_as(
            c.token,
            "identity",
            "import_csv",
            {"files": texts, "partial": False, "preview": True},
            c.lang,
            IMPORT_WAIT_S,
        )
        preview_id = None if result["errors"] else await previews.keep(c.actor, texts)
        return page(
            request,
            "import.html",
            me=c.actor,
            encodings=encodings,
            result=result,
            preview_id=preview_id,
            csrf=c.session.csrf if c.session is not None else "",
        )

    @app.post("/ui/import/{preview_id}/apply", include_in_schema=False)
    async def ui_import_apply(request: Request, preview_id: str) -> Response:
        """Import the files HR previewed, as they were previewed (kept 30 minutes, for the
        one who previewed them); checked again by identity as it imports."""
        c = await caller(request)
        if not {g.role.value for g in c.actor.grants} & {"hr_officer", "system_admin"}:
            raise Refused(403, "การนำเข้าเป็นงานของฝ่ายบุคคล / importing is HR's")
        texts = await previews.take(c.actor, preview_id)
        result = await portal.ask_as(
            c.token,
            "identity",
            "import_csv",
            {"files": texts, "partial": False},
            c.lang,
            IMPORT_WAIT_S,
        )
        if result["errors"]:  # the directory changed since the preview
            first = result["errors"][0]
            raise Refused(422, f"{len(result['errors'])} ✗ — {first['where']}: {first['reason']}")
        counts = ", ".join(f"{k} {v}" for k, v in sorted(result["counts"].items()))
        return await done(c, f"{t('imported', c.lang)}: {counts}")

    @app.post("/ui/policy", include_in_schema=False)
    async def ui_policy(request: Request) -> Response:
        c = await caller(request)
        form = await request.form()
        effective = str(form.get("effective_from") or "")
        agency = str(form.get("agency_code") or "")[:64]
        changes = {
            "effective_from": parse_day(effective).isoformat(),
            "report_cadence_days": whole_number(form.get("cadence", 7), "cadence", 1, 90),
            "grace_period_days": whole_number(form.get("grace", 2), "grace", 0, 30),
            "max_days_per_week": whole_number(form.get("per_week", 2), "per_week", 1, 5),
        }
        if form.get("rule_set") is not None:  # the form's rule-set part (issue #19)
            changes |= {
                "rule_set": "pmo-2565" if form.get("rule_set") == "pmo-2565" else "onde-manual",
                "work_locations": [],  # every place the rule set names
                "min_office_days_per_week": whole_number(
                    form.get("min_office_days") or 0, "min_office_days", 0, 4
                ),
                "request_notice_working_days": whole_number(
                    form.get("notice_days") or 0, "notice_days", 0, 30
                ),
                "half_days": form.get("half_days") == "on",
                "location_evidence": "optional" if form.get("location_evidence") else "off",
            }
        # The form edits the policy in force: what it does not show (category overrides, extra
        # holidays…) is kept, never silently dropped (issue #16).
        current: dict[str, Any] | None = None
        try:
            current = await portal.ask_as(
                c.token, "identity", "policy_in_force", {"agency_code": agency}, c.lang
            )
        except Refused as exc:
            if exc.status != 404:
                raise  # none yet: the agency's first policy
        doc = {**(current["document"] if current else {}), **changes}
        changed = policy_changes(current["document"] if current else None, doc)
        if form.get("preview"):  # the difference first; nothing is published
            return page(
                request,
                "policy_preview.html",
                agency=agency,
                current=current,
                changed=[
                    (word, policy_value(word, old, c.lang), policy_value(word, new, c.lang))
                    for word, old, new in changed
                ],
                fields={k: str(v) for k, v in form.items() if k not in ("csrf", "preview")},
                **await shown_once(c),
            )
        result = await portal.ask_as(
            c.token,
            "identity",
            "publish_policy",
            {"agency_code": agency, "document": doc},
            c.lang,
        )
        lang = c.lang
        what = "; ".join(
            f"{t(word, lang)}: {policy_value(word, old, lang)} → {policy_value(word, new, lang)}"
            for word, old, new in changed
        )
        published = f"{t('policy_published', c.lang)} v{result['version']}"
        return await done(c, f"{published} ({what})" if what else published)

    @app.post("/ui/officials/{official_id}/deactivate", include_in_schema=False)
    async def ui_deactivate(request: Request, official_id: str) -> Response:
        """HR: an official who left (issue #14). The box must be ticked: it cannot be undone
        from the page."""
        c = await caller(request)
        form = await request.form()
        if form.get("confirm") != "on":
            raise Refused(422, t("confirm_left", c.lang))
        await portal.ask_as(
            c.token, "identity", "deactivate_official", {"official_id": official_id[:64]}, c.lang
        )
        return await done(c, f"{t('deactivated', c.lang)}: {official_id[:64]}")

    @app.get("/ui/roles", include_in_schema=False)
    async def roles_page(request: Request) -> Response:
        """Role administration (issue #16): the roles granted in the agency and below, a role
        granted or revoked, an acting head appointed or ended — the head of agency's (or the
        administrator's) acts, under identity's separation of duties (never to oneself)."""
        c = await caller(request)
        own = next(
            (
                g.agency
                for g in c.actor.grants
                if g.role.value in ("head_of_agency", "system_admin")
            ),
            "",
        )
        agency = request.query_params.get("agency") or own
        if not agency:
            raise Refused(403, "การมอบบทบาทเป็นของหัวหน้าส่วนราชการ / granting roles is the head's")
        found = await portal.ask_as(
            c.token, "identity", "grants_list", {"agency_code": agency}, c.lang
        )
        return page(
            request,
            "roles.html",
            me=c.actor,
            agency=agency,
            grants=found["grants"],
            grantable=["supervisor", "hr_officer", "it_support", "auditor", "system_admin"],
            **await shown_once(c),
        )

    @app.post("/ui/roles/{action}", include_in_schema=False)
    async def ui_roles(request: Request, action: str) -> Response:
        c = await caller(request)
        form = {k: str(v) for k, v in (await request.form()).items()}
        agency = form.get("agency_code", "")

        def instant(field: str) -> str:
            day = parse_day(form.get(field, ""))
            return datetime(day.year, day.month, day.day, tzinfo=BANGKOK).isoformat()

        if action == "grant":
            body: dict[str, Any] = {
                "official_id": form.get("official_id", ""),
                "role": form.get("role", ""),
                "agency_code": agency,
            }
            if form.get("valid_to"):
                body["valid_to"] = instant("valid_to")
            command = "grant_role"
        elif action == "revoke":
            body, command = {"grant_id": form.get("grant_id", "")}, "revoke_role"
        elif action == "acting_head":
            body = {
                "official_id": form.get("official_id", ""),
                "agency_code": agency,
                "valid_from": instant("valid_from"),
                "valid_to": instant("valid_to"),
            }
            command = "appoint_acting_head"
        elif action == "end_acting_head":
            body, command = {"grant_id": form.get("grant_id", "")}, "end_acting_head"
        else:
            raise Refused(404, f"ไม่มีคำสั่ง {action} / no such action")
        await portal.ask_as(c.token, "identity", command, body, c.lang)
        if c.session is not None:
            await portal.sessions.set_flash(c.session.session_id, t("saved", c.lang))
        return RedirectResponse(f"/ui/roles?agency={quote(agency)}" if agency else "/ui/roles", 303)

    @app.get("/ui/staff", include_in_schema=False)
    async def staff_page(request: Request) -> Response:
        """A supervisor's staff (issue #16): each official in their chain (or acted for) with
        their eligibility in words and their open case — its state, reports late or missing —
        linking the case's page. Identity decides who is one's staff."""
        c = await caller(request)
        roles = {g.role.value for g in c.actor.grants}
        if "supervisor" not in roles:
            raise Refused(403, "หน้านี้สำหรับผู้บังคับบัญชา / for supervisors")
        agency = next(g.agency for g in c.actor.grants if g.role.value == "supervisor")
        found = await portal.ask_as(
            c.token, "identity", "eligibility_list", {"agency_code": agency}, c.lang
        )
        cases: dict[str, dict[str, Any]] = {}
        for item in await portal.visible(c.actor):
            if not is_closed(item):
                cases.setdefault(item["official_id"], item)
        staff = [o for o in found["officials"] if o["official_id"] != c.actor.subject]
        return page(
            request,
            "staff.html",
            me=c.actor,
            staff=staff,
            cases=cases,
            **await shown_once(c),
        )

    @app.get("/ui/dashboard", include_in_schema=False)
    async def dashboard_page(request: Request) -> Response:
        """The agency dashboard (issue #16): for the head or acting head and HR, over the
        cases they may read — who teleworks today, cases by state, late and missing reports,
        by division and in all."""
        from services.portal.dashboard import dashboard

        c = await caller(request)
        roles = {g.role.value for g in c.actor.grants}
        if not roles & {"head_of_agency", "hr_officer"}:
            raise Refused(403, "แดชบอร์ดสำหรับหัวหน้าส่วนราชการและฝ่ายบุคคล / for the head and HR")
        board = dashboard(await portal.visible(c.actor), clock.today())
        return page(
            request,
            "dashboard.html",
            me=c.actor,
            board=board,
            total=board.total,
            states=list(STATES),
            csrf=c.session.csrf if c.session is not None else "",
        )

    @app.get("/ui/ledger", include_in_schema=False)
    async def ledger_page(request: Request) -> Response:
        """The attendance ledger as a page (issue #16): a period and an agency (or one
        official), the rows as a table, and the same as CSV for Excel."""
        c = await caller(request)
        q = request.query_params
        own = next((g.agency for g in c.actor.grants if g.role.value != "service"), "")
        today = clock.today()
        agency = q.get("agency") or own
        start = q.get("from") or f"01/{today.month:02d}/{today.year + 543}"
        end = q.get("to") or f"{today.day:02d}/{today.month:02d}/{today.year + 543}"
        roles = {g.role.value for g in c.actor.grants}
        # An official with no other role reads only their own rows.
        official = q.get("official_id") or (c.actor.subject if roles == {"official"} else None)
        rows: list[list[str]] | None = None
        headers: list[str] = []
        error = None
        if q.get("agency"):
            try:
                answer = await ledger_response(portal, c, agency, start, end, official, "json")
                found = json.loads(bytes(answer.body))
                rows, headers = found["cells"], found["headers"]
            except Refused as exc:
                if exc.status in (401, 403):
                    raise  # as every page: back home with the reason
                error = exc.reason  # a date that cannot be read: said beside the form
        return page(
            request,
            "ledger.html",
            me=c.actor,
            agency=agency,
            start=start,
            end=end,
            official=official or "",
            rows=rows,
            headers=headers,
            error=error,
            csrf=c.session.csrf if c.session is not None else "",
        )
