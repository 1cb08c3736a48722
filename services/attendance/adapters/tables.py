"""The attendance service's own tables: its projection of the events it needs, and the
attendance record itself."""

from sqlalchemy import JSON, Boolean, Column, Date, Integer, MetaData, String, Table

from services.shared.db import AwareDateTime

ATTENDANCE = MetaData()

# Projection (rebuilt by replaying the stream) -------------------------------------------------
known_officials = Table(
    "att_officials",
    ATTENDANCE,
    Column("official_id", String(64), primary_key=True),
    Column("agency_code", String(64), nullable=False, index=True),
)
known_agencies = Table(
    "att_agencies",
    ATTENDANCE,
    Column("code", String(64), primary_key=True),
    Column("parent_code", String(64), nullable=True),
)
known_policies = Table(
    "att_policies",
    ATTENDANCE,
    Column("agency_code", String(64), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("document", JSON, nullable=False),
)
scheduled_days = Table(
    "scheduled_days",
    ATTENDANCE,
    Column("official_id", String(64), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("engagement_id", String(100), nullable=False, index=True),
    Column("agency_code", String(64), nullable=False, index=True),
)

# Half-day telework (issue #19): the part of each scheduled day that is not a full one. A table
# of its own, so a database made before it gains it with create_all and no migration.
scheduled_parts = Table(
    "scheduled_parts",
    ATTENDANCE,
    Column("official_id", String(64), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("engagement_id", String(100), nullable=False, index=True),
    Column("part", String(10), nullable=False),  # morning | afternoon
)

# The record ----------------------------------------------------------------------------------
attendance_days = Table(
    "attendance_days",
    ATTENDANCE,
    Column("official_id", String(64), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("agency_code", String(64), nullable=False, index=True),
    Column("scheduled", Boolean, nullable=False),
    Column("engagement_id", String(100), nullable=True),
    Column("check_in_at", AwareDateTime, nullable=False),
    Column("check_in_channel", String(10), nullable=False),
    Column("check_out_at", AwareDateTime, nullable=True),
    Column("check_out_channel", String(10), nullable=True),
    Column("client_ip", String(64), nullable=True),
    Column("client_location", String(64), nullable=True),
)
attendance_flags = Table(
    "attendance_flags",
    ATTENDANCE,
    Column("official_id", String(64), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("flag", String(30), primary_key=True),
    Column("reason", String(500), nullable=False),
)
idempotency = Table(
    "attendance_idempotency",
    ATTENDANCE,
    Column("official_id", String(64), primary_key=True),
    Column("key", String(100), primary_key=True),
    Column("response", JSON, nullable=False),
)
closed_days = Table(
    "attendance_closed_days",
    ATTENDANCE,
    Column("day", Date, primary_key=True),
    Column("closed_at", AwareDateTime, nullable=False),
)
