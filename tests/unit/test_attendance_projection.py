"""Which events change the attendance projection: the consumer acks the rest unread."""

import pytest

from services.attendance.service_layer.projection import wants


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("telework.v1.ONDE.identity.official_registered", True),
        ("telework.v1.ONDE-DGT.identity.policy_published", True),
        ("telework.v1.ONDE.engagement.order_issued", True),
        ("telework.v1.ONDE.engagement.permission_withdrawn", True),
        ("telework.v1.ONDE.engagement.progress_report_submitted", False),
        ("telework.v1.ONDE.attendance.checked_in", False),
        ("telework.v1.ONDE.meeting.meeting_held", False),
        ("telework.v1", False),
    ],
)
def test_wants_only_what_the_projection_applies(subject: str, expected: bool) -> None:
    assert wants(subject) is expected
