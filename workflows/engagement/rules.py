"""Pure checks the workflow applies before it records anything."""

from datetime import date, timedelta

from contracts.events.engagement import ScheduleSpec
from contracts.places import places_under
from workflows.calendar import WorkingCalendar
from workflows.engagement.models import Policy


def earliest_start(policy: Policy, today: date) -> date:
    """The first day a schedule drafted `today` may start: the policy's notice, counted in
    working days (issue #19, item 4)."""
    day, left = today, policy.request_notice_working_days
    calendar = WorkingCalendar(frozenset(policy.extra_holidays))
    while left > 0:
        day += timedelta(days=1)
        if calendar.is_working_day(day):
            left -= 1
    return day


def place_refusal(place: str, policy: Policy) -> str | None:
    allowed = places_under(policy.rule_set, policy.work_locations)
    if place not in allowed:
        return (
            f"policy {policy.agency_code} v{policy.version} ({policy.rule_set}) allows work at "
            f"{', '.join(allowed)}, not {place}"
        )
    return None


def schedule_refusal(schedule: ScheduleSpec, policy: Policy, today: date) -> str | None:
    """Why `schedule` is outside the agency's policy (R-POL-1, R-MODE), or None."""
    where = f"policy {policy.agency_code} v{policy.version}"
    if schedule.start < today:
        return f"the schedule starts on {schedule.start}, before today ({today})"
    if schedule.start < (first := earliest_start(policy, today)):
        return (
            f"{where} asks for {policy.request_notice_working_days} working days' notice: "
            f"the schedule may start on {first} at the earliest"
        )
    if schedule.part != "full" and not policy.half_days:
        return f"{where} does not allow half-day telework"
    if schedule.kind == "occasional":
        if schedule.days < 1:
            return "an occasional schedule needs at least one working day"
        if "occasional" not in policy.allowed_modes:
            return f"{where} does not allow occasional telework"
        if schedule.days > policy.max_occasional_working_days:
            return (
                f"{schedule.days} working days exceed the {where} limit of "
                f"{policy.max_occasional_working_days}"
            )
        return None
    if "regular" not in policy.allowed_modes:
        return f"{where} does not allow regular telework"
    if schedule.months < 1:
        return "a regular schedule runs for at least one month"
    if schedule.kind == "regular_weekdays" and (
        not schedule.weekdays or any(not 0 <= d <= 4 for d in schedule.weekdays)
    ):
        return "choose telework weekdays from Monday (0) to Friday (4)"
    if schedule.kind != "regular_weekdays" and schedule.days < 1:
        return "a regular schedule needs at least one day"
    if schedule.months > policy.max_period_months:
        return f"{schedule.months} months exceed the {where} limit of {policy.max_period_months}"
    per_week = (
        len(schedule.weekdays)
        if schedule.kind == "regular_weekdays"
        else (schedule.days if schedule.kind == "regular_days_per_week" else 0)
    )
    if per_week > policy.max_days_per_week:
        return f"{per_week} days a week exceed the {where} limit of {policy.max_days_per_week}"
    # Minimum office days: a week keeps them; a month keeps them in each of its four weeks.
    away_per_week = 5 - policy.min_office_days_per_week
    if per_week > away_per_week:
        return (
            f"{per_week} telework days leave fewer than the {policy.min_office_days_per_week} "
            f"office days a week that {where} requires"
        )
    if schedule.kind == "regular_days_per_month" and schedule.days > policy.max_days_per_month:
        return (
            f"{schedule.days} days a month exceed the {where} limit of {policy.max_days_per_month}"
        )
    if schedule.kind == "regular_days_per_month" and schedule.days > away_per_week * 4:
        return (
            f"{schedule.days} days a month leave fewer than the "
            f"{policy.min_office_days_per_week} office days a week that {where} requires"
        )
    return None


def order_number(number: int, order_date: date) -> str:
    """`ที่ 123/2570`: numbered per agency and Buddhist-Era year."""
    return f"ที่ {number}/{order_date.year + 543}"
