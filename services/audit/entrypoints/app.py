"""`telework serve audit`: every event of the stream into the hash chain; signed checkpoints."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from faststream.nats import NatsBroker
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.envelope import CloudEvent
from contracts.requests.audit import EvaluationQuery, History, RecordEvaluation, Status
from services.audit.adapters.keys import KeyUnavailable, key_location
from services.audit.adapters.tables import AUDIT, checkpoints
from services.audit.domain.signing import Signer
from services.audit.service_layer.history import AuditDenied, authorize, replay
from services.audit.service_layer.store import Chain, check_format
from services.audit.service_layer.verification import verify
from services.shared import clock, rpc
from services.shared.auth import TokenVerifier
from services.shared.authz import Actor, Resource, can
from services.shared.consumer import EventConsumer
from services.shared.jetstream import connect
from services.shared.rpc import forbidden, invalid
from services.shared.runtime import ServiceContext, ServiceSpec, Wiring, repeat
from services.shared.settings import Audit

NAME = "audit"


def signing_key(data_dir: Path) -> Signer:
    """The key in use, from a file or a PKCS#11 token (services/audit/adapters/keys.py); a file
    key is made on an empty chain's first start only (see refuse_a_new_key_for_a_signed_chain)."""
    try:
        return key_location(data_dir).open(create=True)
    except KeyUnavailable as exc:
        raise RuntimeError(f"the audit signing key cannot be used: {exc}") from None


def chain_from_env(data_dir: Path) -> Chain:
    location = key_location(data_dir)
    return Chain(
        signing_key(data_dir),
        checkpoint_every=Audit().checkpoint_every,
        # After `telework audit rotate-key` the key file holds the new key: read it again.
        reload=lambda: location.open(),
    )


@asynccontextmanager
async def answers(ctx: ServiceContext) -> AsyncIterator[Wiring]:
    """In every replica: auditors' questions (read-only)."""
    public = signing_key(ctx.settings.data_dir).public_key()
    yield lambda broker, verifier: wire(broker, ctx.sessions, public, verifier)


async def chain_events(ctx: ServiceContext) -> None:
    """In the leading replica only: the chain has one head, so one appender and signer."""
    await check_format(ctx.sessions)
    await refuse_a_new_key_for_a_signed_chain(ctx)
    store = chain_from_env(ctx.settings.data_dir)

    async def append(s: AsyncSession, event: CloudEvent) -> None:
        await store.append(s, event)

    nc = await connect(ctx.settings.nats_url, name="telework-audit")
    consumer = EventConsumer(NAME, ctx.sessions, append, batch=500)
    every = Audit().checkpoint_seconds
    try:
        await asyncio.gather(consumer.run(nc, ctx.stop), sign_periodically(ctx, store, every))
    finally:
        await nc.close()


async def refuse_a_new_key_for_a_signed_chain(ctx: ServiceContext) -> None:
    """A key is made once, for an empty chain. A chain already signed whose key is missing is
    an operator's problem to solve (restore the key), never a reason to sign with a new one."""
    location = key_location(ctx.settings.data_dir)
    try:
        if location.exists():
            return
    except KeyUnavailable as exc:
        raise RuntimeError(f"the audit signing key cannot be used: {exc}") from None
    async with ctx.sessions() as s:
        signed = (await s.execute(select(checkpoints.c.position).limit(1))).first()
    if signed is not None:
        raise RuntimeError(
            f"the audit key ({location.describe()}) is missing but the chain is already signed: "
            "restore the key (or set TELEWORK_AUDIT_KEY); a new key would re-sign history"
        )


def valid_year(year: int) -> bool:
    """A B.E. year (2533–2743) or a C.E. one (1990–2200)."""
    return 1990 <= year <= 2200 or 2533 <= year <= 2743


