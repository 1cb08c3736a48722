"""Issue #16: the head's and HR's dashboard — who teleworks today, cases by state, late and
missing reports — by division and in all."""

from datetime import date
from typing import Any

from services.portal.dashboard import dashboard
from workflows.engagement.models import State, Summary

TODAY = date(2026, 12, 7)


def case(agency: str, state: str, name: str, **kw: Any) -> dict[str, Any]:
    summary = Summary(engagement_id=f"ENG-{name}", official_id=name, state=State(state), **kw)
    return {
        "summary": summary,
        "official_id": name,
        "official_name": f"คุณ {name}",
        "agency": agency,
    }


def test_by_division_and_in_all() -> None:
    items = [
        case("ONDE-STRAT", "active", "A", planned_dates=[TODAY], reports={1: "late", 2: "missing"}),
        case("ONDE-STRAT", "active", "B", planned_dates=[date(2026, 12, 8)]),
        case("ONDE-DGT", "proposed", "C"),
        case("ONDE-DGT", "active", "D", planned_dates=[TODAY], reports={1: "submitted"}),
        case("ONDE-DGT", "closed", "E", planned_dates=[TODAY]),  # closed: not teleworking
    ]
    board = dashboard(items, TODAY)
    dgt, strat = board.divisions
    assert (dgt.agency, strat.agency) == ("ONDE-DGT", "ONDE-STRAT")
    assert strat.today == ["คุณ A"] and dgt.today == ["คุณ D"]
    assert strat.by_state == {"active": 2} and dgt.cases == 3
    assert (strat.late_reports, strat.missing_reports) == (1, 1)
    whole = board.total
    assert sorted(whole.today) == ["คุณ A", "คุณ D"] and whole.cases == 5
    assert whole.by_state["active"] == 3 and whole.late_reports == 1


def test_nothing_to_show() -> None:
    board = dashboard([], TODAY)
    assert board.divisions == [] and board.total.cases == 0
