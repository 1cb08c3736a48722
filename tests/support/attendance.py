"""Feeding the attendance projection the events it would get from the stream."""

from datetime import UTC, date, datetime, time
from typing import Any

from contracts.envelope import CloudEvent, to_cloud_event
from contracts.events.engagement import OrderIssued, PermissionWithdrawn
from contracts.events.identity import AgencyRegistered, OfficialRegistered, PolicyPublished
from contracts.policy import PolicyDocument
from services.shared.clock import BANGKOK
from tests.support.events import new_id


def envelope(event: Any, agency: str = "ONDE-DGT") -> CloudEvent:
    return to_cloud_event(
        event, event_id=new_id(), agency=agency, source="/test", time=datetime.now(UTC)
    )


def identity_events(
    officials: list[str],
    start: time = time(8, 30),
    tolerance: int = 15,
    keep_location: bool = False,
) -> list[CloudEvent]:
    doc = PolicyDocument(
        effective_from=date(2020, 1, 1),
        work_day_start=start,
        late_tolerance_minutes=tolerance,
        keep_client_location=keep_location,
    )
    return [
        envelope(AgencyRegistered(agency_code="MDES", parent_code=None, level="ministry"), "MDES"),
        envelope(
            AgencyRegistered(agency_code="ONDE", parent_code="MDES", level="department"), "ONDE"
        ),
        envelope(AgencyRegistered(agency_code="ONDE-DGT", parent_code="ONDE", level="bureau")),
        envelope(
            PolicyPublished(
                agency_code="ONDE",
                version=1,
                effective_from=date(2020, 1, 1),
                document=doc.model_dump(mode="json"),
            ),
            "ONDE",
        ),
        *(
            envelope(OfficialRegistered(official_id=o, agency_code="ONDE-DGT", position_code="P"))
            for o in officials
        ),
    ]


def order(
    official: str,
    engagement: str,
    days: list[date],
    order_date: date,
    kind: str = "original",
    part: str = "full",
) -> CloudEvent:
    return envelope(
        OrderIssued(
            engagement_id=engagement,
            official_id=official,
            order_number="ที่ 1/2569",
            order_date=order_date,
            decided_by="D0001",
            acting=False,
            head_agency="ONDE",
            agreement_version=1,
            kind=kind,
            start=days[0],
            end=days[-1],
            telework_dates=days,  # type: ignore[arg-type]
            goals=[],
            part=part,  # type: ignore[arg-type]
        )
    )


def withdrawn(official: str, engagement: str, effective: date) -> CloudEvent:
    return envelope(
        PermissionWithdrawn(
            engagement_id=engagement,
            official_id=official,
            decided_by="D0001",
            effective_date=effective,
            reasons="x",
        )
    )


def at(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), BANGKOK)
