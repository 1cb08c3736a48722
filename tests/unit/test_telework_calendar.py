"""Issue #16: the engagement page's calendar of telework days, month by month, B.E. in Thai."""

from datetime import date

from services.portal.telework_calendar import month_grids


def test_months_in_order_with_the_telework_days_marked() -> None:
    days = [date(2027, 1, 4), date(2026, 12, 7), date(2026, 12, 10), date(2026, 12, 31)]
    december, january = month_grids(days, "th")
    assert december.title == "ธันวาคม 2569" and january.title == "มกราคม 2570"
    assert december.days == 3 and january.days == 1
    # 1 December 2026 is a Tuesday: the first week starts with a blank Monday.
    assert december.weeks[0][0] is None and december.weeks[0][1] == (1, False)
    marked = [cell[0] for week in december.weeks for cell in week if cell and cell[1]]
    assert marked == [7, 10, 31]
    assert all(len(week) == 7 for week in december.weeks)


def test_english_keeps_the_common_era() -> None:
    [month] = month_grids([date(2026, 12, 7)], "en")
    assert month.title == "December 2026"


def test_no_days_no_months() -> None:
    assert month_grids([], "th") == []
