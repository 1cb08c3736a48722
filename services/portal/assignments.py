"""Assignment for necessity in bulk, from the portal (issue #19, item 5): a supervisor or the
head assigns a unit or a list in one action; the head later issues one batch order for it."""

import asyncio
import hashlib
import uuid
from typing import Any

from sqlalchemy import distinct, func, insert, select
from temporalio.client import WorkflowFailureError
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError

from services.portal.actions import Portal, stated_necessity
from services.portal.refusals import TEMPORAL_WAIT_S, Refused, backend_away, temporal_refusal
from services.portal.tables import batch_orders, started
from services.shared import clock
from services.shared.authz import Actor, Resource, can
from workflows.engagement import models as m
from workflows.engagement.assignment import AssignmentWorkflow, assigned_engagement_id
from workflows.engagement.client import (
    assign_for_necessity,
    assignment_workflow_id,
    issue_batch_order,
)
from workflows.engagement.proof import acting_as

# Deciding 10,000 engagements at 100 in flight takes a minute or two.
ORDER_WAIT_S = 600.0


def assignment_key(actor: Actor, request_key: str | None) -> str:
    """Random, or derived from the caller's request key so that a retry finds the first one."""
    if not request_key:
        return f"ASG-{uuid.uuid4().hex[:10].upper()}"
    return "ASG-" + hashlib.sha256(f"{actor.subject}\n{request_key}".encode()).hexdigest()[:10]


async def assign(
    portal: Portal,
    actor: Actor,
    token: str,
    lang: str,
    agency_code: str,
    official_ids: list[str] | None,
    necessity_reason: str,
    template: m.AgreementTemplate,
    request_key: str | None = None,
) -> dict[str, Any]:
    found = await portal.ask_as(
        token,
        "identity",
        "assignable",
        {"agency_code": agency_code, "official_ids": official_ids},
        lang,
        timeout=60.0,
    )
    path = tuple(found["agency_path"])
    decision = can(actor, "engagement.assign", Resource("engagement", path))
    if not decision:
        raise Refused(403, f"ไม่มีสิทธิ์ / forbidden: {decision.reason}")
    necessity_reason = stated_necessity(necessity_reason)
    officials: list[str] = found["assignable"]
    refused: dict[str, str] = found["refused"]
    if not officials and refused and set(refused.values()) == {"not in your supervisor chain"}:
        raise Refused(403, "ไม่มีสิทธิ์ / forbidden: nobody here is in your supervisor chain")
    if not officials:
        raise Refused(
            422,
            "ไม่มีผู้ที่มอบหมายได้ / nobody here may be assigned by you: "
            + "; ".join(f"{k}: {v}" for k, v in list(found["refused"].items())[:20]),
        )
    assignment_id = assignment_key(actor, request_key)
    ids = {o: assigned_engagement_id(assignment_id, o) for o in officials}
    # The portal's index first, as for a single start: each engagement is found by its id.
    async with portal.b.sessions.begin() as s:
        known = set(
            (
                await s.execute(
                    select(started.c.engagement_id).where(
                        started.c.engagement_id.like(f"{assignment_id}-%")
                    )
                )
            ).scalars()
        )
        rows = [
            {
                "engagement_id": eid,
                "official_id": official,
                "agency": agency_code,
                "created_at": clock.now(),
            }
            for official, eid in ids.items()
            if eid not in known
        ]
        if rows:
            await s.execute(insert(started), rows)
    assignment = m.AssignForNecessity(
        assignment_id=assignment_id,
        started_by=actor.subject,
        agency_path=list(path),
        official_ids=officials,
        necessity_reason=necessity_reason,
        template=template,
    )
    repeated = False
    try:
        async with asyncio.timeout(TEMPORAL_WAIT_S):
            with acting_as(token):  # the worker proves the assigner (issue #13)
                await assign_for_necessity(portal.b.temporal, assignment, portal.b.task_queue)
    except WorkflowAlreadyStartedError:
        repeated = True
    except RPCError as exc:
        raise temporal_refusal(exc) from None
    except (TimeoutError, RuntimeError):
        raise backend_away("งานเรื่อง (engagement)") from None
    return {
        "assignment_id": assignment_id,
        "assigned": len(officials),
        "refused": found["refused"],
        **({"repeated": True} if repeated else {}),
    }


