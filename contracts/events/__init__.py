"""Event models by bounded context. Importing this package registers every event type."""

from contracts.events import attendance, engagement, identity, meeting  # noqa: F401  (registers)
from contracts.events.base import DomainEvent, event_types

__all__ = ["DomainEvent", "event_types"]
