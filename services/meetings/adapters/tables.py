"""The meetings service's own tables."""

from sqlalchemy import JSON, Boolean, Column, Integer, MetaData, String, Table

from services.shared.db import AwareDateTime, Position

MEETINGS = MetaData()

meetings = Table(
    "meetings",
    MEETINGS,
    Column("meeting_id", String(100), primary_key=True),
    Column("agency", String(64), nullable=False, index=True),
    Column("title", String(500), nullable=False),
    Column("starts_at", AwareDateTime, nullable=False),
    Column("facts", JSON, nullable=False),  # the planned meeting, in the CLI's JSON shape
    Column("created_by", String(100), nullable=False),
)

attendance = Table(
    "meeting_attendance",
    MEETINGS,
    Column("id", Position, primary_key=True, autoincrement=True),
    Column("meeting_id", String(100), nullable=False, index=True),
    Column("member", String(100), nullable=False),
    Column("action", String(10), nullable=False),
    Column("mode", String(20), nullable=False),
    Column("venue", String(200)),
    Column("in_kingdom", Boolean, nullable=False),
    Column("av_continuous", Boolean, nullable=False),
    Column("at", AwareDateTime, nullable=False),
)

recordings = Table(
    "meeting_recordings",
    MEETINGS,
    Column("meeting_id", String(100), primary_key=True),
    Column("recording", String(20), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("size_bytes", Integer, nullable=False),
    Column("location", String(1000), nullable=False),
)

# Each participant's identification before the meeting (Emergency Decree 2563 s.7 (1); MDES
# standard 2563 (1): password, one-time code, or vouching by other participants). Its own
# table, so a database made before it gains it without a migration.
identity_checks = Table(
    "meeting_identity_checks",
    MEETINGS,
    Column("meeting_id", String(100), primary_key=True),
    Column("member", String(100), primary_key=True),
    Column("method", String(20), nullable=False),
    Column("checked_at", AwareDateTime, nullable=False),
    Column("checked_by", String(100), nullable=False),
)
