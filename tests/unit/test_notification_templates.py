"""Every notified event has a template in Thai and in English, and each renders with an example
event from the contracts; every routing rule names its SPEC requirement."""

from datetime import date

import pytest

from contracts.events.base import event_types
from services.notification.domain.routing import ROUTES, after_quiet_hours, backoff
from services.notification.domain.templates import render, template_names
from tests.support.attendance import at
from tests.support.notification import example_event

PAIRS = [(key, route) for key, routes in ROUTES.items() for route in routes]


@pytest.mark.parametrize(("key", "route"), PAIRS, ids=[f"{k}-{r.recipient}" for k, r in PAIRS])
@pytest.mark.parametrize("lang", ["th", "en"])
def test_every_route_renders_in_both_languages(key: str, route, lang: str) -> None:  # type: ignore[no-untyped-def]
    assert route.rule.startswith("R-")
    event = example_event(key)
    message = render(route.template, lang, event, "สมชาย" if lang == "th" else "Somchai")
    assert message.subject and message.body
    if lang == "th":
        assert "เรียน สมชาย" in message.body
        assert "2569" in message.body + message.subject or "date" not in route.template
    else:
        assert "Dear Somchai" in message.body


def test_every_route_points_at_a_real_event_and_template() -> None:
    known = {f"{c.context}.{c.name}" for c in event_types().values()}
    assert set(ROUTES) <= known
    assert {r.template for rs in ROUTES.values() for r in rs} <= template_names()


def test_thai_dates_are_in_the_buddhist_era() -> None:
    msg = render("order_issued", "th", example_event("engagement.order_issued"), "x")
    assert "8 ธันวาคม 2569" in msg.body and "ที่ 12/2570" in msg.subject


def test_quiet_hours_hold_night_reminders_until_seven() -> None:
    day = at(example_day(), 22).date()
    assert after_quiet_hours(at(day, 22)) == at(day.replace(day=day.day + 1), 7)
    assert after_quiet_hours(at(day, 5)) == at(day, 7)
    assert after_quiet_hours(at(day, 9)) == at(day, 9)


def test_backoff_grows_and_is_capped() -> None:
    assert [backoff(n, 30) for n in (1, 2, 3)] == [30, 60, 120]
    assert backoff(30, 30) == 3600
    assert 30 < backoff(1, 30, jitter=0.5) <= 45


def example_day():  # type: ignore[no-untyped-def]
    from datetime import date

    return date(2026, 12, 8)


def test_a_persons_own_quiet_hours() -> None:
    """Issue #16: quiet hours of one's own, across midnight or within a day."""
    from datetime import time

    day = date(2026, 12, 1)
    night = (time(22, 0), time(6, 0))
    assert after_quiet_hours(at(day, 21), *night) == at(day, 21)
    assert after_quiet_hours(at(day, 23), *night) == at(day.replace(day=2), 6)
    assert after_quiet_hours(at(day, 5), *night) == at(day, 6)
    lunch = (time(12, 0), time(13, 0))
    assert after_quiet_hours(at(day, 12, 30), *lunch) == at(day, 13)
    assert after_quiet_hours(at(day, 22), *lunch) == at(day, 22)


def test_quiet_hours_come_with_both_ends() -> None:
    from pydantic import ValidationError

    from contracts.requests.notification import SetPreferences

    assert SetPreferences(quiet_from="22:00", quiet_until="06:00").quiet_until is not None
    for wrong in ({"quiet_from": "22:00"}, {"quiet_from": "22:00", "quiet_until": "22:00"}):
        with pytest.raises(ValidationError):
            SetPreferences.model_validate(wrong)
