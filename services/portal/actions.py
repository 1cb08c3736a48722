"""Portal use cases shared by the HTTP API and the web pages: who may do what (`can`), then the
engagement workflow, attendance or identity does it."""

import asyncio
import hashlib
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Column, LargeBinary, String, Table, insert, select
from sqlalchemy.exc import IntegrityError
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from contracts.events.notification import HelpRequested
from contracts.requests import identity as ask
from services.portal.deps import BackendError, Backends
from services.portal.i18n import refusal_text
from services.portal.sessions import TOKEN_TTL, Session, SessionStore, SignInLimiter
from services.portal.tables import PORTAL
from services.shared import clock
from services.shared.auth import AuthError
from services.shared.authz import Actor, Grant, Resource, Role, can
from services.shared.db import AwareDateTime
from services.shared.eventlog import EventLog, NewEvent
from workflows.engagement import models as m
from workflows.engagement.proof import acting_as
from workflows.engagement.workflow import EngagementWorkflow as W

started = Table(
    "portal_engagements",
    PORTAL,
    Column("engagement_id", String(100), primary_key=True),
    Column("official_id", String(64), nullable=False, index=True),
    Column("agency", String(64), nullable=False),
    Column("created_at", AwareDateTime, nullable=False),
)
# Which engagements one batch order covers (R-ORD-2): its document is one order with the list
# of officials annexed (issue #17).
batch_orders = Table(
    "portal_batch_orders",
    PORTAL,
    Column("order_number", String(40), primary_key=True),
    Column("engagement_id", String(100), primary_key=True),
    Column("official_id", String(64), nullable=False),
)
# Documents as issued, immutable: the same bytes every time they are fetched, their hash in a
# document_issued event and so in the audit chain (issue #17).
documents = Table(
    "portal_documents",
    PORTAL,
    Column("document_id", String(150), primary_key=True),
    Column("kind", String(30), nullable=False),
    Column("engagement_id", String(100), nullable=False, index=True),
    Column("sha256", String(64), nullable=False, unique=True),
    Column("pdf", LargeBinary, nullable=False),
    Column("issued_at", AwareDateTime, nullable=False),
)
LOG = EventLog("/telework/portal")


class Refused(Exception):
    """A refusal the caller sees, with its HTTP status and reason."""

    def __init__(self, status: int, reason: str, retry_after: int | None = None) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.retry_after = retry_after


class CrossSite(Refused):
    """A cookie-borne change that did not come from one of our pages (CSRF)."""

    def __init__(self) -> None:
        super().__init__(403, "คำขอไม่ได้มาจากหน้าของระบบ / cross-site request refused")


# An HR export of a whole ministry is checked and applied in one request: it may take minutes.
IMPORT_WAIT_S = 300.0

# How long the portal waits on the engagement worker before telling the user (issue #21).
TEMPORAL_WAIT_S = 20.0
RETRY_AFTER_S = 10


def backend_away(what: str) -> Refused:
    """503 with a Thai reason and Retry-After: a backend is away, nothing is wrong with the
    request (never a 401, 409 or bare 500 for it)."""
    return Refused(
        503,
        f"ระบบ{what}ไม่พร้อมให้บริการชั่วคราว กรุณาลองใหม่ภายหลัง / "
        f"the {what} service is temporarily unavailable; please try again shortly",
        retry_after=RETRY_AFTER_S,
    )


def temporal_refusal(exc: RPCError) -> Refused:
    """What Temporal's answer means for the user."""
    if exc.status in (RPCStatusCode.NOT_FOUND,):
        return Refused(404, f"ไม่พบเรื่อง / no such engagement: {exc.message}")
    if "Workflow Task in failed state" in exc.message:
        # The worker is behind (a task timed out) or restarting: nothing wrong with the request.
        return backend_away("งานเรื่อง (engagement)")
    if exc.status in (RPCStatusCode.INVALID_ARGUMENT, RPCStatusCode.FAILED_PRECONDITION):
        return Refused(409, exc.message)
    return backend_away("งานเรื่อง (engagement)")


