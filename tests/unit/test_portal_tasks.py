"""Issue #16: the task list — for each case, the caller's next step, if any, most urgent first;
closed cases leave the list of work."""

from datetime import date
from typing import Any

from services.portal.tasks import is_closed, next_step, task_list
from workflows.engagement.models import Acceptance, State, Summary


def case(
    state: str, *, mine: bool = False, sup: bool = False, head: bool = False, **kw: Any
) -> dict[str, Any]:
    summary = Summary(engagement_id="ENG-1", official_id="D0102", state=State(state), **kw)
    return {
        "summary": summary,
        "official_id": "D0102",
        "mine": mine,
        "supervisor": sup,
        "head": head,
    }


def accepted(*roles: str) -> list[Acceptance]:
    return [Acceptance(by="x", role=r, version=1, on=date(2026, 12, 1)) for r in roles]


def test_each_party_sees_its_own_next_step() -> None:
    assert next_step(case("awaiting_selection", sup=True)) == "task_select"
    assert next_step(case("drafting", sup=True)) == "task_draft"
    drafted = {"agreement_version": 1}
    assert next_step(case("drafting", mine=True, **drafted)) == "task_accept"
    assert next_step(case("drafting", sup=True, **drafted)) == "task_accept"
    # Once a party has accepted, it waits on the other.
    assert (
        next_step(case("drafting", mine=True, acceptances=accepted("official"), **drafted)) is None
    )
    assert next_step(case("agreed", sup=True, **drafted)) == "task_propose"
    assert next_step(case("proposed", head=True, **drafted)) == "task_decide_order"
    assert next_step(case("proposed", sup=True, **drafted)) is None
    assert next_step(case("active", mine=True, reports={1: "due"})) == "task_report"
    assert next_step(case("active", mine=True, reports={1: "submitted"})) is None
    assert next_step(case("active", sup=True, reports={1: "late"})) == "task_review"
    assert next_step(case("active", sup=True, reports={1: "late"}, reviews={1: "ok"})) is None
    assert next_step(case("active", head=True, pending="termination")) == "task_decide_termination"
    assert next_step(case("final_report_due", mine=True)) == "task_final_report"
    assert next_step(case("assessment", sup=True)) == "task_assess"
    assert next_step(case("assessed", sup=True)) == "task_report_to_head"
    assert next_step(case("closed", sup=True, mine=True, head=True)) is None


def test_a_renewal_goes_back_through_both_parties() -> None:
    renewal = {"agreement_version": 1, "pending": "renewal"}
    assert next_step(case("active", mine=True, **renewal)) == "task_accept"
    both = accepted("official", "supervisor")
    assert next_step(case("active", sup=True, acceptances=both, **renewal)) == "task_propose"


def test_most_urgent_first_and_closed_cases_apart() -> None:
    items = [
        case("drafting", sup=True),
        case("proposed", head=True, agreement_version=1),
        case("closed", sup=True),
    ]
    assert [step for step, _ in task_list(items)] == ["task_decide_order", "task_draft"]
    assert [is_closed(i) for i in items] == [False, False, True]


def test_the_home_list_searched_filtered_and_paged() -> None:
    from services.portal.forms import PAGE_SIZE, listing

    items = [case("drafting", sup=True) for _ in range(PAGE_SIZE + 3)]
    for n, item in enumerate(items):
        item["official_id"] = f"D{n:04d}"
        item["official_name"] = "นายกิตติ วงศ์ไทย" if n == 7 else f"คุณ {n}"
    items.append(case("closed", sup=True))
    first = listing(items, {})
    assert len(first["items"]) == PAGE_SIZE and first["pages"] == 2
    second = listing(items, {"page": "2"})
    assert len(second["items"]) == 3 and second["page_no"] == 2
    assert listing(items, {"page": "99"})["page_no"] == 2  # past the end: the last page
    assert listing(items, {"page": "x"})["page_no"] == 1
    found = listing(items, {"q": "กิตติ"})["items"]
    assert [i["official_id"] for i in found] == ["D0007"]
    assert listing(items, {"q": "d0012"})["items"][0]["official_id"] == "D0012"
    assert listing(items, {"state": "active"})["items"] == []
