"""Official documents as issued (issue #17): the head's order (one per batch), the agreement,
the termination and the assessment, rendered once, signed, kept immutable with their hash in
the audit chain; and the e-saraban correspondence about them."""

import asyncio
import hashlib
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from services.portal.base import PortalBase
from services.portal.refusals import (
    Refused,
)
from services.portal.tables import LOG, batch_orders, documents, started
from services.shared import clock
from services.shared.authz import Actor, Role
from services.shared.eventlog import NewEvent
from workflows.engagement import models as m


class Issuing(PortalBase):
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