def engagement_key(actor: Actor, request_key: str | None) -> str:
    """The engagement id: random, or derived from the caller and their request key so that a
    retried start finds the engagement the first try made (issue #21, item 9)."""
    if not request_key:
        return f"ENG-{uuid.uuid4().hex[:10].upper()}"
    digest = hashlib.sha256(f"{actor.subject}\n{request_key}".encode()).hexdigest()
    return f"ENG-{digest[:10].upper()}"


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


def actor_from_claims(result: dict[str, Any]) -> Actor:
    grants = tuple(
        Grant(
            Role(g["role"]),
            g["agency"],
            datetime.fromisoformat(g["from"]) if g.get("from") else None,
            datetime.fromisoformat(g["to"]) if g.get("to") else None,
            bool(g.get("acting")),
        )
        for g in result["grants"]
    )
    return Actor(result["official_id"], grants, result["email"])


def _item(actor: Actor, official_id: str, res: Resource, summary: m.Summary) -> dict[str, Any]:
    return {
        "summary": summary,
        "official_id": official_id,
        "official_name": None,
        "names": {},  # id -> name of the people in its history, where identity knows them
        "root": res.agency_path[0],
        "agency": res.agency_path[-1],  # the official's own agency: their division
        "mine": official_id == actor.subject,
        "supervisor": actor.subject in (res.supervisors or ()),
        "head": bool(can(actor, "engagement.decide_order", res)),
    }


