"""The agency tree: ministry › department › bureau/division › unit. Identity keeps it; audit and
attendance scope what they show by it, so it is a contract (issue #20)."""

from collections.abc import Mapping
from enum import StrEnum


class Level(StrEnum):
    MINISTRY = "ministry"
    DEPARTMENT = "department"
    BUREAU = "bureau"
    UNIT = "unit"


HEAD_LEVELS = (Level.MINISTRY, Level.DEPARTMENT)  # §5: only these heads may order telework


class OrgError(ValueError):
    pass


def path(agency: str, parents: Mapping[str, str | None]) -> tuple[str, ...]:
    """Root ministry … `agency`. Raises on unknown agencies and cycles."""
    chain = []
    seen = set()
    current: str | None = agency
    while current is not None:
        if current in seen:
            raise OrgError(f"agency tree has a cycle through {current}")
        if current not in parents:
            raise OrgError(f"unknown agency {current}")
        seen.add(current)
        chain.append(current)
        current = parents[current]
    return tuple(reversed(chain))


def head_agency(agency: str, parents: Mapping[str, str | None], levels: Mapping[str, Level]) -> str:
    """The nearest department or ministry at or above `agency`: whose head orders telework."""
    for code in reversed(path(agency, parents)):
        if levels[code] in HEAD_LEVELS:
            return code
    raise OrgError(f"agency {agency} has no department or ministry above it")
