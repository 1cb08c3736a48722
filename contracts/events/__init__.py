"""Event models by bounded context. Importing this package registers every event type."""

from contracts.events import (  # noqa: F401  (registers)
    attendance,
    audit,
    document,
    engagement,
    evaluation,
    identity,
    meeting,
    notification,
)
from contracts.events.base import DomainEvent, event_types

__all__ = ["DomainEvent", "event_types"]