class Portal:
    def __init__(self, b: Backends) -> None:
        self.b = b
        self.sessions = SessionStore(b.sessions)
        self.limiter = SignInLimiter(b.sessions)

    async def sign_in(self, email: str, password: str, address: str) -> tuple[Session, Any]:
        """A session for the official with that e-mail. The password form exists in demo mode
        only (production signs in through the agency's OpenID Connect provider); failures
        slow down further attempts on the account and from the address."""
        if not self.b.demo_login:
            raise Refused(
                403,
                "การเข้าสู่ระบบด้วยรหัสผ่านใช้ได้เฉพาะโหมดสาธิต / password sign-in exists in demo "
                "mode only; sign in through your agency's identity provider",
            )
        now = clock.now()
        keys = self.limiter.keys(email, address)
        wait = await self.limiter.wait_s(keys, now)
        if wait:
            raise Refused(
                429,
                f"ลองเข้าสู่ระบบผิดหลายครั้ง กรุณารอ {wait} วินาที / too many failed sign-ins; "
                f"try again in {wait} s",
                retry_after=wait,
            )
        wrong = Refused(401, "อีเมลหรือรหัสผ่านไม่ถูกต้อง / wrong e-mail or password")
        if password != "demo":
            await self.limiter.failed(keys, now)
            raise wrong
        try:
            who = await self._actor(ask.EmailQuery(email=email))
        except BackendError as exc:
            if exc.code in ("unavailable", "expired", "internal"):
                raise backend_away("ทะเบียนบุคลากร (identity)") from None
            await self.limiter.failed(keys, now)
            raise wrong from None
        await self.limiter.succeeded(keys[0])
        return await self._open(who, now), who

    async def sign_in_as(self, value: str, match: str) -> tuple[Session, Any]:
        """A session for the official the agency's provider vouched for (services/portal/oidc.py):
        found by e-mail or by official id, with the roles identity holds, never the provider's."""
        request: ask.EmailQuery | ask.ActorById = (
            ask.EmailQuery(email=value) if match == "email" else ask.ActorById(official_id=value)
        )
        try:
            who = await self._actor(request)
        except BackendError as exc:
            if exc.code in ("unavailable", "expired", "internal"):
                raise backend_away("ทะเบียนบุคลากร (identity)") from None
            raise Refused(
                403,
                "ไม่พบบัญชีนี้ในทะเบียนบุคลากรของหน่วยงาน หรือพ้นจากหน่วยงานแล้ว / "
                "this account is not an official in the agency's registry, or has left",
            ) from None
        return await self._open(who, clock.now()), who

    async def _actor(self, request: ask.EmailQuery | ask.ActorById) -> dict[str, Any]:
        """The official and their grants as identity holds them now (the token's claims)."""
        return (await self.b.query(request)).model_dump(mode="json", by_alias=True)

    async def _open(self, who: dict[str, Any], now: datetime) -> Session:
        token = self.b.issuer.issue(actor_from_claims(who), ttl=TOKEN_TTL)
        return await self.sessions.open(who["official_id"], token, now)

    async def session(self, session_id: str) -> Session | None:
        """The live session, its token re-minted from identity when older than REFRESH_S: a
        revoked role or a departure ends there (issue #14)."""
        now = clock.now()
        found = await self.sessions.find(session_id, now)
        if found is None or not found.needs_refresh(now):
            return found
        try:
            who = await self._actor(ask.ActorById(official_id=found.official_id))
        except BackendError as exc:
            if exc.code in ("not_found", "forbidden"):
                await self.sessions.close(session_id)
                return None
            try:  # identity away: the current token serves while it lasts
                self.b.verifier.verify(found.token)
            except AuthError:
                raise backend_away("ทะเบียนบุคลากร (identity)") from None
            return found
        token = self.b.issuer.issue(actor_from_claims(who), ttl=TOKEN_TTL)
        return await self.sessions.refreshed(found, token, now)

    async def resource(self, official_id: str) -> Resource:
        try:
            chain = await self.b.query(ask.SupervisorChain(official_id=official_id))
        except BackendError as exc:
            raise refusal(exc) from None
        return Resource(
            "engagement",
            tuple(chain.agency_path),
            owner=official_id,
            # Whoever acts today for an absent supervisor of the chain (issue #19) too.
            supervisors=(*chain.chain, *chain.acting.values()),
        )

    async def authorize(self, actor: Actor, permission: str, official_id: str) -> Resource:
        res = await self.resource(official_id)
        decision = can(actor, permission, res)
        if not decision:
            raise Refused(403, f"ไม่มีสิทธิ์ / forbidden: {decision.reason}")
        return res

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
        return {"engagement_id": engagement_id}

    async def open_engagement_of(self, official_id: str, other_than: str) -> str | None:
        """An engagement of this official that has not closed (one case at a time, issue #16);
        one whose state cannot be read (it never started) does not count."""
        async with self.b.sessions() as s:
            ids = (
                await s.execute(
                    select(started.c.engagement_id).where(
                        started.c.official_id == official_id,
                        started.c.engagement_id != other_than,
                    )
                )
            ).scalars()
            candidates = list(ids)
        for engagement_id in candidates:
            try:
                async with asyncio.timeout(TEMPORAL_WAIT_S):
                    summary = await self.b.temporal.get_workflow_handle(engagement_id).query(
                        W.summary
                    )
            except Exception:  # never started, or its history is gone: not open
                continue
            if summary.state != m.State.CLOSED:
                return str(engagement_id)
        return None

    async def official_of(self, engagement_id: str) -> str:
        async with self.b.sessions() as s:
            official = (
                await s.execute(
                    select(started.c.official_id).where(started.c.engagement_id == engagement_id)
                )
            ).scalar()
        if official is None:
            raise Refused(404, f"ไม่พบเรื่อง / no engagement {engagement_id}")
        return str(official)

    async def summary(self, actor: Actor, engagement_id: str) -> m.Summary:
        await self.authorize(actor, "engagement.read", await self.official_of(engagement_id))
        return await self._summary(engagement_id)

    async def _summary(self, engagement_id: str) -> m.Summary:
        """The engagement's summary, once the caller has been authorized for it."""
        try:
            async with asyncio.timeout(TEMPORAL_WAIT_S):
                summary: m.Summary = await self.b.temporal.get_workflow_handle(engagement_id).query(
                    W.summary
                )
        except RPCError as exc:
            raise temporal_refusal(exc) from None
        except (TimeoutError, RuntimeError):
            raise backend_away("งานเรื่อง (engagement)") from None
        return summary

    async def order_document(self, actor: Actor, engagement_id: str) -> bytes:
        """The head's order of this engagement as a PDF (issue #17, R-ORD-3), for whoever may
        read the engagement; names and positions asked of identity as a service."""
        from services.documents.adapters.pdf import render_order
        from services.documents.domain.order import telework_order

        s = await self.summary(actor, engagement_id)
        if not (s.order_number and s.order_date and s.order_decided_by and s.order_agency):
            raise Refused(404, f"ยังไม่มีคำสั่ง / no order has been issued for {engagement_id}")
        members = await self._batch_members(s)
        if len(members) > 1:  # one order, the officials annexed: the same document for each
            key = hashlib.sha256(f"{s.order_agency}\n{s.order_number}".encode()).hexdigest()
            document_id = f"order-batch-{key[:16]}"
        else:
            document_id = f"order-{engagement_id}"
        existing = await self._issued(document_id)  # asked first: fetching it again is cheap
        if existing is not None:
            return existing
        batch = await self._batch(s, members) if len(members) > 1 else [s]
        officials = sorted({m.official_id for m in batch})
        agency, people = await self._names(s.order_agency, [*officials, s.order_decided_by])
        start = min(m.start or m.planned_start or s.order_date for m in batch)
        end = max(m.end or m.planned_end or s.order_date for m in batch)
        doc = telework_order(
            agency=agency,
            number=s.order_number,
            ordered_on=s.order_date,
            start=start,
            end=end,
            officials=[people[o] for o in officials],
            signer=people[s.order_decided_by],
            acting=s.order_acting,
            thai_digits=self.b.thai_digits_for(s.order_agency),
        )
        pdf, _ = render_order(doc, document_id=document_id)
        return await self._issue(
            pdf, document_id, "order", s, s.order_number, s.order_agency, f"คำสั่ง {s.order_number}"
        )

    async def record_batch(self, answers: dict[str, Any]) -> None:
        """Remember which engagements a batch decision numbered alike: their order document,
        and the count of decisions an assignment has had (each a new number)."""
        rows = {
            (str(a.detail["order_number"]), eid)
            for eid, a in answers.items()
            if isinstance(a, m.Ack) and a.detail and a.detail.get("order_number")
        }
        if not rows:
            return
        async with self.b.sessions() as db:
            owners = dict(
                (
                    await db.execute(
                        select(started.c.engagement_id, started.c.official_id).where(
                            started.c.engagement_id.in_([eid for _, eid in rows])
                        )
                    )
                ).all()
            )
        for number, eid in sorted(rows):
            if eid not in owners:
                continue
            try:
                async with self.b.sessions.begin() as db:
                    await db.execute(
                        insert(batch_orders).values(
                            order_number=number, engagement_id=eid, official_id=owners[eid]
                        )
                    )
            except IntegrityError:
                pass  # recorded by an earlier try of the same decision

    async def _batch_members(self, s: m.Summary) -> list[str]:
        """The engagements a batch decision numbered like this one (just this one when it was
        ordered alone); another agency's order of the same number is sorted out in `_batch`."""
        async with self.b.sessions() as db:
            ids = list(
                (
                    await db.execute(
                        select(batch_orders.c.engagement_id).where(
                            batch_orders.c.order_number == s.order_number
                        )
                    )
                ).scalars()
            )
        return ids if s.engagement_id in ids else [s.engagement_id]

    async def _batch(self, s: m.Summary, ids: list[str]) -> list[m.Summary]:
        """The summaries of the batch's engagements ordered by the same agency (asked of
        Temporal once, when its document is issued)."""
        members: list[m.Summary] = []
        for chunk in range(0, len(ids), 50):
            found = await asyncio.gather(
                *(self._summary(eid) for eid in ids[chunk : chunk + 50]), return_exceptions=True
            )
            members += [
                x
                for x in found
                if isinstance(x, m.Summary)
                and x.order_number == s.order_number
                and x.order_agency == s.order_agency
            ]
        return members

    async def record_document(self, actor: Actor, engagement_id: str, kind: str) -> bytes:
        """The agreement (the current version, once both parties accepted it), the head's
        decision to end telework early, or the final assessment, as a signed บันทึกข้อความ
        (issue #17); each issued once, and a new agreement version is a new document."""
        from services.documents.adapters.pdf import render_memo
        from services.documents.domain import memo

        s = await self.summary(actor, engagement_id)
        agency_code = s.order_agency or await self._agency_of(s.official_id)
        if kind == "agreement":
            roles = {a.role for a in s.acceptances}
            if not s.agreement_version or roles != {"official", "supervisor"}:
                raise Refused(
                    404,
                    "ข้อตกลงฉบับปัจจุบันยังไม่ได้รับการยอมรับจากทั้งสองฝ่าย / the current "
                    f"agreement version of {engagement_id} is not yet accepted by both parties",
                )
            document_id = f"agreement-{engagement_id}-v{s.agreement_version}"
            number = f"ฉบับที่ {s.agreement_version}"
        elif kind == "termination":
            if s.withdrawal is None:
                raise Refused(404, f"ไม่มีการยุติ / telework of {engagement_id} was not ended early")
            document_id, number = f"termination-{engagement_id}", engagement_id
        elif kind == "assessment":
            if not s.assessments or s.assessed_by is None or s.assessed_on is None:
                raise Refused(404, f"ยังไม่ได้ประเมิน / {engagement_id} is not assessed yet")
            document_id, number = f"assessment-{engagement_id}", engagement_id
        else:
            raise Refused(404, f"no document {kind!r}")
        existing = await self._issued(document_id)
        if existing is not None:
            return existing
        w = s.withdrawal
        wanted = [
            s.official_id,
            *(a.by for a in s.acceptances),
            *((w.by, w.proposed_by) if w else ()),
            s.assessed_by,
        ]
        agency, people = await self._names(agency_code, [x for x in wanted if x])
        official = people[s.official_id]
        start = s.start or s.planned_start or clock.today()
        end = s.end or s.planned_end or start
        if kind == "agreement":
            by_role = {a.role: a for a in s.acceptances}
            doc = memo.agreement_memo(
                agency=agency,
                engagement_id=engagement_id,
                version=s.agreement_version,
                official=official,
                supervisor=people[by_role["supervisor"].by],
                goals=[(g.goal_id, g.description, g.indicator, g.target, g.due) for g in s.goals],
                start=start,
                end=end,
                days=s.planned_dates,
                work_location=s.work_location,
                accepted={role: a.on for role, a in by_role.items()},
                dated=max(a.on for a in s.acceptances),
                thai_digits=self.b.thai_digits_for(agency_code),
            )
        elif kind == "termination":
            assert w is not None
            doc = memo.termination_memo(
                agency=agency,
                engagement_id=engagement_id,
                official=official,
                head=people[w.by],
                acting=w.acting,
                grounds=w.grounds,
                decided_on=w.on,
                effective=w.effective,
                reasons=w.reasons,
                proposed_by=people.get(w.proposed_by or ""),
                proposal_reasons=w.proposal_reasons,
                thai_digits=self.b.thai_digits_for(agency_code),
            )
        else:
            assert s.assessed_by is not None and s.assessed_on is not None
            doc = memo.assessment_memo(
                agency=agency,
                engagement_id=engagement_id,
                official=official,
                supervisor=people[s.assessed_by],
                goals=[(g.goal_id, g.description, g.target) for g in s.goals],
                results={a.goal_id: (a.result, a.comment) for a in s.assessments},
                start=start,
                end=end,
                assessed_on=s.assessed_on,
                thai_digits=self.b.thai_digits_for(agency_code),
            )
        pdf, _ = render_memo(doc, document_id=document_id)
        return await self._issue(pdf, document_id, kind, s, number, agency_code, doc.subject)

    async def _agency_of(self, official_id: str) -> str:
        try:
            chain = await self.b.query(ask.SupervisorChain(official_id=official_id))
        except BackendError as exc:
            raise refusal(exc) from None
        return chain.agency_code

    async def _names(self, agency_code: str, official_ids: list[str]) -> tuple[str, Any]:
        """The agency's name and each official's name and position, for a document."""
        from collections import defaultdict

        from services.documents.domain.order import Person

        try:
            names = await self.b.query(
                ask.DocumentNamesQuery(
                    agency_code=agency_code, official_ids=sorted(set(official_ids))
                )
            )
        except BackendError as exc:
            raise refusal(exc) from None
        people: defaultdict[str, Person] = defaultdict(lambda: Person("-", "-"))
        people.update({k: Person(v.name, v.position or "-") for k, v in names.officials.items()})
        return names.agency, people

    async def _issue(
        self,
        pdf: bytes,
        document_id: str,
        kind: str,
        s: m.Summary,
        number: str,
        agency_code: str,
        reason: str,
    ) -> bytes:
        """Sign, keep and announce a document once: two first requests at once issue one."""
        from contracts.events.document import DocumentIssued
        from services.documents.adapters.signing import sign

        if self.b.document_signer is None:
            raise Refused(
                503,
                "ยังไม่ได้ตั้งค่าใบรับรองสำหรับลงนามเอกสาร / document signing is not configured "
                "(TELEWORK_DOCUMENT_KEY and TELEWORK_DOCUMENT_CERT; docs/documents.md)",
            )
        who = self.b.document_signer
        signed = await sign(pdf, who, reason=reason, location=agency_code)
        issued = DocumentIssued(
            document_id=document_id,
            kind=kind,
            engagement_id=s.engagement_id,
            official_id=s.official_id,
            number=number,
            sha256=hashlib.sha256(signed).hexdigest(),
            signer_certificate_sha256=who.certificate_sha256(),
            demo_signature=who.demo,
        )
        try:
            async with self.b.sessions.begin() as db:
                await db.execute(
                    insert(documents).values(
                        document_id=document_id,
                        kind=kind,
                        engagement_id=s.engagement_id,
                        sha256=issued.sha256,
                        pdf=signed,
                        issued_at=clock.now(),
                    )
                )
                await LOG.append(
                    db,
                    f"document-{document_id}",
                    [NewEvent(issued, agency_code, event_id=f"issued-{document_id}")],
                    0,
                )
        except IntegrityError:
            pass  # issued meanwhile by another request: that one is the document
        stored = await self._issued(document_id)
        assert stored is not None
        return stored

    async def record_correspondence(
        self,
        actor: Actor,
        document_id: str,
        status: str,
        letter_id: str,
        accept_id: str | None,
        reason: str,
    ) -> None:
        """What the e-saraban bridge reports of a document it sent (issue #17 item 4), as a
        `correspondence_acknowledged` event; the same report twice is recorded once."""
        from contracts.events.document import CorrespondenceAcknowledged

        if not any(g.role is Role.SERVICE for g in actor.grants):
            # Asked before looking the document up: a person learns nothing of which exist.
            raise Refused(403, "ไม่มีสิทธิ์ / forbidden: the e-saraban bridge's service only")
        async with self.b.sessions() as db:
            found = (
                await db.execute(
                    select(documents.c.engagement_id).where(documents.c.document_id == document_id)
                )
            ).scalar()
        if found is None:
            raise Refused(404, f"ไม่มีเอกสารนี้ / no document {document_id!r} was issued")
        official = await self.official_of(found)
        res = await self.authorize(actor, "document.correspondence", official)
        event = CorrespondenceAcknowledged(
            document_id=document_id,
            letter_id=letter_id,
            status=status,
            accept_id=accept_id,
            reason=reason,
        )
        async with self.b.sessions.begin() as db:
            await LOG.append(
                db,
                f"correspondence-{document_id}",
                [NewEvent(event, res.agency_path[-1], event_id=f"{document_id}-{status}")],
                None,
            )

    async def _issued(self, document_id: str) -> bytes | None:
        async with self.b.sessions() as db:
            found = await db.execute(
                select(documents.c.pdf).where(documents.c.document_id == document_id)
            )
            pdf = found.scalar()
        return bytes(pdf) if pdf is not None else None

    async def act(
        self, actor: Actor, token: str, engagement_id: str, action: str, body: dict[str, Any]
    ) -> m.Ack:
        spec = ACTIONS.get(action)
        if spec is None:
            raise Refused(404, f"unknown action {action!r}")
        await self.authorize(actor, spec.permission, await self.official_of(engagement_id))
        arg = spec.model.model_validate({**body, "by": actor.subject})
        try:
            async with asyncio.timeout(TEMPORAL_WAIT_S):
                with acting_as(token):
                    ack: m.Ack = await self.b.temporal.get_workflow_handle(
                        engagement_id
                    ).execute_update(spec.update, arg)
        except WorkflowUpdateFailedError as exc:
            raise Refused(409, refusal_text(str(exc.cause or exc))) from None
        except RPCError as exc:
            raise temporal_refusal(exc) from None
        except (TimeoutError, RuntimeError):
            # The step may still be taken once the worker is back: the summary will say.
            raise backend_away("งานเรื่อง (engagement)") from None
        return ack

    async def visible(self, actor: Actor) -> list[dict[str, Any]]:
        async with self.b.sessions() as s:
            rows = (
                await s.execute(select(started).order_by(started.c.created_at.desc()).limit(200))
            ).all()
        out = []
        for r in rows:
            try:
                res = await self.resource(r.official_id)
            except Refused:
                continue
            if not can(actor, "engagement.read", res):
                continue
            try:
                async with asyncio.timeout(TEMPORAL_WAIT_S):
                    summary = await self.b.temporal.get_workflow_handle(r.engagement_id).query(
                        W.summary
                    )
            except RPCError as exc:
                if exc.status == RPCStatusCode.NOT_FOUND:
                    continue  # a start that never reached Temporal
                raise temporal_refusal(exc) from None
            except (TimeoutError, RuntimeError):
                raise backend_away("งานเรื่อง (engagement)") from None
            out.append(_item(actor, r.official_id, res, summary))
        await self._name_officials(out)
        return out

    async def item(self, actor: Actor, engagement_id: str) -> dict[str, Any]:
        """One engagement as the home page shows it, for its own page (issue #16): the summary,
        the official's name, and what the caller is to it (the official, a supervisor, the
        head). Refused as the API refuses a read."""
        official = await self.official_of(engagement_id)
        res = await self.resource(official)
        if not can(actor, "engagement.read", res):
            raise Refused(403, "ไม่มีสิทธิ์ดูเรื่องนี้ / you may not read this engagement")
        found = [_item(actor, official, res, await self._summary(engagement_id))]
        await self._name_officials(found)
        return found[0]

    async def _name_officials(self, items: list[dict[str, Any]]) -> None:
        """People's names on the cards instead of bare ids (issue #16), for cases the caller
        may read anyway; one question per ministry. Identity away: the ids stay."""
        by_root: dict[str, set[str]] = {}
        for item in items:
            # The official, and whoever took a step of the case (its history names them).
            people = {item["official_id"], *(s.by for s in item["summary"].steps if s.by)}
            by_root.setdefault(item["root"], set()).update(people)
        for root, ids in by_root.items():
            names: dict[str, str] = {}
            wanted = sorted(ids)
            try:
                for k in range(0, len(wanted), 1000):  # identity takes 1,000 ids a question
                    found = await self.b.query(
                        ask.DocumentNamesQuery(agency_code=root, official_ids=wanted[k : k + 1000])
                    )
                    names.update({i: o.name for i, o in found.officials.items()})
            except BackendError:
                continue
            for item in items:
                if item["root"] != root:
                    continue
                item["names"] = names
                if item["official_id"] in names:
                    item["official_name"] = names[item["official_id"]]

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

    async def inbox(self, token: str, lang: str) -> dict[str, Any]:
        try:
            result: dict[str, Any] = await self.b.ask("notification", "inbox", {}, token, lang)
        except BackendError as exc:
            raise refusal(exc) from None
        return result

    async def mark_read(self, token: str, item_id: int, lang: str) -> dict[str, Any]:
        try:
            result: dict[str, Any] = await self.b.ask(
                "notification", "mark_read", {"item_id": item_id}, token, lang
            )
        except BackendError as exc:
            raise refusal(exc) from None
        return result

    async def ask_for_help(self, actor: Actor, agency: str, topic: str, detail: str) -> str:
        """R-MON-3: the request becomes an event; the notification service tells IT support."""
        from services.portal.support import record_request

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


def refusal(exc: BackendError) -> Refused:
    if exc.code in ("unavailable", "expired"):
        return Refused(503, exc.reason, retry_after=RETRY_AFTER_S)
    status = {
        "forbidden": 403,
        "not_found": 404,
        "invalid": 422,
        "unauthenticated": 401,
        "internal": 502,
        "too_large": 413,
    }.get(exc.code, 409)
    return Refused(status, exc.reason)


def parse_day(text: str) -> date:
    """A date as people type it on a Thai form: 07/12/2569 (B.E.), 07/12/2026, or ISO."""
    from workflows.calendar import InvalidSchedule
    from workflows.calendar import parse_day as parse

    try:
        return parse(text)
    except InvalidSchedule as exc:
        raise Refused(422, f"วันที่ไม่ถูกต้อง / {exc}") from None
