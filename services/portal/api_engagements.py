"""The API of engagements: start, assign for necessity, act on a step, documents and
correspondence, check-in and check-out, the inbox and batch orders."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header
from fastapi import Path as PathParam
from fastapi.responses import Response
from pydantic import BaseModel, Field, ValidationError

from contracts.events.engagement import Goal, ScheduleSpec
from contracts.places import Place
from contracts.requests.attendance import CheckedIn, CheckedOut
from services.portal.actions import Portal, Refused
from services.portal.web import (
    Authed,
    ItemId,
)
from workflows.engagement import models as m
from workflows.engagement.models import AgreementTemplate


class Listed(m.Summary):
    """An engagement as a list shows it: its summary, and whether it is the caller's own."""

    mine: bool


def add_routes(api: APIRouter, portal: Portal) -> None:
    class Start(BaseModel):
        official_id: str | None = Field(default=None, max_length=64)
        selection: Literal["voluntary", "necessity"] = "voluntary"
        necessity_reason: str | None = Field(default=None, max_length=500)

    @api.post("/engagements", status_code=201)
    async def start(
        body: Start,
        c: Authed,
        idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
    ) -> dict[str, Any]:
        """Start an engagement. With an `Idempotency-Key` header, a retry (after a timeout,
        say) returns the engagement the first request made instead of a second one."""
        return await portal.start(
            c.actor,
            c.token,
            body.official_id,
            body.selection,
            body.necessity_reason,
            idempotency_key,
        )

    class Assignment(BaseModel):
        """Assignment for necessity in bulk (issue #19, item 5): a unit (with its sub-units),
        or a list within it, with one agreement template."""

        agency_code: str = Field(max_length=64)
        official_ids: list[str] | None = Field(default=None, max_length=100_000)
        necessity_reason: str = Field(min_length=1, max_length=2000)
        goals: list[Goal] = Field(min_length=1, max_length=20)
        schedule: ScheduleSpec
        work_location: Place = "residence"

    @api.post("/assignments", status_code=202)
    async def assign(
        body: Assignment,
        c: Authed,
        idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
    ) -> dict[str, Any]:
        """Assign a unit or a list for necessity in one action: one engagement each, the
        agreement drafted from the template, everyone notified; those who may not be assigned
        are named with the reason. The engagements start in the background."""
        from services.portal import assignments

        return await assignments.assign(
            portal,
            c.actor,
            c.token,
            c.lang,
            body.agency_code,
            body.official_ids,
            body.necessity_reason,
            AgreementTemplate(
                goals=body.goals, schedule=body.schedule, work_location=body.work_location
            ),
            idempotency_key,
        )

    @api.get("/assignments/{assignment_id}")
    async def assignment_progress(
        assignment_id: Annotated[str, PathParam(max_length=60)], c: Authed
    ) -> dict[str, Any]:
        from services.portal import assignments

        summary = await assignments.progress(portal, c.actor, assignment_id)
        return summary.model_dump(mode="json")

    class BatchDecision(BaseModel):
        issue: bool = True
        reasons: str = Field(default="", max_length=2000)

    @api.post("/assignments/{assignment_id}/order")
    async def order_assignment(
        assignment_id: Annotated[str, PathParam(max_length=60)], body: BatchDecision, c: Authed
    ) -> dict[str, Any]:
        """The head's one decision (one order number) for every engagement of the assignment
        that both parties have agreed so far."""
        from services.portal import assignments

        return await assignments.order(
            portal, c.actor, c.token, assignment_id, body.issue, body.reasons
        )

    @api.get("/engagements")
    async def list_engagements(c: Authed) -> list[Listed]:
        """The engagements you may read, newest first: each one's summary, and whether it is
        your own."""
        return [
            Listed(**e["summary"].model_dump(), mine=e["mine"])
            for e in await portal.visible(c.actor)
        ]

    @api.get("/engagements/{engagement_id}")
    async def get_engagement(engagement_id: str, c: Authed) -> m.Summary:
        """One engagement: its state, agreement, order, reports, history."""
        return await portal.summary(c.actor, engagement_id)

    @api.get(
        "/engagements/{engagement_id}/order.pdf",
        response_class=Response,
        responses={200: {"content": {"application/pdf": {}}}},
    )
    async def order_pdf(engagement_id: str, c: Authed) -> Response:
        """The head's order as a Thai official document (issue #17): the unsigned draft of
        the layout; signing and e-saraban come next."""
        pdf = await portal.order_document(c.actor, engagement_id)
        return Response(
            pdf,
            media_type="application/pdf",
            headers={"Content-Disposition": f'inline; filename="order-{engagement_id}.pdf"'},
        )

    def record_pdf(kind: str, what: str) -> None:
        async def get(engagement_id: str, c: Authed) -> Response:
            pdf = await portal.record_document(c.actor, engagement_id, kind)
            return Response(
                pdf,
                media_type="application/pdf",
                headers={"Content-Disposition": f'inline; filename="{kind}-{engagement_id}.pdf"'},
            )

        get.__doc__ = f"{what} as a signed บันทึกข้อความ (issue #17); issued once."
        api.add_api_route(
            f"/engagements/{{engagement_id}}/{kind}.pdf",
            get,
            methods=["GET"],
            name=f"{kind}_pdf",
            response_class=Response,
            responses={200: {"content": {"application/pdf": {}}}},
        )

    class Correspondence(BaseModel):
        letter_id: str = Field(min_length=1, max_length=100)
        status: Literal["sent", "received", "accepted", "rejected", "invalid", "failed"]
        accept_id: str | None = Field(default=None, max_length=100)
        reason: str = Field(default="", max_length=500)

    @api.post("/documents/{document_id}/correspondence", status_code=202)
    async def correspondence(
        document_id: Annotated[str, PathParam(max_length=150)], body: Correspondence, c: Authed
    ) -> dict[str, str]:
        """What became of a document sent through e-saraban (the bridge's service token only;
        docs/esaraban.md). Recorded once per status."""
        await portal.record_correspondence(
            c.actor, document_id, body.status, body.letter_id, body.accept_id, body.reason
        )
        return {"document_id": document_id, "status": body.status}

    record_pdf("agreement", "The current agreement version, once both parties accepted it,")
    record_pdf("termination", "The head's decision to end telework early or recall,")
    record_pdf("assessment", "The final assessment of the goals,")

    @api.post("/engagements/{engagement_id}/actions/{action}")
    async def act(engagement_id: str, action: str, body: dict[str, Any], c: Authed) -> m.Ack:

        try:
            ack: m.Ack = await portal.act(c.actor, c.token, engagement_id, action, body)
        except ValidationError as exc:
            err = exc.errors()[0]
            raise Refused(422, f"{'.'.join(map(str, err['loc']))}: {err['msg']}") from None
        return ack

    class Check(BaseModel):
        channel: Literal["web", "mobile", "api"] = "api"
        idempotency_key: str | None = Field(default=None, min_length=8, max_length=100)
        # Never required; kept only where the agency's policy turns location evidence on,
        # and then coarsened to its grid (issue #19).
        latitude: float | None = Field(default=None, ge=-90, le=90)
        longitude: float | None = Field(default=None, ge=-180, le=180)

        def place(self) -> dict[str, float] | None:
            if self.latitude is None or self.longitude is None:
                return None
            return {"latitude": self.latitude, "longitude": self.longitude}

    @api.post("/attendance/check-in")
    async def check_in(body: Check, c: Authed) -> CheckedIn:
        """Today's check-in (once: a retry with the same idempotency key answers the same)."""
        return CheckedIn.model_validate(
            await portal.check(
                c.actor, c.token, "in", body.channel, body.idempotency_key, c.lang, body.place()
            )
        )

    @api.post("/attendance/check-out")
    async def check_out(body: Check, c: Authed) -> CheckedOut:
        """Today's check-out, after the check-in."""
        return CheckedOut.model_validate(
            await portal.check(
                c.actor, c.token, "out", body.channel, body.idempotency_key, c.lang, body.place()
            )
        )

    @api.get("/inbox")
    async def inbox(c: Authed) -> dict[str, Any]:
        return await portal.inbox(c.token, c.lang)

    @api.post("/inbox/{item_id}/read")
    async def read(item_id: ItemId, c: Authed) -> dict[str, Any]:
        return await portal.mark_read(c.token, item_id, c.lang)

    class Batch(BaseModel):
        engagement_ids: list[str] = Field(min_length=1, max_length=500)

    @api.post("/orders/batch")
    async def batch(body: Batch, c: Authed) -> dict[str, Any]:
        return await portal.batch_order(c.actor, c.token, body.engagement_ids)
