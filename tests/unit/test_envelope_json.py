"""`envelope_json` (the bulk path of the event log, issue #15 item 9) writes the very bytes the
envelope model writes, for every event type the platform publishes: consumers, the audit chain
and external subscribers must not be able to tell an imported event from any other."""

from datetime import UTC, datetime, timedelta, timezone
from types import UnionType
from typing import Any, Union, get_args, get_origin

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel
from pydantic_core import to_json

from contracts.envelope import envelope_json, to_cloud_event
from contracts.events.base import DomainEvent, event_types

TYPES = sorted(event_types().items())
AGENCIES = st.sampled_from(["ONDE", "ONDE-DGT", "MDES", "BB17"])
TEXT = st.text(min_size=1, max_size=40)  # Thai, quotes, backslashes, control characters …
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)


def events_of(cls: type[BaseModel]) -> st.SearchStrategy[Any]:
    """hypothesis builds each field from its type; a few need help: patterns (hex digests),
    free JSON (`Any`, `object`), nested models, and defaults made by a factory."""
    fields: dict[str, st.SearchStrategy[Any]] = {}
    for name, field in cls.model_fields.items():
        fields[name] = constrained(field.annotation, field.metadata)
    return st.builds(cls, **fields)


def constrained(annotation: Any, metadata: list[Any]) -> st.SearchStrategy[Any]:
    """Honour the field's constraints (pattern, bounds, lengths) that hypothesis cannot see."""
    names = ("ge", "gt", "le", "lt", "min_length", "max_length", "pattern")
    limits = {k: getattr(m, k) for m in metadata for k in names if getattr(m, k, None) is not None}
    args = get_args(annotation)
    if get_origin(annotation) in (Union, UnionType) and type(None) in args and len(args) == 2:
        inner = next(a for a in args if a is not type(None))
        return st.none() | constrained(inner, metadata)
    if annotation in (int, float):
        low = limits.get("ge", limits["gt"] + 1 if "gt" in limits else None)
        high = limits.get("le", limits["lt"] - 1 if "lt" in limits else None)
        if annotation is int:
            return st.integers(low, high)
        return st.floats(low, high, allow_nan=False, allow_infinity=False)
    if annotation is str:
        if "pattern" in limits:
            return st.from_regex(limits["pattern"], fullmatch=True)
        return st.text(min_size=limits.get("min_length", 0), max_size=limits.get("max_length", 30))
    return of_type(annotation)


def of_type(annotation: Any) -> st.SearchStrategy[Any]:
    origin, args = get_origin(annotation), get_args(annotation)
    if annotation in (Any, object):
        return JSON
    if annotation is float:
        return st.floats(allow_nan=False, allow_infinity=False)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return events_of(annotation)
    if origin in (list, tuple) and args:
        return st.lists(of_type(args[0]), max_size=3).map(origin)
    if origin is dict and args:
        return st.dictionaries(of_type(args[0]), of_type(args[1]), max_size=3)
    if origin in (Union, UnionType):
        return st.one_of(*(of_type(a) for a in args))
    return st.from_type(annotation)


@pytest.mark.parametrize("kind", [k for k, _ in TYPES])
@settings(max_examples=15, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(data=st.data())
def test_the_same_bytes_as_the_envelope_model(kind: str, data: st.DataObject) -> None:
    cls: type[DomainEvent] = event_types()[kind]
    event = data.draw(events_of(cls), label="event")
    agency = data.draw(AGENCIES)
    event_id = data.draw(TEXT)
    offset = data.draw(st.integers(-12, 14))
    at = datetime(2026, 11, 27, 23, 5, 7, 123456, tzinfo=UTC).astimezone(
        timezone(timedelta(hours=offset))
    )
    traceparent = data.draw(st.sampled_from([None, "00-" + "a" * 32 + "-" + "b" * 16 + "-01"]))
    model = to_cloud_event(
        event,
        event_id=event_id,
        agency=agency,
        source="/telework/t",
        time=at,
        traceparent=traceparent,
    ).to_json_bytes()
    fast = envelope_json(
        event,
        event_id=event_id,
        agency=agency,
        source="/telework/t",
        time=to_json(at).decode(),
        traceparent=traceparent,
    )
    assert fast.encode() == model


@settings(max_examples=5, deadline=None)
@given(data=st.data())
def test_an_agency_code_is_still_checked(data: st.DataObject) -> None:
    from pydantic import ValidationError

    event = data.draw(events_of(event_types()[TYPES[0][0]]))
    with pytest.raises(ValidationError):
        envelope_json(event, event_id="x", agency="not an agency", source="/s", time='"t"')
