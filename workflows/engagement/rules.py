"""The rules a step of an engagement must pass, pure: each raises a `Refusal` naming its
requirement, or returns. The workflow's update validators ask them before anything is
recorded; they never run on replay, so adding one keeps every recorded history replaying."""

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from contracts.events.engagement import ScheduleSpec
from contracts.places import places_under
from contracts.selection import READINESS, TRAITS, unknown
from workflows.calendar import WorkingCalendar
from workflows.engagement.models import (
    AcceptAgreement,
    Assess,
    DecideAppeal,
    DecideOrder,
    DecideTermination,
    DraftAgreement,
    FileAppeal,
    Heads,
    Policy,
    ProposeTermination,
    Recall,
    RequestChanges,
    ReviewReport,
    Revise,
    Select,
    State,
    SubmitFinalReport,
    SubmitReport,
)

if TYPE_CHECKING:
    from workflows.engagement.case import Engagement


class Refusal(Exception):
    """A step refused for cause, with the requirement that refuses it (when one does)."""

    def __init__(self, reason: str, rule: str | None = None) -> None:
        super().__init__(reason)
        self.reason, self.rule = reason, rule


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


def require_goals(goals: list[Any], start: Any) -> None:
    for g in goals:
        if not g.description.strip():
            raise Refusal(f"goal {g.goal_id} has no description", "R-AGR-1")
        if g.due < start:
            raise Refusal(
                f"goal {g.goal_id} is due on {g.due}, before the telework starts", "R-AGR-1"
            )


def require_checklists(traits: list[str], readiness: list[str]) -> None:
    """R-SEL-2: the §4 traits and §8.2 readiness, from their published checklists."""
    for name, given, catalogue in (
        ("trait", traits, TRAITS),
        ("readiness item", readiness, READINESS),
    ):
        if bad := unknown(given, catalogue):
            raise Refusal(f"unknown {name} {bad[0]!r}; known: {', '.join(catalogue)}", "R-SEL-2")


def require_text(text: str, what: str) -> None:
    if not text.strip():
        raise Refusal(f"the {what} is empty")


def check_select(case: "Engagement", u: Select) -> None:
    case.require_state(State.AWAITING_SELECTION)
    if case.selected:
        raise Refusal("already selected")
    case.require_supervisor(u.by)
    require_checklists(u.traits, u.readiness)


def check_draft(case: "Engagement", u: DraftAgreement, today: date) -> None:
    case.require_drafting()
    case.require_supervisor(u.by)
    case.require_schedule(u.schedule, u.work_location, today)
    require_goals(u.goals, u.schedule.start)


def check_revise(case: "Engagement", u: Revise, today: date) -> None:
    case.require_state(State.ACTIVE, State.ORDERED)
    if case.amendment is not None:
        raise Refusal(f"a {case.amendment} is already under way")
    case.require_supervisor(u.by)
    case.require_schedule(u.schedule, u.work_location, today)
    require_goals(u.goals, u.schedule.start)


def check_request_changes(case: "Engagement", u: RequestChanges) -> None:
    case.require_drafting()
    if case.draft is None:
        raise Refusal("there is no draft to change yet")
    case.party(u.by)


def check_accept(case: "Engagement", u: AcceptAgreement) -> None:
    case.require_drafting()
    role = case.party(u.by)
    if case.draft is None:
        raise Refusal("there is no draft to accept yet")
    if u.agreement_version != case.version:
        raise Refusal(
            f"version {u.agreement_version} is not the current draft "
            f"(version {case.version}); any change needs a new acceptance",
            "R-AGR-2",
        )
    if role == "official" and not (u.ethics_acknowledged and u.security_acknowledged):
        raise Refusal(
            "the official must acknowledge the ethics guideline (§10) and the "
            "security rules as part of the agreement (R-AGR-3)",
            "R-AGR-3",
        )
    if case.accepted.get(role) == case.version:
        raise Refusal(f"the {role} already accepted version {case.version}")


def check_propose(case: "Engagement", by: str) -> None:
    case.require_supervisor(by)  # first-level or higher (R-ORD-1)
    if not case.agreed():
        raise Refusal(
            "both parties must accept the same agreement version first (R-AGR-2)", "R-AGR-2"
        )
    if case.order_pending:
        raise Refusal("already proposed to the head of agency")
    if case.amendment is None:
        case.require_state(State.AGREED)


