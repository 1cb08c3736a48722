"""The yearly evaluation asked of the audit service (CLI and the portal's report page): the
chain read once, the figures computed by the pure domain module, for those who may read them."""

import json
from typing import Any

from sqlalchemy import select

from services.audit.adapters.tables import chain
from services.audit.domain.evaluation import (
    TYPES,
    Evaluation,
    agency_parents,
    agency_path,
    evaluate,
    roll_up,
)
from services.shared.authz import Actor, Resource, can
from services.shared.eventlog import EventLog, NewEvent

LOG = EventLog("/telework/audit")


class UnknownAgency(LookupError):
    pass


class NotAllowed(PermissionError):
    pass


async def chain_events(sessions: Any) -> list[dict[str, Any]]:
    """The chain's events of the kinds the evaluation reads, in chain order: check-ins and the
    like (most of a chain) are never parsed."""
    query = select(chain.c.canonical).where(chain.c.type.in_(TYPES)).order_by(chain.c.position)
    async with sessions() as s:
        return [json.loads(bytes(r)) for r in (await s.execute(query)).scalars()]


def report(
    events: list[dict[str, Any]], actor: Actor, agency: str, year: int, rolled_up: bool = False
) -> list[Evaluation]:
    """The agency's figures (and, rolled up, each direct sub-agency's beside them) for the
    head, HR and auditors over it (`evaluation.read`)."""
    if agency not in agency_parents(events):
        raise UnknownAgency(f"no agency {agency} in the history")
    decision = can(actor, "evaluation.read", Resource("agency", agency_path(events, agency)))
    if not decision:
        raise NotAllowed(decision.reason)
    return roll_up(events, agency, year) if rolled_up else [evaluate(events, agency, year)]


async def record_yearly(sessions: Any, events: list[dict[str, Any]], year: int) -> list[str]:
    """Every agency's figures for the fiscal year, as `yearly_evaluation_recorded` events (the
    yearly schedule, issue #18): once per agency and year, a repeat records nothing new."""
    from contracts.events.evaluation import YearlyEvaluationRecorded

    recorded = []
    async with sessions.begin() as s:
        for agency in sorted(agency_parents(events)):
            figures = evaluate(events, agency, year)
            event = YearlyEvaluationRecorded(
                agency_code=agency, fiscal_year=figures.fiscal_year, figures=figures.as_dict()
            )
            key = f"yearly-evaluation-{agency}-{figures.fiscal_year}"
            await LOG.append(s, key, [NewEvent(event, agency, event_id=key)], None)
            recorded.append(agency)
    return recorded
