"""Requests one service answers for another over NATS request/reply (services/shared/rpc.py).

Each request is a model that names its subject (`service`, `command`) and, as its type
parameter, the type of its reply. Both sides use the same model: the responder validates the
request it takes and the reply it gives (a reply that drifts from its contract fails in the
responder's tests, not in a caller's production), and the caller gets the reply typed
(`services.shared.client.Client.ask`). JSON Schemas of both are exported beside the events'
(`make contracts`).
"""

from functools import cache
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, TypeAdapter

ReplyT = TypeVar("ReplyT")


class Request(BaseModel, Generic[ReplyT]):
    """A request: its fields are the body; `service` and `command` its subject."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    service: ClassVar[str]
    command: ClassVar[str]

    @classmethod
    def reply_type(cls) -> Any:
        """The type parameter the request was declared with, e.g. `Chain` for
        `SupervisorChain(IdentityRequest[Chain])`."""
        return _reply_type(cls)

    @classmethod
    def reply_adapter(cls) -> TypeAdapter[Any]:
        return _adapter(cls)


class Reply(BaseModel):
    """A reply's fields; unknown ones are kept, so a responder may add a field before its
    callers read it (the same rule as events' optional fields)."""

    model_config = ConfigDict(extra="allow", frozen=True)


@cache
def _reply_type(cls: type[Request[Any]]) -> Any:
    for klass in cls.__mro__:
        meta = getattr(klass, "__pydantic_generic_metadata__", None) or {}
        origin, args = meta.get("origin"), meta.get("args", ())
        if origin is not None and args and issubclass(origin, Request):
            return args[0]
    raise TypeError(f"{cls.__name__} does not say what it replies (Request[ReplyType])")


@cache
def _adapter(cls: type[Request[Any]]) -> TypeAdapter[Any]:
    return TypeAdapter(_reply_type(cls))


def every_request() -> list[type[Request[Any]]]:
    """Every concrete request of the platform (those with a subject), for schemas and tests."""
    from contracts.requests import (  # noqa: F401  (they declare them)
        attendance,
        audit,
        identity,
        meetings,
        notification,
    )

    found: list[type[Request[Any]]] = []
    pending: list[type[Any]] = [Request]
    while pending:
        klass = pending.pop()
        for sub in klass.__subclasses__():
            pending.append(sub)
            generic = getattr(sub, "__pydantic_generic_metadata__", {}).get("parameters")
            if "command" in sub.__dict__ and not generic:
                found.append(sub)
    return sorted(set(found), key=lambda r: (r.service, r.command))
