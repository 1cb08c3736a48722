"""Base class and registry of domain events.

An event is small, immutable and named in the past tense. Its class says where it lives
(context, name, version); its fields are the `data` of the CloudEvent.
"""

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

_REGISTRY: dict[str, type["DomainEvent"]] = {}


class DomainEvent(BaseModel):
    # Frozen and closed: an event is a fact, and a typo in a field name is a bug, not data.
    model_config = ConfigDict(frozen=True, extra="forbid")

    context: ClassVar[str]
    name: ClassVar[str]
    contract_version: ClassVar[int] = 1
    # The field naming the aggregate the event belongs to; it becomes the CloudEvent subject.
    resource_field: ClassVar[str]
    summary_th: ClassVar[str] = ""
    summary_en: ClassVar[str] = ""

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        if "name" in cls.__dict__:
            key = cls.type_name()
            if key in _REGISTRY and _REGISTRY[key] is not cls:
                raise TypeError(f"event type {key} defined twice")
            _REGISTRY[key] = cls

    @classmethod
    def type_name(cls) -> str:
        return f"th.go.telework.{cls.context}.{cls.name}.v{cls.contract_version}"

    @classmethod
    def schema_name(cls) -> str:
        return f"{cls.context}.{cls.name}.v{cls.contract_version}"

    def resource(self) -> str:
        return f"{self.context}/{getattr(self, self.resource_field)}"


def event_types() -> dict[str, type[DomainEvent]]:
    """Every registered event class by CloudEvents type, sorted for stable output."""
    import contracts.events  # noqa: F401  (makes sure every context module is imported)

    return dict(sorted(_REGISTRY.items()))


class UnknownEventType(LookupError):
    pass


def event_class(type_name: str) -> type[DomainEvent]:
    try:
        return event_types()[type_name]
    except KeyError:
        raise UnknownEventType(f"unknown event type {type_name!r}") from None