async def progress(portal: Portal, actor: Actor, assignment_id: str) -> m.AssignmentSummary:
    """How far the assignment got: for the assigner, and for the heads over its unit."""
    handle = portal.b.temporal.get_workflow_handle(assignment_workflow_id(assignment_id))
    try:
        async with asyncio.timeout(TEMPORAL_WAIT_S):
            summary = await handle.query(AssignmentWorkflow.progress)
            if summary is None:  # the run has not begun yet, or has finished
                summary = await handle.result()
    except RPCError as exc:
        raise temporal_refusal(exc) from None
    except WorkflowFailureError as exc:
        raise Refused(409, f"การมอบหมายไม่สำเร็จ / the assignment failed: {exc.cause}") from None
    except (TimeoutError, RuntimeError):
        raise backend_away("งานเรื่อง (engagement)") from None
    head = can(actor, "engagement.decide_order", Resource("engagement", tuple(summary.agency_path)))
    if actor.subject != summary.assigned_by and not head:
        raise Refused(403, "ไม่มีสิทธิ์ / forbidden: neither the assigner nor a head over it")
    return summary


async def order(
    portal: Portal, actor: Actor, token: str, assignment_id: str, issue: bool, reasons: str
) -> dict[str, Any]:
    """The head's one decision for every engagement of the assignment proposed so far: one
    order number for all; those not yet agreed are named and may be ordered later."""
    summary = await progress(portal, actor, assignment_id)
    path = tuple(summary.agency_path)
    decision = can(actor, "engagement.decide_order", Resource("engagement", path))
    if not decision:
        raise Refused(403, f"ไม่มีสิทธิ์ / forbidden: {decision.reason}")
    if not issue and not reasons.strip():
        raise Refused(422, "การไม่อนุญาตต้องระบุเหตุผล / a refusal must give its reasons")
    async with portal.b.sessions() as s:
        ids = list(
            (
                await s.execute(
                    select(started.c.engagement_id).where(
                        started.c.engagement_id.like(f"{assignment_id}-%")
                    )
                )
            ).scalars()
        )
    # Each decision is an order of its own (R-ORD-2): officials who agreed after an earlier
    # decision get a new number. The key stays the same while a decision is retried (nothing
    # of it recorded yet), so a retry never takes a second number.
    async with portal.b.sessions() as s:
        earlier = (
            await s.execute(
                select(func.count(distinct(batch_orders.c.order_number))).where(
                    batch_orders.c.engagement_id.like(f"{assignment_id}-%")
                )
            )
        ).scalar_one()
    batch_id = assignment_id if not earlier else f"{assignment_id}:{earlier + 1}"
    try:
        async with asyncio.timeout(ORDER_WAIT_S):
            with acting_as(token):
                answers = await issue_batch_order(
                    portal.b.temporal,
                    actor.subject,
                    sorted(ids),
                    batch_id=batch_id,
                    issue=issue,
                    reasons=reasons,
                )
    except RPCError as exc:
        raise temporal_refusal(exc) from None
    except (TimeoutError, RuntimeError):
        raise backend_away("งานเรื่อง (engagement)") from None
    await portal.record_batch(answers)
    decided = {k: v for k, v in answers.items() if isinstance(v, m.Ack)}
    numbers = sorted({str(a.detail["order_number"]) for a in decided.values() if a.detail})
    return {
        "assignment_id": assignment_id,
        "decided": len(decided),
        "order_number": numbers[0] if len(numbers) == 1 else (numbers or None),
        "not_decided": {k: v for k, v in answers.items() if not isinstance(v, m.Ack)},
    }
