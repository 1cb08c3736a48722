"""An agreement's versions and what changed between them (issue #16, item 1), from the case's
`agreement_drafted` events alone."""

from datetime import date, timedelta

from contracts.events.engagement import AgreementDrafted, Goal, ScheduleSpec
from services.portal.versions import versions

START = date(2026, 12, 7)
G1 = Goal(goal_id="G1", description="รายงาน", indicator="text", target="1 ฉบับ", due=START)
G2 = Goal(goal_id="G2", description="คู่มือ", indicator="number", target="2", due=START)


def drafted(n: int, goals: list[Goal], weekdays: list[int], **more: object) -> AgreementDrafted:
    return AgreementDrafted(
        engagement_id="ENG-1",
        official_id="D0102",
        agreement_version=n,
        drafted_by="D0101",
        goals=goals,
        schedule=ScheduleSpec(kind="regular_weekdays", start=START, months=3, weekdays=weekdays),
        telework_days=len(weekdays) * 13,
        start=START,
        end=START + timedelta(days=90),
        **more,  # type: ignore[arg-type]
    )


def test_each_version_says_what_changed_against_the_one_before() -> None:
    one = drafted(1, [G1], [0])
    two = drafted(2, [G1.model_copy(update={"target": "2 ฉบับ"}), G2], [0, 3])
    three = drafted(3, [G2], [0, 3], work_location="coworking_space", kind="revision")
    shown = versions([(one, START), (two, START), (three, START + timedelta(days=30))])
    assert [v.number for v in shown] == [1, 2, 3]
    assert shown[0].changes == []  # the first has nothing before it
    assert [(c.what, c.detail) for c in shown[1].changes] == [
        ("goal_changed", "รายงาน"),
        ("goal_added", "คู่มือ"),
        ("schedule_changed", ""),
        ("days_changed", "13 → 26"),
    ]
    assert [(c.what, c.detail) for c in shown[2].changes] == [
        ("goal_removed", "รายงาน"),
        ("location_changed", "coworking_space"),
    ]
    assert shown[2].kind == "revision" and shown[2].drafted_on == START + timedelta(days=30)


def test_a_version_drafted_again_unchanged_says_so() -> None:
    one = drafted(1, [G1], [0])
    again = drafted(2, [G1], [0])
    assert versions([(one, START), (again, START)])[1].changes == []
