"""Pages for meeting secretaries: plan, record, check (R-MTG)."""

import uuid
from datetime import datetime
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import Response

from services.portal.actions import Refused, parse_day
from services.portal.forms import (
    meeting_facts,
)
from services.portal.web import (
    Caller,
    Ui,
    caller,
)
from services.shared import clock
from services.shared.clock import BANGKOK


def add_routes(app: FastAPI, ui: Ui) -> None:
    portal = ui.portal
    page = ui.page
    shown_once = ui.shown_once

    @app.get("/ui/meetings", include_in_schema=False)
    async def meetings_page(request: Request) -> Response:
        """Meeting secretaries (issue #16): plan an electronic meeting and have it checked
        against the law of its day; then record who joined and check it as held."""
        c = await caller(request)
        managing = ("supervisor", "head_of_agency", "hr_officer")
        own = next((g.agency for g in c.actor.grants if g.role.value in managing), "")
        return page(
            request,
            "meetings.html",
            me=c.actor,
            agency=own,
            suggested=f"MTG-{clock.today().isoformat()}-{uuid.uuid4().hex[:4].upper()}",
            today=clock.today(),
            result=None,
            meeting_id=None,
            **await shown_once(c),
        )

    @app.post("/ui/meetings/{step}", include_in_schema=False)
    async def ui_meetings(request: Request, step: str) -> Response:
        c = await caller(request)
        form = {k: str(v) for k, v in (await request.form()).items()}
        if step != "plan":
            raise Refused(404, f"ไม่มีคำสั่ง {step} / no such step")
        day = parse_day(form.get("day", ""))
        hour, _, minute = (form.get("time") or "09:00").partition(":")
        try:
            starts = datetime(
                day.year, day.month, day.day, int(hour), int(minute or 0), tzinfo=BANGKOK
            )
            total = int(form.get("members_total") or 0)
        except ValueError:
            raise Refused(
                422, "เวลาหรือจำนวนกรรมการไม่ถูกต้อง / a time or a count is not a number"
            ) from None
        body = {
            "meeting_id": form.get("meeting_id", ""),
            "agency": form.get("agency", ""),
            "title": form.get("title", ""),
            "starts_at": starts.isoformat(),
            "meeting": meeting_facts(form, total),
        }
        result = await portal.ask_as(c.token, "meetings", "plan", body, c.lang)
        return await meeting_result(request, c, form.get("meeting_id", ""), result)

    @app.post("/ui/meetings/{meeting_id}/{step}", include_in_schema=False)
    async def ui_meeting_step(request: Request, meeting_id: str, step: str) -> Response:
        c = await caller(request)
        form = {k: str(v) for k, v in (await request.form()).items()}
        if step == "attendance":
            mode = form.get("mode", "remote")
            body: dict[str, Any] = {
                "meeting_id": meeting_id,
                "member": form.get("member", ""),
                "action": form.get("action", "joined"),
                "mode": mode,
                "in_kingdom": form.get("abroad") != "on",
                "av_continuous": form.get("av_continuous") == "on",
            }
            if mode == "in_person":
                body["venue"] = form.get("venue") or None
            await portal.ask_as(c.token, "meetings", "record_attendance", body, c.lang)
            result = None
        elif step == "check":
            result = await portal.ask_as(
                c.token, "meetings", "check", {"meeting_id": meeting_id, "phase": "after"}, c.lang
            )
        else:
            raise Refused(404, f"ไม่มีคำสั่ง {step} / no such step")
        return await meeting_result(request, c, meeting_id, result)

    async def meeting_result(
        request: Request, c: Caller, meeting_id: str, result: dict[str, Any] | None
    ) -> Response:
        return page(
            request,
            "meetings.html",
            me=c.actor,
            agency="",
            suggested="",
            today=clock.today(),
            result=result,
            meeting_id=meeting_id,
            **await shown_once(c),
        )
