"""Subject scheme `telework.v1.<agency>.<context>.<event>` (R-INT-1).

The agency is a subject token of its own so that NATS permissions can give an agency's HR or
e-saraban system `telework.v1.<agency>.>` and nothing else.
"""

import re
from typing import Annotated

from pydantic import StringConstraints

SUBJECT_ROOT = "telework"
CONTRACT_VERSION = "v1"
STREAM_NAME = "TELEWORK"
STREAM_SUBJECTS = f"{SUBJECT_ROOT}.{CONTRACT_VERSION}.>"
DEAD_LETTER_STREAM = "TELEWORK_DLQ"
RPC_ROOT = f"{SUBJECT_ROOT}.rpc"  # request/reply: telework.rpc.<service>.<command>
DEAD_LETTER_ROOT = f"{SUBJECT_ROOT}.dlq"

# A NATS subject token may not hold '.', '*', '>' or whitespace; agency codes are kept to a
# conservative alphabet so that one never splits or widens a subscriber's permission.
AGENCY_CODE_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
AgencyCode = Annotated[str, StringConstraints(pattern=AGENCY_CODE_PATTERN)]
_TOKEN = re.compile(r"^[a-z0-9_]{1,64}$")
_AGENCY = re.compile(AGENCY_CODE_PATTERN)


class InvalidSubject(ValueError):
    """A subject part that would not make a single NATS token."""


def nats_subject(agency: str, context: str, event: str) -> str:
    """Where an event of `agency` is published."""
    if not _AGENCY.match(agency):
        raise InvalidSubject(f"agency code {agency!r} must match {AGENCY_CODE_PATTERN}")
    for part in (context, event):
        if not _TOKEN.match(part):
            raise InvalidSubject(f"subject token {part!r} must be lower-case snake_case")
    return f"{SUBJECT_ROOT}.{CONTRACT_VERSION}.{agency}.{context}.{event}"


def agency_subjects(agency: str) -> str:
    """Everything one agency's subscribers may read."""
    if not _AGENCY.match(agency):
        raise InvalidSubject(f"agency code {agency!r} must match {AGENCY_CODE_PATTERN}")
    return f"{SUBJECT_ROOT}.{CONTRACT_VERSION}.{agency}.>"


def dead_letter_subject(consumer: str) -> str:
    """Where a consumer puts a message it cannot take, with the cause in its headers."""
    return f"{DEAD_LETTER_ROOT}.{consumer}"


def replay_subject(consumer: str) -> str:
    """Where `telework dlq replay` puts a dead letter back for its consumer to take again."""
    return f"{DEAD_LETTER_ROOT}.replay.{consumer}"
