"""Portal use cases shared by the HTTP API and the web pages: who may do what (`can`), then the
engagement workflow, attendance or identity does it."""

import asyncio
import hashlib
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import insert, select
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError

from contracts.events.notification import HelpRequested
from contracts.requests import ReplyT, Request
from contracts.requests.notification import Inbox, InboxQuery, Marked, MarkRead
from services.portal.deps import BackendError
from services.portal.i18n import refusal_text
from services.portal.issuing import Issuing
from services.portal.listing import Listing
from services.portal.refusals import (
    IMPORT_WAIT_S,
    TEMPORAL_WAIT_S,
    CrossSite,
    Refused,
    backend_away,
    refusal,
    temporal_refusal,
)
from services.portal.sign_in import SignIn, actor_from_claims
from services.portal.tables import LOG, started
from services.shared.authz import Actor, can
from services.shared.eventlog import NewEvent
from workflows.engagement import models as m
from workflows.engagement.proof import acting_as
from workflows.engagement.workflow import EngagementWorkflow as W

__all__ = [
    "IMPORT_WAIT_S",
    "LOG",
    "CrossSite",
    "Portal",
    "Refused",
    "actor_from_claims",
    "backend_away",
    "parse_day",
    "refusal",
    "started",
]


def engagement_key(actor: Actor, request_key: str | None) -> str:
    """The engagement id: random, or derived from the caller and their request key so that a
    retried start finds the engagement the first try made (issue #21, item 9)."""
    if not request_key:
        return f"ENG-{uuid.uuid4().hex[:10].upper()}"
    digest = hashlib.sha256(f"{actor.subject}\n{request_key}".encode()).hexdigest()
    return f"ENG-{digest[:10].upper()}"


# How many engagements of a batch order have their new summary written through side by side.
WRITTEN_THROUGH_AT_ONCE = 16


@dataclass(frozen=True)
class Action:
    update: Any
    model: type[BaseModel]
    permission: str


ACTIONS: dict[str, Action] = {
    "select": Action(W.select, m.Select, "engagement.select"),
    "draft": Action(W.draft_agreement, m.DraftAgreement, "engagement.draft_agreement"),
    "request_changes": Action(W.request_changes, m.RequestChanges, "engagement.request_changes"),
    "accept": Action(W.accept_agreement, m.AcceptAgreement, "engagement.accept_agreement"),
    "propose": Action(W.propose, m.Propose, "engagement.propose"),
    "decide_order": Action(W.decide_order, m.DecideOrder, "engagement.decide_order"),
    "report": Action(W.submit_report, m.SubmitReport, "engagement.submit_report"),
    "review": Action(W.review_report, m.ReviewReport, "engagement.review_report"),
    "propose_termination": Action(
        W.propose_termination, m.ProposeTermination, "engagement.propose_termination"
    ),
    "decide_termination": Action(
        W.decide_termination, m.DecideTermination, "engagement.decide_termination"
    ),
    # The head's order to return to the office (PM Office regulation 2565, issue #19).
    "recall": Action(W.recall, m.Recall, "engagement.decide_termination"),
    "appeal": Action(W.file_appeal, m.FileAppeal, "engagement.submit_report"),
    "decide_appeal": Action(W.decide_appeal, m.DecideAppeal, "engagement.decide_termination"),
    "revise": Action(W.revise, m.Revise, "engagement.draft_agreement"),
    "final_report": Action(W.submit_final_report, m.SubmitFinalReport, "engagement.submit_report"),
    "assess": Action(W.assess, m.Assess, "engagement.assess"),
    "report_to_head": Action(W.report_to_head, m.ReportToHead, "engagement.assess"),
}


HELP_TOPIC_MAX, HELP_DETAIL_MAX = 200, 4000


def stated_necessity(reason: str | None) -> str:
    """The reason of an assignment for necessity, which must be given: seed §9.2 (1) assigns
    officials "ตามเหตุผลความจำเป็น" (by the necessity's reasons), and the order and the
    official read them. Blank is refused, never filled in for the assigner."""
    stated = (reason or "").strip()
    if not stated:
        raise Refused(
            422,
            "การมอบหมายตามความจำเป็นต้องระบุเหตุผลความจำเป็น / an assignment for necessity "
            "needs its reason (necessity_reason)",
        )
    return stated


