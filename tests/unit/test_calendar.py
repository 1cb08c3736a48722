"""Working days and schedules (R-MODE-1..4): Thai public holidays, substitution days, declared
extra days; B.E. dates in Thai."""

import json
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.cli import main
from workflows.calendar import (
    InvalidSchedule,
    Schedule,
    WorkingCalendar,
    add_months,
    holiday_name,
    parse_weekdays,
    thai_date,
    thai_numerals,
)

CAL = WorkingCalendar()


class TestWorkingDays:
    def test_weekends_and_public_holidays_are_not_working_days(self) -> None:
        assert not CAL.is_working_day(date(2026, 12, 5))  # Saturday, National Day
        assert not CAL.is_working_day(date(2026, 12, 10))  # Constitution Day (Thursday)
        assert CAL.is_working_day(date(2026, 12, 8))

    def test_substitution_day_is_not_a_working_day(self) -> None:
        """R-MODE-4: 5 Dec 2026 falls on a Saturday; Monday 7 Dec is its substitution day."""
        assert not CAL.is_working_day(date(2026, 12, 7))

    def test_a_holiday_for_government_officials_only_is_not_a_working_day(self) -> None:
        """R-LAW-2 (issue #19): the Royal Ploughing Ceremony (13 May 2026, a Wednesday) is a
        holiday for government officials though not a public one; observances such as
        National Science Day (18 Aug 2026, Tuesday) are working days."""
        assert not CAL.is_working_day(date(2026, 5, 13))
        assert holiday_name(date(2026, 5, 13), "en") == "Royal Ploughing Ceremony"
        assert CAL.is_working_day(date(2026, 8, 18))
        wednesdays = Schedule("regular_weekdays", date(2026, 5, 11), months=1, weekdays=(2,))
        assert date(2026, 5, 13) not in wednesdays.dates(CAL)

    def test_declared_extra_day(self) -> None:
        extra = WorkingCalendar(frozenset({date(2026, 12, 8)}))
        assert not extra.is_working_day(date(2026, 12, 8))


class TestSchedules:
    def test_regular_fixed_weekdays_skip_holidays(self) -> None:
        """R-MODE-1: e.g. Monday and Thursday for a month."""
        days = Schedule("regular_weekdays", date(2026, 12, 1), months=1, weekdays=(0, 3)).dates(CAL)
        assert days == [
            date(2026, 12, 3),
            date(2026, 12, 14),
            date(2026, 12, 17),
            date(2026, 12, 21),
            date(2026, 12, 24),
            date(2026, 12, 28),
        ]

    def test_occasional_run_of_working_days(self) -> None:
        """R-MODE-2: 5 working days, across the New Year holidays."""
        days = Schedule("occasional", date(2026, 12, 28), days=5).dates(CAL)
        assert days == [
            date(2026, 12, 28),
            date(2026, 12, 29),
            date(2026, 12, 30),
            date(2027, 1, 4),
            date(2027, 1, 5),
        ]

    def test_days_per_week_takes_the_first_working_days_of_each_week(self) -> None:
        days = Schedule("regular_days_per_week", date(2026, 12, 7), months=1, days=2).dates(CAL)
        assert days[:4] == [
            date(2026, 12, 8),
            date(2026, 12, 9),
            date(2026, 12, 14),
            date(2026, 12, 15),
        ]

    def test_days_per_month(self) -> None:
        days = Schedule("regular_days_per_month", date(2026, 12, 1), months=2, days=4).dates(CAL)
        assert len(days) == 8 and days[4] == date(2027, 1, 4)

    @pytest.mark.parametrize(
        ("kwargs", "reason"),
        [
            ({"kind": "regular_weekdays", "months": 6, "weekdays": (5,)}, "Monday to Friday"),
            ({"kind": "regular_weekdays", "months": 6}, "at least one weekday"),
            ({"kind": "regular_days_per_week", "months": 6, "days": 6}, "days must be 1–5"),
            ({"kind": "regular_days_per_month", "months": 30, "days": 4}, "months must be 1–24"),
            ({"kind": "occasional", "days": 0}, "days must be 1–60"),
            ({"kind": "fortnightly", "months": 1}, "unknown schedule kind"),
        ],
    )
    def test_invalid_schedules(self, kwargs: dict[str, object], reason: str) -> None:
        with pytest.raises(InvalidSchedule, match=reason):
            Schedule(start=date(2026, 12, 1), **kwargs)  # type: ignore[arg-type]

    @given(start=st.dates(date(2026, 1, 1), date(2030, 12, 31)), n=st.integers(1, 60))
    def test_occasional_gives_n_working_days_in_order(self, start: date, n: int) -> None:
        days = Schedule("occasional", start, days=n).dates(CAL)
        assert len(days) == n and days == sorted(set(days))
        assert all(CAL.is_working_day(d) for d in days) and days[0] >= start

    @given(
        start=st.dates(date(2026, 1, 1), date(2030, 12, 31)),
        months=st.integers(1, 12),
        per_week=st.integers(1, 5),
    )
    def test_never_more_than_n_days_in_any_week(
        self, start: date, months: int, per_week: int
    ) -> None:
        days = Schedule("regular_days_per_week", start, months=months, days=per_week).dates(CAL)
        weeks: dict[tuple[int, int], int] = {}
        for d in days:
            key = d.isocalendar()[:2]
            weeks[key] = weeks.get(key, 0) + 1
        assert max(weeks.values(), default=0) <= per_week
        assert all(start <= d < add_months(start, months) for d in days)