def check_decide_order(case: "Engagement", u: DecideOrder) -> None:
    if not case.order_pending:
        raise Refusal("nothing has been proposed to the head of agency")
    if not u.issue and not u.reasons.strip():
        raise Refusal("a refusal must give its reasons", "R-ORD-2")


def check_head(by: str, heads: Heads, naming_acting: bool = False) -> None:
    """R-ORD-2: only the head of agency, or the acting head, decides."""
    if by != heads.deciding:
        acting = (
            f" (acting head: {heads.acting_head})" if naming_acting and heads.acting_head else ""
        )
        raise Refusal(f"{by} is not the head of agency {heads.agency} today{acting}", "R-ORD-2")


def check_report(case: "Engagement", u: SubmitReport) -> None:
    case.require_state(State.ACTIVE)
    case.require_official(u.by)
    require_text(u.summary, "progress report")
    if not any(v in ("due", "missing") for v in case.reports.values()):
        raise Refusal("no progress report is due yet", "R-MON-1")


def check_review(case: "Engagement", u: ReviewReport) -> None:
    case.require_supervisor(u.by)
    if case.reports.get(u.report_no) not in ("submitted", "late"):
        raise Refusal(f"report {u.report_no} has not been submitted")
    if u.report_no in case.report_reviewed:
        raise Refusal(f"report {u.report_no} was already reviewed")


def check_propose_termination(case: "Engagement", u: ProposeTermination) -> None:
    case.require_state(State.ACTIVE, State.ORDERED)
    case.require_supervisor(u.by)
    if case.termination_pending is not None or case.withdrawal is not None:
        raise Refusal("a termination is already pending or decided")


def check_decide_termination(case: "Engagement", u: DecideTermination, today: date) -> None:
    if case.termination_pending is None:
        raise Refusal("no termination has been proposed")
    if u.effective_date is not None and u.effective_date < today:
        raise Refusal("the return to the office cannot be dated in the past")


def check_recall(case: "Engagement", u: Recall, today: date) -> None:
    if case.withdrawal is not None:  # the more telling reason, even once it has ended
        raise Refusal("the permission is already withdrawn")
    case.require_state(State.ORDERED, State.ACTIVE)
    if case.policy is None or case.policy.rule_set != "pmo-2565":
        raise Refusal(
            "a recall by the head is a rule of the PM Office regulation 2565; under the "
            "manual the supervisor proposes a termination (seed §9.2.6)",
            "R-LAW-1",
        )
    require_text(u.reasons, "reason")
    if u.effective_date is not None and u.effective_date < today:
        raise Refusal("the return to the office cannot be dated in the past")


def check_file_appeal(case: "Engagement", u: FileAppeal, today: date) -> None:
    case.require_official(u.by)
    if case.withdrawal is None or case.withdrawn_on is None:
        raise Refusal("there is no withdrawal to appeal")
    if case.appeal is not None:
        raise Refusal("an appeal has already been filed")
    assert case.policy is not None
    last = case.withdrawn_on + timedelta(days=case.policy.appeal_period_days)
    if case.policy.appeal_period_days == 0 or today > last:
        raise Refusal(f"the appeal period ended on {last}")
    require_text(u.reasons, "appeal")


def check_decide_appeal(case: "Engagement", u: DecideAppeal) -> None:
    if case.appeal is None:
        raise Refusal("no appeal has been filed")
    if case.appeal_decided:
        raise Refusal("the appeal has been decided")
    if u.by != case.appeal[0]:
        raise Refusal(f"the appeal is decided by {case.appeal[0]}, not {u.by}")
    require_text(u.reasons, "decision")


def check_final_report(case: "Engagement", u: SubmitFinalReport) -> None:
    case.require_state(State.FINAL_REPORT_DUE)
    case.require_official(u.by)
    require_text(u.summary, "final report")


def check_assess(case: "Engagement", u: Assess) -> None:
    case.require_state(State.ASSESSMENT)
    assert case.chain is not None and case.draft is not None
    if not case.chain.chain or u.by == case.official_id or u.by in case.chain.chain[1:]:
        raise Refusal("the first-level supervisor assesses the goals (R-EVA-1)", "R-EVA-1")
    goals = {g.goal_id for g in case.draft.goals}
    given = [a.goal_id for a in u.assessments]
    if sorted(given) != sorted(goals):
        raise Refusal(f"assess each goal exactly once: {', '.join(sorted(goals))}", "R-EVA-1")


def check_report_to_head(case: "Engagement", by: str) -> None:
    case.require_state(State.ASSESSED)
    case.require_supervisor(by)
