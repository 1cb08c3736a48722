"""attendance: the schema as create_all made it before migrations (baseline)

Revision ID: attendance_0001
Revises: None
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import services.shared.db
from services.shared.migrations import plumbing

revision: str = "attendance_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("attendance",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Each table only where missing: a database made by `create_all` before migrations
    # existed is adopted by the same upgrade.
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    plumbing.create_v1(existing)
    if "att_agencies" not in existing:
        op.create_table(
            "att_agencies",
            sa.Column("code", sa.String(length=64), nullable=False),
            sa.Column("parent_code", sa.String(length=64), nullable=True),
            sa.PrimaryKeyConstraint("code"),
        )
    if "att_officials" not in existing:
        op.create_table(
            "att_officials",
            sa.Column("official_id", sa.String(length=64), nullable=False),
            sa.Column("agency_code", sa.String(length=64), nullable=False),
            sa.PrimaryKeyConstraint("official_id"),
        )
        op.create_index(
            op.f("ix_att_officials_agency_code"), "att_officials", ["agency_code"], unique=False
        )
    if "att_policies" not in existing:
        op.create_table(
            "att_policies",
            sa.Column("agency_code", sa.String(length=64), nullable=False),
            sa.Column("version", sa.Integer(), nullable=False),
            sa.Column("document", sa.JSON(), nullable=False),
            sa.PrimaryKeyConstraint("agency_code", "version"),
        )
    if "attendance_closed_days" not in existing:
        op.create_table(
            "attendance_closed_days",
            sa.Column("day", sa.Date(), nullable=False),
            sa.Column("closed_at", services.shared.db.AwareDateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint("day"),
        )
    if "attendance_days" not in existing:
        op.create_table(
            "attendance_days",
            sa.Column("official_id", sa.String(length=64), nullable=False),
            sa.Column("day", sa.Date(), nullable=False),
            sa.Column("agency_code", sa.String(length=64), nullable=False),
            sa.Column("scheduled", sa.Boolean(), nullable=False),
            sa.Column("engagement_id", sa.String(length=100), nullable=True),
            sa.Column(
                "check_in_at", services.shared.db.AwareDateTime(timezone=True), nullable=False
            ),
            sa.Column("check_in_channel", sa.String(length=10), nullable=False),
            sa.Column(
                "check_out_at", services.shared.db.AwareDateTime(timezone=True), nullable=True
            ),
            sa.Column("check_out_channel", sa.String(length=10), nullable=True),
            sa.Column("client_ip", sa.String(length=64), nullable=True),
            sa.Column("client_location", sa.String(length=64), nullable=True),
            sa.PrimaryKeyConstraint("official_id", "day"),
        )
        op.create_index(
            op.f("ix_attendance_days_agency_code"), "attendance_days", ["agency_code"], unique=False
        )
    if "attendance_flags" not in existing:
        op.create_table(
            "attendance_flags",
            sa.Column("official_id", sa.String(length=64), nullable=False),
            sa.Column("day", sa.Date(), nullable=False),
            sa.Column("flag", sa.String(length=30), nullable=False),
            sa.Column("reason", sa.String(length=500), nullable=False),
            sa.PrimaryKeyConstraint("official_id", "day", "flag"),
        )
    if "attendance_idempotency" not in existing:
        op.create_table(
            "attendance_idempotency",
            sa.Column("official_id", sa.String(length=64), nullable=False),
            sa.Column("key", sa.String(length=100), nullable=False),
            sa.Column("response", sa.JSON(), nullable=False),
            sa.PrimaryKeyConstraint("official_id", "key"),
        )
    if "scheduled_days" not in existing:
        op.create_table(
            "scheduled_days",
            sa.Column("official_id", sa.String(length=64), nullable=False),
            sa.Column("day", sa.Date(), nullable=False),
            sa.Column("engagement_id", sa.String(length=100), nullable=False),
            sa.Column("agency_code", sa.String(length=64), nullable=False),
            sa.PrimaryKeyConstraint("official_id", "day"),
        )
        op.create_index(
            op.f("ix_scheduled_days_agency_code"), "scheduled_days", ["agency_code"], unique=False
        )
        op.create_index(
            op.f("ix_scheduled_days_engagement_id"),
            "scheduled_days",
            ["engagement_id"],
            unique=False,
        )
    if "scheduled_parts" not in existing:
        op.create_table(
            "scheduled_parts",
            sa.Column("official_id", sa.String(length=64), nullable=False),
            sa.Column("day", sa.Date(), nullable=False),
            sa.Column("engagement_id", sa.String(length=100), nullable=False),
            sa.Column("part", sa.String(length=10), nullable=False),
            sa.PrimaryKeyConstraint("official_id", "day"),
        )
        op.create_index(
            op.f("ix_scheduled_parts_engagement_id"),
            "scheduled_parts",
            ["engagement_id"],
            unique=False,
        )


def downgrade() -> None:
    op.drop_index(op.f("ix_scheduled_parts_engagement_id"), table_name="scheduled_parts")
    op.drop_table("scheduled_parts")
    op.drop_index(op.f("ix_scheduled_days_engagement_id"), table_name="scheduled_days")
    op.drop_index(op.f("ix_scheduled_days_agency_code"), table_name="scheduled_days")
    op.drop_table("scheduled_days")
    op.drop_table("attendance_idempotency")
    op.drop_table("attendance_flags")
    op.drop_index(op.f("ix_attendance_days_agency_code"), table_name="attendance_days")
    op.drop_table("attendance_days")
    op.drop_table("attendance_closed_days")
    op.drop_table("att_policies")
    op.drop_index(op.f("ix_att_officials_agency_code"), table_name="att_officials")
    op.drop_table("att_officials")
    op.drop_table("att_agencies")
    plumbing.drop_v1()