class Portal(SignIn, Issuing, Listing):
    """The portal's use cases: signing in, engagements, documents, attendance, the inbox and
    help requests."""

    async def start(
        self,
        actor: Actor,
        token: str,
        official_id: str | None,
        selection: str,
        necessity_reason: str | None = None,
        request_key: str | None = None,
    ) -> dict[str, Any]:
        official = official_id or actor.subject
        permission = "engagement.apply" if official == actor.subject else "engagement.select"
        res = await self.authorize(actor, permission, official)
        if selection == "necessity":
            necessity_reason = stated_necessity(necessity_reason)
        engagement_id = engagement_key(actor, request_key)
        start = m.StartEngagement(
            engagement_id=engagement_id,
            official_id=official,
            started_by=actor.subject,
            selection=selection,
            necessity_reason=necessity_reason,
        )
        from workflows.engagement.client import start_engagement

        already = await self.open_engagement_of(official, other_than=engagement_id)
        if already is not None:
            raise Refused(
                409,
                f"มีเรื่องที่ยังดำเนินการอยู่แล้ว ({already}) / an engagement of this official is "
                f"still open: {already}",
            )
        # Recorded before the workflow starts: a start that fails half-way is still listed (its
        # summary says what became of it), and a retry with the same key finds it.
        async with self.b.sessions.begin() as s:
            known = (
                await s.execute(
                    select(started.c.official_id).where(started.c.engagement_id == engagement_id)
                )
            ).scalar()
            if known is None:
                await s.execute(
                    insert(started).values(
                        engagement_id=engagement_id,
                        official_id=official,
                        agency=res.agency_path[-1],
                        created_at=datetime.now().astimezone(),
                    )
                )
            elif known != official:
                raise Refused(409, "request key already used for another official")
        try:
            async with asyncio.timeout(TEMPORAL_WAIT_S):
                with acting_as(token):  # the worker checks who starts it (issue #13)
                    await start_engagement(self.b.temporal, start, task_queue=self.b.task_queue)
        except WorkflowAlreadyStartedError:
            return {"engagement_id": engagement_id, "repeated": True}
        except WorkflowUpdateFailedError as exc:
            raise Refused(409, refusal_text(str(exc.cause or exc))) from None
        except RPCError as exc:
            raise temporal_refusal(exc) from None
        except (TimeoutError, RuntimeError):
            raise backend_away("งานเรื่อง (engagement)") from None
        await self.write_through(engagement_id, res.agency_path[-1])
        return {"engagement_id": engagement_id}

    async def open_engagement_of(self, official_id: str, other_than: str) -> str | None:
        """An engagement of this official that has not closed (one case at a time, issue #16),
        as the read model knows it: a start that never reached the workflow is not there."""
        return await self.read_model.open_case_of(official_id, other_than)

    async def act(
        self, actor: Actor, token: str, engagement_id: str, action: str, body: dict[str, Any]
    ) -> m.Ack:
        spec = ACTIONS.get(action)
        if spec is None:
            raise Refused(404, f"unknown action {action!r}")
        res = await self.authorize(actor, spec.permission, await self.official_of(engagement_id))
        arg = spec.model.model_validate({**body, "by": actor.subject})
        handle = self.b.temporal.get_workflow_handle(engagement_id)
        try:
            async with asyncio.timeout(TEMPORAL_WAIT_S):
                with acting_as(token):
                    ack: m.Ack = await handle.execute_update(spec.update, arg)
        except WorkflowUpdateFailedError as exc:
            raise Refused(409, refusal_text(str(exc.cause or exc))) from None
        except RPCError as exc:
            raise temporal_refusal(exc) from None
        except (TimeoutError, RuntimeError):
            # The step may still be taken once the worker is back: the summary will say.
            raise backend_away("งานเรื่อง (engagement)") from None
        await self.write_through(engagement_id, res.agency_path[-1])
        return ack

    async def check(
        self,
        actor: Actor,
        token: str,
        direction: str,
        channel: str,
        key: str | None,
        lang: str,
        place: dict[str, float] | None = None,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"channel": channel, "idempotency_key": key or uuid.uuid4().hex}
        if place is not None:
            body["client"] = place
        try:
            result: dict[str, Any] = await self.b.ask(
                "attendance",
                "check_in" if direction == "in" else "check_out",
                body,
                token=token,
                lang=lang,
            )
            return result
        except BackendError as exc:
            raise refusal(exc) from None

    async def batch_order(
        self, actor: Actor, token: str, engagement_ids: list[str]
    ) -> dict[str, Any]:
        """One order number for many engagements (R-ORD-2), each decided in its own workflow."""
        from workflows.engagement.client import issue_batch_order

        for eid in engagement_ids:
            await self.authorize(actor, "engagement.decide_order", await self.official_of(eid))
        with acting_as(token):
            answers = await issue_batch_order(self.b.temporal, actor.subject, engagement_ids)
        await self.record_batch(answers)
        ordered = [eid for eid, answer in answers.items() if isinstance(answer, m.Ack)]
        for k in range(0, len(ordered), WRITTEN_THROUGH_AT_ONCE):  # a batch is up to 500
            await asyncio.gather(
                *(self.write_through(eid, None) for eid in ordered[k : k + WRITTEN_THROUGH_AT_ONCE])
            )
        return {
            eid: (a.model_dump(mode="json") if isinstance(a, m.Ack) else {"refused": a})
            for eid, a in answers.items()
        }

    async def ask_as(
        self,
        token: str,
        service: str,
        command: str,
        body: dict[str, Any],
        lang: str,
        timeout: float = 10.0,
    ) -> dict[str, Any]:
        """A question to a service in the caller's own name: the service authorizes it."""
        try:
            result: dict[str, Any] = await self.b.ask(service, command, body, token, lang, timeout)
        except BackendError as exc:
            raise refusal(exc) from None
        return result

    async def ask_for(
        self,
        token: str,
        request: "type[Request[ReplyT]]",
        body: dict[str, Any],
        lang: str,
        timeout: float = 10.0,
    ) -> ReplyT:
        """`ask_as` for a request of the contracts (`contracts/requests/`): its subject from the
        contract, and its reply typed as the contract declares it."""
        reply = await self.ask_as(token, request.service, request.command, body, lang, timeout)
        typed: ReplyT = request.reply_adapter().validate_python(reply)
        return typed

    async def staff_ledger(
        self, actor: Actor, official_id: str, body: dict[str, Any], lang: str
    ) -> dict[str, Any]:
        """One official's ledger for a supervisor in their chain (or acting for one): checked
        here against identity's chain, then asked of attendance as the portal."""
        res = await self.resource(official_id)
        decision = can(actor, "attendance.read_staff_ledger", res)
        if not decision:
            raise Refused(403, f"forbidden: {decision.reason}")
        try:
            result: dict[str, Any] = await self.b.ask("attendance", "ledger", body, lang=lang)
        except BackendError as exc:
            raise refusal(exc) from None
        return result

    async def inbox(self, token: str, lang: str) -> Inbox:
        return await self.ask_for(token, InboxQuery, {}, lang)

    async def mark_read(self, token: str, item_id: int, lang: str) -> Marked:
        return await self.ask_for(token, MarkRead, {"item_id": item_id}, lang)

    async def ask_for_help(self, actor: Actor, topic: str, detail: str) -> str:
        """R-MON-3: the request becomes an event; the notification service tells IT support.
        The same checks for the API and the home page's form (which had none: a blank form was
        recorded as "-", any length was kept)."""
        from services.portal.support import record_request

        agency = next((g.agency for g in actor.grants if g.role.value == "official"), None)
        if agency is None:
            raise Refused(403, "เฉพาะข้าราชการที่ขอความช่วยเหลือได้ที่นี่ / only officials ask for help here")
        topic, detail = topic.strip(), detail.strip()
        if not topic or not detail or len(topic) > HELP_TOPIC_MAX or len(detail) > HELP_DETAIL_MAX:
            raise Refused(
                422,
                f"กรุณาระบุหัวข้อ (ไม่เกิน {HELP_TOPIC_MAX} ตัวอักษร) และรายละเอียด (ไม่เกิน "
                f"{HELP_DETAIL_MAX} ตัวอักษร) / a help request needs a topic (at most "
                f"{HELP_TOPIC_MAX} characters) and its detail (at most {HELP_DETAIL_MAX})",
            )
        request_id = f"HELP-{uuid.uuid4().hex[:8].upper()}"
        path = (await self.resource(actor.subject)).agency_path
        async with self.b.sessions.begin() as s:
            await record_request(s, request_id, actor.subject, agency, path, topic, detail)
            await LOG.append(
                s,
                f"help-{request_id}",
                [
                    NewEvent(
                        HelpRequested(
                            request_id=request_id,
                            official_id=actor.subject,
                            topic=topic,
                            detail=detail,
                        ),
                        agency,
                    )
                ],
                0,
            )
        return request_id


def parse_day(text: str) -> date:
    """A date as people type it on a Thai form: 07/12/2569 (B.E.), 07/12/2026, or ISO."""
    from workflows.calendar import InvalidSchedule
    from workflows.calendar import parse_day as parse

    try:
        return parse(text)
    except InvalidSchedule as exc:
        raise Refused(422, f"วันที่ไม่ถูกต้อง / {exc}") from None
