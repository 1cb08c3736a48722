"""meetings: the schema as create_all made it before migrations (baseline)

Revision ID: meetings_0001
Revises: None
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import services.shared.db
from services.shared.migrations import plumbing

revision: str = "meetings_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("meetings",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Each table only where missing: a database made by `create_all` before migrations
    # existed is adopted by the same upgrade.
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    plumbing.create_v1(existing)
    if "meeting_attendance" not in existing:
        op.create_table(
            "meeting_attendance",
            sa.Column(
                "id",
                sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                autoincrement=True,
                nullable=False,
            ),
            sa.Column("meeting_id", sa.String(length=100), nullable=False),
            sa.Column("member", sa.String(length=100), nullable=False),
            sa.Column("action", sa.String(length=10), nullable=False),
            sa.Column("mode", sa.String(length=20), nullable=False),
            sa.Column("venue", sa.String(length=200), nullable=True),
            sa.Column("in_kingdom", sa.Boolean(), nullable=False),
            sa.Column("av_continuous", sa.Boolean(), nullable=False),
            sa.Column("at", services.shared.db.AwareDateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index(
            op.f("ix_meeting_attendance_meeting_id"),
            "meeting_attendance",
            ["meeting_id"],
            unique=False,
        )
    if "meeting_identity_checks" not in existing:
        op.create_table(
            "meeting_identity_checks",
            sa.Column("meeting_id", sa.String(length=100), nullable=False),
            sa.Column("member", sa.String(length=100), nullable=False),
            sa.Column("method", sa.String(length=20), nullable=False),
            sa.Column(
                "checked_at", services.shared.db.AwareDateTime(timezone=True), nullable=False
            ),
            sa.Column("checked_by", sa.String(length=100), nullable=False),
            sa.PrimaryKeyConstraint("meeting_id", "member"),
        )
    if "meeting_recordings" not in existing:
        op.create_table(
            "meeting_recordings",
            sa.Column("meeting_id", sa.String(length=100), nullable=False),
            sa.Column("recording", sa.String(length=20), nullable=False),
            sa.Column("sha256", sa.String(length=64), nullable=False),
            sa.Column("size_bytes", sa.Integer(), nullable=False),
            sa.Column("location", sa.String(length=1000), nullable=False),
            sa.PrimaryKeyConstraint("meeting_id"),
        )
    if "meetings" not in existing:
        op.create_table(
            "meetings",
            sa.Column("meeting_id", sa.String(length=100), nullable=False),
            sa.Column("agency", sa.String(length=64), nullable=False),
            sa.Column("title", sa.String(length=500), nullable=False),
            sa.Column("starts_at", services.shared.db.AwareDateTime(timezone=True), nullable=False),
            sa.Column("facts", sa.JSON(), nullable=False),
            sa.Column("created_by", sa.String(length=100), nullable=False),
            sa.PrimaryKeyConstraint("meeting_id"),
        )
        op.create_index(op.f("ix_meetings_agency"), "meetings", ["agency"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_meetings_agency"), table_name="meetings")
    op.drop_table("meetings")
    op.drop_table("meeting_recordings")
    op.drop_table("meeting_identity_checks")
    op.drop_index(op.f("ix_meeting_attendance_meeting_id"), table_name="meeting_attendance")
    op.drop_table("meeting_attendance")
    plumbing.drop_v1()
