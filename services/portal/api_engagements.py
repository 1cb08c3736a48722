"""The API of engagements: start, assign for necessity, act on a step, documents and
correspondence, check-in and check-out, the inbox and batch orders."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, FastAPI, Header
from fastapi import Path as PathParam
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model
from pydantic.json_schema import models_json_schema

from contracts.events.engagement import Goal, ScheduleSpec
from contracts.places import Place
from contracts.requests.attendance import CheckedIn, CheckedOut
from contracts.requests.notification import Inbox, Marked
from services.portal.actions import ACTIONS, Portal, Refused
from services.portal.web import Authed, ItemId, Paged, RequestBody
from workflows.engagement import models as m
from workflows.engagement.models import AgreementTemplate


class Listed(m.Summary):
    """An engagement as a list shows it: its summary, and whether it is the caller's own."""

    mine: bool


class Started(BaseModel):
    engagement_id: str
    repeated: bool = Field(
        default=False, description="True when an Idempotency-Key found the first request's"
    )


class Assigned(BaseModel):
    assignment_id: str
    assigned: int = Field(description="How many officials it starts an engagement for")
    refused: dict[str, str] = Field(description="Everyone else, with the reason (R-SEL-1)")
    repeated: bool = False


class AssignmentOrdered(BaseModel):
    assignment_id: str
    decided: int = Field(description="How many engagements the decision covered")
    order_number: str | list[str] | None = Field(description="One number for the batch (R-ORD-2)")
    not_decided: dict[str, str] = Field(description="Engagement id -> why not (yet)")


class Recorded(BaseModel):
    document_id: str
    status: str


class NotDecided(BaseModel):
    refused: str