class TestThaiDates:
    def test_buddhist_era(self) -> None:
        """R-MODE-4: พ.ศ. = ค.ศ. + 543."""
        assert thai_date(date(2026, 12, 5)) == "5 ธันวาคม 2569"
        assert thai_date(date(2027, 1, 4), short=True) == "4 ม.ค. 2570"
        assert thai_numerals("ที่ 12/2570") == "ที่ ๑๒/๒๕๗๐"

    def test_weekday_names(self) -> None:
        assert parse_weekdays("Thu, mon") == (0, 3)
        with pytest.raises(InvalidSchedule, match="unknown weekday"):
            parse_weekdays("funday")


class TestScheduleCli:
    def test_json_list_of_iso_dates(self, capsys: pytest.CaptureFixture[str]) -> None:
        assert main(["schedule", "--start", "2026-12-28", "--working-days", "3", "--json"]) == 0
        assert json.loads(capsys.readouterr().out) == ["2026-12-28", "2026-12-29", "2026-12-30"]

    def test_thai_output_in_buddhist_era(self, capsys: pytest.CaptureFixture[str]) -> None:
        assert (
            main(["schedule", "--start", "2026-12-01", "--months", "1", "--weekdays", "mon,thu"])
            == 0
        )
        out = capsys.readouterr().out
        assert "วันปฏิบัติราชการนอกสถานที่ 6 วัน" in out and "3 ธันวาคม 2569" in out

    def test_declared_days_come_from_the_option(self, capsys: pytest.CaptureFixture[str]) -> None:
        assert (
            main(
                [
                    "schedule",
                    "--start",
                    "2026-12-28",
                    "--working-days",
                    "1",
                    "--json",
                    "--extra-holidays",
                    "2026-12-28",
                ]
            )
            == 0
        )
        assert json.loads(capsys.readouterr().out) == ["2026-12-29"]

    @pytest.mark.parametrize(
        ("argv", "reason"),
        [
            (["--start", "2026-02-30", "--working-days", "3"], "is not a date"),
            (["--start", "2026-12-01"], "give --working-days N, or --months M"),
            (["--start", "2026-12-01", "--months", "2"], "exactly one of"),
            (["--start", "2026-12-01", "--months", "2", "--weekdays", "sat"], "Monday to Friday"),
            (["--start", "2026-12-01", "--working-days", "3", "--months", "2"], "stands alone"),
            (
                ["--start", "2026-12-01", "--working-days", "3", "--extra-holidays", "soon"],
                "is not YYYY-MM-DD",
            ),
            (["--start", "9999-12-01", "--months", "2", "--weekdays", "mon"], "must be 1990"),
            (["--start", "2026-13-01", "--months", "2", "--weekdays", "mon"], "is not a date"),
            (["--start", "2569-02-29", "--working-days", "1"], "not a date of the calendar"),
        ],
    )
    def test_invalid_input_exits_2(
        self, argv: list[str], reason: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert main(["schedule", *argv]) == 2
        assert reason in capsys.readouterr().err


def test_a_buddhist_era_start_is_taken_as_such(capsys: pytest.CaptureFixture[str]) -> None:
    """Issue #21, item 7: 2569-12-01 is 1 Dec 2026, not a day 543 years ahead."""
    argv = ["--start", "2569-12-01", "--months", "1", "--weekdays", "mon,thu", "--json"]
    assert main(["schedule", *argv]) == 0
    be = json.loads(capsys.readouterr().out)
    assert main(["schedule", "--start", "2026-12-01", *argv[2:]]) == 0
    assert be == json.loads(capsys.readouterr().out) and be[0].startswith("2026-12")


def test_29_february_of_a_buddhist_leap_year() -> None:
    from workflows.calendar import parse_day

    assert parse_day("2567-02-29") == date(2024, 2, 29)


class TestReportDueDates:
    """R-LAW-2, R-MON-1: progress reports fall due on working days."""

    def test_a_due_date_on_a_holiday_or_weekend_moves_to_the_next_working_day(self) -> None:
        from workflows.calendar import report_due_dates

        # 7 Dec 2026 is the substitution day for National Day: due the 8th.
        assert report_due_dates(date(2026, 11, 23), date(2027, 1, 20), 14, CAL) == [
            date(2026, 12, 8),
            date(2026, 12, 21),
            date(2027, 1, 4),
            date(2027, 1, 18),
        ]
        # Every 5 days from a Monday: Saturday 28 Nov is due Monday 30 Nov.
        assert report_due_dates(date(2026, 11, 23), date(2026, 12, 1), 5, CAL) == [
            date(2026, 11, 30)
        ]

    def test_none_past_the_end_or_without_a_cadence(self) -> None:
        from workflows.calendar import report_due_dates

        assert report_due_dates(date(2026, 12, 1), date(2026, 12, 10), 14, CAL) == []
        assert report_due_dates(date(2026, 12, 1), date(2027, 12, 10), None, CAL) == []
