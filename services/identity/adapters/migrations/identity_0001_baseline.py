"""identity: the schema as create_all made it before migrations (baseline)

Revision ID: identity_0001
Revises: None
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import services.shared.db
from services.shared.migrations import plumbing

revision: str = "identity_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("identity",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Each table only where missing: a database made by `create_all` before migrations
    # existed is adopted by the same upgrade.
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    plumbing.create_v1(existing)
    if "agencies" not in existing:
        op.create_table(
            "agencies",
            sa.Column("code", sa.String(length=64), nullable=False),
            sa.Column("parent_code", sa.String(length=64), nullable=True),
            sa.Column("level", sa.String(length=20), nullable=False),
            sa.Column("name_th", sa.String(length=300), nullable=False),
            sa.Column("name_en", sa.String(length=300), nullable=False),
            sa.PrimaryKeyConstraint("code"),
        )
        op.create_index(op.f("ix_agencies_parent_code"), "agencies", ["parent_code"], unique=False)
    if "departures" not in existing:
        op.create_table(
            "departures",
            sa.Column("official_id", sa.String(length=64), nullable=False),
            sa.Column("left_at", services.shared.db.AwareDateTime(timezone=True), nullable=False),
            sa.Column("by", sa.String(length=64), nullable=False),
            sa.PrimaryKeyConstraint("official_id"),
        )
    if "eligibility" not in existing:
        op.create_table(
            "eligibility",
            sa.Column("official_id", sa.String(length=64), nullable=False),
            sa.Column("status", sa.String(length=10), nullable=False),
            sa.Column("rule", sa.String(length=100), nullable=False),
            sa.Column("policy_agency", sa.String(length=64), nullable=True),
            sa.Column("policy_version", sa.Integer(), nullable=True),
            sa.PrimaryKeyConstraint("official_id"),
        )
    if "policies" not in existing:
        op.create_table(
            "policies",
            sa.Column("agency_code", sa.String(length=64), nullable=False),
            sa.Column("version", sa.Integer(), nullable=False),
            sa.Column("effective_from", sa.Date(), nullable=False),
            sa.Column("document", sa.JSON(), nullable=False),
            sa.Column("published_by", sa.String(length=64), nullable=False),
            sa.PrimaryKeyConstraint("agency_code", "version"),
        )
    if "policy_activations" not in existing:
        op.create_table(
            "policy_activations",
            sa.Column("agency_code", sa.String(length=64), nullable=False),
            sa.Column("version", sa.Integer(), nullable=False),
            sa.Column(
                "applied_at", services.shared.db.AwareDateTime(timezone=True), nullable=False
            ),
            sa.PrimaryKeyConstraint("agency_code", "version"),
        )
    if "positions" not in existing:
        op.create_table(
            "positions",
            sa.Column("agency_code", sa.String(length=64), nullable=False),
            sa.Column("position_code", sa.String(length=64), nullable=False),
            sa.Column("title_th", sa.String(length=300), nullable=False),
            sa.Column("title_en", sa.String(length=300), nullable=False),
            sa.Column("category", sa.String(length=10), nullable=True),
            sa.Column("partly", sa.Boolean(), nullable=False),
            sa.PrimaryKeyConstraint("agency_code", "position_code"),
        )
    if "role_grants" not in existing:
        op.create_table(
            "role_grants",
            sa.Column("grant_id", sa.String(length=64), nullable=False),
            sa.Column("official_id", sa.String(length=64), nullable=False),
            sa.Column("role", sa.String(length=30), nullable=False),
            sa.Column("agency_code", sa.String(length=64), nullable=False),
            sa.Column("valid_from", services.shared.db.AwareDateTime(timezone=True), nullable=True),
            sa.Column("valid_to", services.shared.db.AwareDateTime(timezone=True), nullable=True),
            sa.Column("acting", sa.Boolean(), nullable=False),
            sa.Column("revoked_at", services.shared.db.AwareDateTime(timezone=True), nullable=True),
            sa.PrimaryKeyConstraint("grant_id"),
        )
        op.create_index(
            "ix_role_grants_agency_role", "role_grants", ["agency_code", "role"], unique=False
        )
        op.create_index(
            op.f("ix_role_grants_official_id"), "role_grants", ["official_id"], unique=False
        )
    if "officials" not in existing:
        op.create_table(
            "officials",
            sa.Column("official_id", sa.String(length=64), nullable=False),
            sa.Column("agency_code", sa.String(length=64), nullable=False),
            sa.Column("position_code", sa.String(length=64), nullable=False),
            sa.Column("name_th", sa.String(length=300), nullable=False),
            sa.Column("name_en", sa.String(length=300), nullable=False),
            sa.Column("email", sa.String(length=320), nullable=False),
            sa.Column("citizen_id_hash", sa.String(length=64), nullable=True),
            sa.Column("citizen_id_masked", sa.String(length=20), nullable=True),
            sa.Column("lang", sa.String(length=2), nullable=False),
            sa.Column("supervisor_id", sa.String(length=64), nullable=True),
            sa.ForeignKeyConstraint(
                ["agency_code", "position_code"],
                ["positions.agency_code", "positions.position_code"],
            ),
            sa.PrimaryKeyConstraint("official_id"),
            sa.UniqueConstraint("citizen_id_hash"),
            sa.UniqueConstraint("email"),
        )
        op.create_index(
            op.f("ix_officials_agency_code"), "officials", ["agency_code"], unique=False
        )
        op.create_index(
            op.f("ix_officials_supervisor_id"), "officials", ["supervisor_id"], unique=False
        )


def downgrade() -> None:
    op.drop_index(op.f("ix_officials_supervisor_id"), table_name="officials")
    op.drop_index(op.f("ix_officials_agency_code"), table_name="officials")
    op.drop_table("officials")
    op.drop_index(op.f("ix_role_grants_official_id"), table_name="role_grants")
    op.drop_index("ix_role_grants_agency_role", table_name="role_grants")
    op.drop_table("role_grants")
    op.drop_table("positions")
    op.drop_table("policy_activations")
    op.drop_table("policies")
    op.drop_table("eligibility")
    op.drop_table("departures")
    op.drop_index(op.f("ix_agencies_parent_code"), table_name="agencies")
    op.drop_table("agencies")
    plumbing.drop_v1()