def add_routes(api: APIRouter, portal: Portal) -> None:
    class Start(RequestBody):
        model_config = ConfigDict(
            json_schema_extra={
                "examples": [
                    {},
                    {
                        "official_id": "D0102",
                        "selection": "necessity",
                        "necessity_reason": "โรคระบาด",
                    },
                ]
            }
        )
        official_id: str | None = Field(default=None, max_length=64)
        selection: Literal["voluntary", "necessity"] = "voluntary"
        necessity_reason: str | None = Field(default=None, max_length=500)

    @api.post("/engagements", status_code=201)
    async def start(
        body: Start,
        c: Authed,
        idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
    ) -> Started:
        """Start an engagement. With an `Idempotency-Key` header, a retry (after a timeout,
        say) returns the engagement the first request made instead of a second one."""
        return Started(
            **await portal.start(
                c.actor,
                c.token,
                body.official_id,
                body.selection,
                body.necessity_reason,
                idempotency_key,
            )
        )

    class Assignment(RequestBody):
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
    ) -> Assigned:
        """Assign a unit or a list for necessity in one action: one engagement each, the
        agreement drafted from the template, everyone notified; those who may not be assigned
        are named with the reason. The engagements start in the background."""
        from services.portal import assignments

        return Assigned.model_validate(
            await assignments.assign(
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
        )

    @api.get("/assignments/{assignment_id}")
    async def assignment_progress(
        assignment_id: Annotated[str, PathParam(max_length=60)], c: Authed
    ) -> m.AssignmentSummary:
        """How far an assignment has come (its assigner, and the heads over the unit)."""
        from services.portal import assignments

        return await assignments.progress(portal, c.actor, assignment_id)

    class BatchDecision(RequestBody):
        issue: bool = True
        reasons: str = Field(default="", max_length=2000)

    @api.post("/assignments/{assignment_id}/order")
    async def order_assignment(
        assignment_id: Annotated[str, PathParam(max_length=60)], body: BatchDecision, c: Authed
    ) -> AssignmentOrdered:
        """The head's one decision (one order number) for every engagement of the assignment
        that both parties have agreed so far."""
        from services.portal import assignments

        return AssignmentOrdered.model_validate(
            await assignments.order(
                portal, c.actor, c.token, assignment_id, body.issue, body.reasons
            )
        )

    @api.get("/engagements", response_model=list[Listed])
    async def list_engagements(c: Authed, page: Paged) -> Response:
        """The engagements you may read, newest first: each one's summary, and whether it is
        your own. Paginated (`limit`, `offset`; `X-Total-Count`, `Link: rel="next"`)."""
        # The read model keeps each summary as the JSON this answer is made of: written out
        # as kept, not parsed, checked and written again, however many there are.
        shown = page.of(await portal.visible_rows(c.actor))
        mine = c.actor.subject
        body = ",".join(
            f'{row.summary[:-1]},"mine":{"true" if row.official_id == mine else "false"}}}'
            for row, _ in shown
        )
        return Response(f"[{body}]", media_type="application/json", headers=page.headers())

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

    class Correspondence(RequestBody):
        letter_id: str = Field(min_length=1, max_length=100)
        status: Literal["sent", "received", "accepted", "rejected", "invalid", "failed"]
        accept_id: str | None = Field(default=None, max_length=100)
        reason: str = Field(default="", max_length=500)

    @api.post("/documents/{document_id}/correspondence", status_code=202)
    async def correspondence(
        document_id: Annotated[str, PathParam(max_length=150)], body: Correspondence, c: Authed
    ) -> Recorded:
        """What became of a document sent through e-saraban (the bridge's service token only;
        docs/esaraban.md). Recorded once per status."""
        await portal.record_correspondence(
            c.actor, document_id, body.status, body.letter_id, body.accept_id, body.reason
        )
        return Recorded(document_id=document_id, status=body.status)

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

    class Check(RequestBody):
        model_config = ConfigDict(
            json_schema_extra={"examples": [{"channel": "mobile", "idempotency_key": "a1b2c3d4e5"}]}
        )
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
    async def inbox(c: Authed) -> Inbox:
        """Your notifications, newest first, with how many are unread."""
        return await portal.inbox(c.token, c.lang)

    @api.post("/inbox/{item_id}/read")
    async def read(item_id: ItemId, c: Authed) -> Marked:
        return await portal.mark_read(c.token, item_id, c.lang)

    class Batch(RequestBody):
        engagement_ids: list[str] = Field(min_length=1, max_length=500)

    @api.post("/orders/batch")
    async def batch(body: Batch, c: Authed) -> dict[str, m.Ack | NotDecided]:
        """One order number for many engagements (R-ORD-2): each one's new state, or why it
        was not decided."""
        answers = await portal.batch_order(c.actor, c.token, body.engagement_ids)
        return {
            eid: m.Ack.model_validate(a) if "state" in a else NotDecided.model_validate(a)
            for eid, a in answers.items()
        }


ACTION_PATH = "/api/engagements/{engagement_id}/actions/{action}"


# What a caller sends for the commonest steps (the OpenAPI's examples, issue #16 item 5).
ACTION_EXAMPLES: dict[str, dict[str, Any]] = {
    "draft": {
        "summary": "draft: the agreement (goals, schedule, place)",
        "value": {
            "goals": [
                {
                    "goal_id": "G1",
                    "description": "ร่างแนวทางการประเมินผล",
                    "indicator": "percent",
                    "target": "100",
                    "due": "2027-03-31",
                }
            ],
            "schedule": {
                "kind": "regular_weekdays",
                "start": "2026-12-07",
                "months": 3,
                "weekdays": [0, 3],
            },
            "work_location": "residence",
        },
    },
    "accept": {
        "summary": "accept: a party accepts a version (the official acknowledges §7)",
        "value": {
            "agreement_version": 1,
            "ethics_acknowledged": True,
            "security_acknowledged": True,
        },
    },
    "decide_order": {
        "summary": "decide_order: the head issues the order, or refuses with reasons",
        "value": {"issue": True},
    },
    "report": {
        "summary": "report: a progress report",
        "value": {"summary": "ความก้าวหน้าร้อยละ 40"},
    },
    "review": {
        "summary": "review: the supervisor reviews report 1",
        "value": {"report_no": 1, "comment": "ครบตามเป้าหมาย"},
    },
    "propose_termination": {
        "summary": "propose_termination: the supervisor proposes to end it, with evidence",
        "value": {"reasons": "ไม่ส่งงานตามข้อตกลง", "evidence": ["รายงานฉบับที่ 2 ไม่ส่ง"]},
    },
    "assess": {
        "summary": "assess: the final assessment, goal by goal",
        "value": {"assessments": [{"goal_id": "G1", "result": "achieved", "comment": ""}]},
    },
}


def document_action_bodies(app: FastAPI) -> None:
    """The OpenAPI of `POST …/actions/{action}` with each action's body (issue #16, item 5).
    The route takes the body the path's action names and checks it against that action's
    model (one clear reason, for that action); the document shows every such body, without
    `by` — who acts is the signed-in caller, never a field."""
    bodies = {name: _body_of(spec.model) for name, spec in ACTIONS.items()}
    made = app.openapi

    def openapi() -> dict[str, Any]:
        schema = made()
        route = schema["paths"][ACTION_PATH]["post"]
        if "requestBody" in route and "x-actions" in route:
            return schema
        _, defs = models_json_schema(
            [(model, "validation") for model in bodies.values()],
            ref_template="#/components/schemas/{model}",
        )
        schema["components"]["schemas"].update(defs.get("$defs", {}))
        route["x-actions"] = sorted(bodies)
        json_body: dict[str, Any] = {
            "schema": {
                "anyOf": [
                    {"$ref": f"#/components/schemas/{model.__name__}"} for model in bodies.values()
                ]
            },
            "examples": ACTION_EXAMPLES,
        }
        route["requestBody"] = {
            "required": True,
            "description": "The body of the action the path names: "
            + "; ".join(f"{name}: {model.__name__}" for name, model in bodies.items()),
            "content": {"application/json": json_body},
        }
        for parameter in route.get("parameters", []):
            if parameter["name"] == "action":
                parameter["schema"] = {"type": "string", "enum": sorted(bodies)}
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _body_of(model: type[BaseModel]) -> type[BaseModel]:
    """The action's model without `by`: what a caller sends."""
    fields: dict[str, Any] = {
        name: (info.annotation, info) for name, info in model.model_fields.items() if name != "by"
    }
    body: type[BaseModel] = create_model(f"{model.__name__}Body", __doc__=model.__doc__, **fields)
    return body
