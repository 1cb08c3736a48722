"""The identity service's own tables."""

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Table,
)

from services.shared.db import AwareDateTime

IDENTITY = MetaData()

agencies = Table(
    "agencies",
    IDENTITY,
    Column("code", String(64), primary_key=True),
    Column("parent_code", String(64), nullable=True, index=True),
    Column("level", String(20), nullable=False),
    Column("name_th", String(300), nullable=False),
    Column("name_en", String(300), nullable=False, default=""),
)

positions = Table(
    "positions",
    IDENTITY,
    Column("agency_code", String(64), primary_key=True),
    Column("position_code", String(64), primary_key=True),
    Column("title_th", String(300), nullable=False),
    Column("title_en", String(300), nullable=False, default=""),
    Column("category", String(10), nullable=True),
    Column("partly", Boolean, nullable=False, default=False),
)

officials = Table(
    "officials",
    IDENTITY,
    Column("official_id", String(64), primary_key=True),
    Column("agency_code", String(64), nullable=False, index=True),
    Column("position_code", String(64), nullable=False),
    Column("name_th", String(300), nullable=False),
    Column("name_en", String(300), nullable=False, default=""),
    Column("email", String(320), nullable=False, unique=True),
    Column("citizen_id_hash", String(64), nullable=True, unique=True),
    Column("citizen_id_masked", String(20), nullable=True),
    Column("lang", String(2), nullable=False, default="th"),
    Column("supervisor_id", String(64), nullable=True, index=True),
    ForeignKeyConstraint(
        ["agency_code", "position_code"], ["positions.agency_code", "positions.position_code"]
    ),
)

grants = Table(
    "role_grants",
    IDENTITY,
    Column("grant_id", String(64), primary_key=True),
    Column("official_id", String(64), nullable=False, index=True),
    Column("role", String(30), nullable=False),
    Column("agency_code", String(64), nullable=False),
    Column("valid_from", AwareDateTime, nullable=True),
    Column("valid_to", AwareDateTime, nullable=True),
    Column("acting", Boolean, nullable=False, default=False),
    Column("revoked_at", AwareDateTime, nullable=True),
    Index("ix_role_grants_agency_role", "agency_code", "role"),
)

# Officials who left (moved out, resigned, retired). A table of its own rather than a column, so
# a database made before issue #14 gains it with create_all and no migration.
departures = Table(
    "departures",
    IDENTITY,
    Column("official_id", String(64), primary_key=True),
    Column("left_at", AwareDateTime, nullable=False),
    Column("by", String(64), nullable=False),
)

# Acting supervisors (ผู้ปฏิบัติหน้าที่แทน, issue #19): while a supervisor is away, the appointee
# holds the supervisor's powers over the supervisor's staff for [valid_from, valid_to). Each row
# carries the supervisor-role grant (same id) that gives the appointee those powers in `can`.
acting_supervisors = Table(
    "acting_supervisors",
    IDENTITY,
    Column("grant_id", String(64), primary_key=True),
    Column("supervisor_id", String(64), nullable=False, index=True),
    Column("acting_id", String(64), nullable=False, index=True),
    Column("valid_from", AwareDateTime, nullable=False),
    Column("valid_to", AwareDateTime, nullable=False),
    Column("appointed_by", String(64), nullable=False),
)

policies = Table(
    "policies",
    IDENTITY,
    Column("agency_code", String(64), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("effective_from", Date, nullable=False),
    Column("document", JSON, nullable=False),
    Column("published_by", String(64), nullable=False),
)

# When each policy version took effect for eligibility (its own table: no migration needed).
policy_activations = Table(
    "policy_activations",
    IDENTITY,
    Column("agency_code", String(64), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("applied_at", AwareDateTime, nullable=False),
)

eligibility = Table(
    "eligibility",
    IDENTITY,
    Column("official_id", String(64), primary_key=True),
    Column("status", String(10), nullable=False),
    Column("rule", String(100), nullable=False),
    Column("policy_agency", String(64), nullable=True),
    Column("policy_version", Integer, nullable=True),
)
