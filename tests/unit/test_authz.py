"""One `can(actor, action, resource)` for every service (R-INT-4): every role × action × in/out
of scope, refusals included."""

from datetime import UTC, datetime, timedelta

import pytest

from services.shared.authz import ALL_AGENCIES, POLICY, Actor, Grant, Resource, Role, can

PATH = ("MDES", "ONDE", "ONDE-DGT")  # the resource's agency and its ancestors
ELSEWHERE = ("MOPH", "DMS")
ME, CHIEF = "D0202", "D0201"


def actor(role: Role, agency: str = "ONDE", action: str | None = None) -> Actor:
    """Officials, and any role acting on its own records for `action`, are the owner."""
    own = role is Role.OFFICIAL or (action is not None and role in POLICY[action].own_only)
    return Actor(ME if own else CHIEF, (Grant(role, agency),))


def resource(path: tuple[str, ...] = PATH) -> Resource:
    return Resource("engagement", path, owner=ME, supervisors=(CHIEF, "D0002"))


CASES = [(action, role) for action in sorted(POLICY) for role in Role]


@pytest.mark.parametrize(("action", "role"), CASES, ids=[f"{a}-{r}" for a, r in CASES])
def test_every_role_and_action_in_and_out_of_scope(action: str, role: Role) -> None:
    rule = POLICY[action]
    expected = role in rule.roles
    agency = ALL_AGENCIES if role is Role.SERVICE else "ONDE"
    assert bool(can(actor(role, agency, action), action, resource())) is expected
    # Out of scope: a grant over another ministry never reaches this agency …
    if role is not Role.SERVICE:
        assert not can(actor(role, "MOPH", action), action, resource())
    # … and nothing reaches a resource of another ministry from ONDE.
    assert not can(actor(role, "ONDE", action), action, resource(ELSEWHERE))


def test_refusal_names_the_roles_that_would_do() -> None:
    d = can(actor(Role.AUDITOR), "engagement.decide_order", resource())
    assert (
        not d
        and d.reason == "engagement.decide_order needs one of [head_of_agency] over agency ONDE-DGT"
    )


def test_official_acts_on_own_records_only() -> None:
    other = Resource("engagement", PATH, owner="D0203", supervisors=(CHIEF,))
    assert can(actor(Role.OFFICIAL), "engagement.submit_report", resource())
    assert not can(actor(Role.OFFICIAL), "engagement.submit_report", other)


def test_supervisor_outside_the_chain_is_refused() -> None:
    stranger = Actor("D0101", (Grant(Role.SUPERVISOR, "ONDE"),))
    assert can(actor(Role.SUPERVISOR), "engagement.propose", resource())
    assert not can(stranger, "engagement.propose", resource())


def test_acting_head_holds_the_power_in_the_period_only() -> None:
    start = datetime(2026, 11, 1, tzinfo=UTC)
    acting = Actor(
        "D0002",
        (Grant(Role.HEAD_OF_AGENCY, "ONDE", start, start + timedelta(days=30), acting=True),),
    )
    assert can(acting, "engagement.decide_order", resource(), at=start + timedelta(days=1))
    assert not can(acting, "engagement.decide_order", resource(), at=start - timedelta(days=1))
    assert not can(acting, "engagement.decide_order", resource(), at=start + timedelta(days=30))


def test_only_a_service_grant_spans_every_agency() -> None:
    assert not can(
        Actor("x", (Grant(Role.SYSTEM_ADMIN, ALL_AGENCIES),)), "identity.manage", resource()
    )
    assert can(
        Actor("svc", (Grant(Role.SERVICE, ALL_AGENCIES),)), "identity.query", resource(ELSEWHERE)
    )


def test_unknown_action_is_refused() -> None:
    assert not can(actor(Role.SYSTEM_ADMIN), "everything.delete", resource())


def test_an_acting_grant_does_not_hold_the_powers_that_would_make_it_last() -> None:
    start = datetime(2026, 11, 1, tzinfo=UTC)
    term = (start, start + timedelta(days=30))
    acting = Actor("D0002", (Grant(Role.HEAD_OF_AGENCY, "ONDE", *term, acting=True),))
    head = Actor("D0001", (Grant(Role.HEAD_OF_AGENCY, "ONDE"),))
    during = start + timedelta(days=1)
    assert can(acting, "identity.grant", resource(), at=during)
    refused = can(acting, "identity.grant_power", resource(), at=during)
    assert not refused and "not acting" in refused.reason
    assert can(head, "identity.grant_power", resource(), at=during)