def wire(
    broker: NatsBroker, sessions: Any, public: Ed25519PublicKey, verifier: TokenVerifier
) -> None:
    """Auditors' questions over NATS (the portal's auditor page): read-only, recorded."""

    async def ask(
        actor: Actor, command: str, params: dict[str, Any], agency: str | None = None
    ) -> set[str]:
        action = "audit.verify" if command == "verify" else "audit.read"
        try:
            return await authorize(sessions, actor, action, command, params, agency)
        except AuditDenied as exc:
            raise forbidden(str(exc)) from None

    async def status(actor: Actor, q: Status) -> dict[str, Any]:
        await ask(actor, "verify", {"from": q.start})
        problem, checked = await verify(sessions, public, q.start)
        return {
            "ok": problem is None,
            "checked": checked,
            "problem": problem.__dict__ if problem else None,
        }

    async def history(actor: Actor, q: History) -> dict[str, Any]:
        if not (q.engagement_id or q.official_id or q.agency):
            raise invalid("give engagement_id, official_id or agency")
        if q.start and q.end and q.end < q.start:
            raise invalid("the period ends before it starts")
        visible = await ask(actor, "replay", q.model_dump(mode="json", exclude_none=True), q.agency)
        events = []
        async for item in replay(
            sessions,
            visible,
            engagement=q.engagement_id,
            official=q.official_id,
            agency=q.agency,
            start=q.start,
            end=q.end,
        ):
            events.append(item)
            if len(events) > 1000:  # a page at most; the CLI's replay has them all
                break
        return {"events": events[:1000], "more": len(events) > 1000}

    async def evaluation(actor: Actor, q: EvaluationQuery) -> dict[str, Any]:
        """The yearly evaluation (R-EVA-2, issue #18) for the portal's report page."""
        from services.audit.service_layer import evaluation as ev

        if not valid_year(q.fiscal_year):
            raise invalid(f"fiscal_year {q.fiscal_year}: a B.E. (2570) or C.E. (2027) year")
        try:
            rows = ev.report(
                await ev.chain_events(sessions), actor, q.agency_code, q.fiscal_year, q.roll_up
            )
        except ev.UnknownAgency as exc:
            raise invalid(str(exc)) from None
        except ev.NotAllowed as exc:
            raise forbidden(str(exc)) from None
        return {"reports": [r.as_dict() for r in rows]}

    async def record_evaluation(actor: Actor, q: RecordEvaluation) -> dict[str, Any]:
        """The yearly schedule's record of every agency's figures (issue #18 item 1)."""
        from services.audit.domain.evaluation import last_ended
        from services.audit.service_layer import evaluation as ev

        if not can(actor, "evaluation.record", Resource("agency", ("*",))):
            raise forbidden("the yearly evaluation is recorded by the platform's schedule only")
        ended = last_ended(clock.today())
        year = q.fiscal_year or ended
        if not valid_year(year):
            raise invalid(f"fiscal_year {year}: a B.E. (2570) or C.E. (2027) year")
        if (year if year > 2400 else year + 543) > ended:
            # Figures of a year still running would stand for it for good (recorded once).
            raise invalid(f"fiscal year {year} has not ended; the last that ended is {ended}")
        agencies = await ev.record_yearly(sessions, await ev.chain_events(sessions), year)
        return {"fiscal_year": year if year > 2400 else year + 543, "agencies": agencies}

    rpc.register_routes(
        broker,
        NAME,
        verifier,
        [
            rpc.route(Status, status),
            rpc.route(History, history),
            rpc.route(EvaluationQuery, evaluation),
            rpc.route(RecordEvaluation, record_evaluation),
        ],
    )


async def sign_periodically(ctx: ServiceContext, store: Chain, every: float) -> None:
    """A checkpoint at least every `every` seconds while the chain grows. A round that fails
    (a retired key, a rewritten store, the database away) is logged and tried again."""

    async def checkpoint() -> None:
        async with ctx.sessions.begin() as s:
            position, _ = await store.head(s)
            last: Any = (
                await s.execute(
                    select(checkpoints.c.position).order_by(checkpoints.c.position.desc()).limit(1)
                )
            ).scalar()
            if position and position != last:
                await store.checkpoint(s)

    await clock.pause(ctx.stop, every)  # the first checkpoint once the chain has grown
    await repeat(NAME, "checkpoint signing", checkpoint, every, ctx.stop)


SPEC = ServiceSpec(
    name=NAME,
    description="Tamper-evident hash chain of every event",
    metadatas=(AUDIT,),
    answers=answers,
    leader_tasks=(chain_events,),
)
