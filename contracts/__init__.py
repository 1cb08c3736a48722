"""The published language of the platform: event models, the CloudEvents envelope and subjects.

External HR and e-saraban systems depend on what is here (R-INT-1). Inside a version, change
only additively; a breaking change is a new version published beside the old one.
"""

from contracts.envelope import CloudEvent
from contracts.events.base import DomainEvent, event_types
from contracts.subjects import AgencyCode, nats_subject

__all__ = ["AgencyCode", "CloudEvent", "DomainEvent", "event_types", "nats_subject"]
