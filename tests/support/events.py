"""Small helpers to make events in tests."""

import uuid

from contracts.events.meeting import MeetingRecordingRegistered
from services.shared.eventlog import NewEvent


def sample_event(
    meeting_id: str, n: int = 0, agency: str = "ONDE", event_id: str | None = None
) -> NewEvent:
    return NewEvent(
        MeetingRecordingRegistered(
            meeting_id=meeting_id,
            recording="audio",
            sha256=f"{n:064x}",
            size_bytes=n,
            location=f"store://{n}",
        ),
        agency=agency,
        event_id=event_id,
    )


def new_id() -> str:
    return uuid.uuid4().hex
