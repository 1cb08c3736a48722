"""The API of audit (status, history) and the IT-support queue."""

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from contracts.requests.audit import ChainStatus, Replayed, Status
from services.portal.actions import HELP_DETAIL_MAX, HELP_TOPIC_MAX, Portal
from services.portal.reads import audit_history_of
from services.portal.support import SupportDesk
from services.portal.web import Authed, Paged, RequestBody


class Asked(BaseModel):
    request_id: str


class HelpReply(BaseModel):
    by: str
    text: str
    at: AwareDatetime


class Help_(BaseModel):
    """A help request as IT support and its asker see it (R-MON-3)."""

    model_config = ConfigDict(title="HelpRequest")
    request_id: str
    official_id: str
    agency: str
    topic: str
    detail: str
    status: Literal["open", "taken", "closed"]
    taken_by: str | None = None
    created_at: AwareDatetime
    replies: list[HelpReply]


class HelpQueue(BaseModel):
    requests: list[Help_]


def add_routes(api: APIRouter, portal: Portal) -> None:
    backends = portal.b

    @api.get("/audit/status")
    async def audit_status(c: Authed) -> ChainStatus:
        """The chain verified from its start (auditors; the check is itself recorded)."""
        return await portal.ask_for(c.token, Status, {}, c.lang)

    @api.get("/audit/history")
    async def audit_history(
        c: Authed,
        engagement_id: str | None = None,
        official_id: str | None = None,
        agency: str | None = None,
        start: Annotated[str | None, Query(alias="from")] = None,
        end: Annotated[str | None, Query(alias="to")] = None,
    ) -> Replayed:
        """Replay for auditors (R-INT-2): by engagement, official or agency, within a period
        (dd/mm/B.E. or ISO days, Bangkok); each question is itself recorded in the chain."""
        return Replayed.model_validate(
            await audit_history_of(portal, c, engagement_id, official_id, agency, start, end)
        )

    class Help(RequestBody):
        topic: str = Field(min_length=1, max_length=HELP_TOPIC_MAX)
        detail: str = Field(min_length=1, max_length=HELP_DETAIL_MAX)

    @api.post("/support", status_code=201)
    async def support(body: Help, c: Authed) -> Asked:
        return Asked(request_id=await portal.ask_for_help(c.actor, body.topic, body.detail))

    desk = SupportDesk(backends.sessions)

    @api.get("/support")
    async def support_queue(
        c: Authed, page: Paged, status: Literal["open", "taken", "closed"] | None = None
    ) -> HelpQueue:
        """IT support: the help requests of the agencies they serve, newest first; anyone
        else: their own, with the answers (R-MON-3). Paginated as /api/engagements is."""
        shown = page.of(await desk.visible(c.actor, status))
        return HelpQueue(requests=[Help_.model_validate(r.as_json()) for r in shown])

    class HelpAnswer(RequestBody):
        text: str = Field(min_length=1, max_length=4000)

    class HelpClosing(RequestBody):
        resolution: str = Field(default="", max_length=4000)

    @api.post("/support/{request_id}/take")
    async def take_help(request_id: str, c: Authed) -> Help_:
        return Help_.model_validate((await desk.take(c.actor, request_id)).as_json())

    @api.post("/support/{request_id}/reply")
    async def reply_help(request_id: str, body: HelpAnswer, c: Authed) -> Help_:
        return Help_.model_validate((await desk.reply(c.actor, request_id, body.text)).as_json())

    @api.post("/support/{request_id}/close")
    async def close_help(request_id: str, body: HelpClosing, c: Authed) -> Help_:
        closed = await desk.close(c.actor, request_id, body.resolution)
        return Help_.model_validate(closed.as_json())
