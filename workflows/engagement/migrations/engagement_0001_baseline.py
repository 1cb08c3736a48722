"""engagement: the schema as create_all made it before migrations (baseline)

Revision ID: engagement_0001
Revises: None
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import services.shared.db
from services.shared.migrations import plumbing

revision: str = "engagement_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("engagement",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Each table only where missing: a database made by `create_all` before migrations
    # existed is adopted by the same upgrade.
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    plumbing.create_v1(existing)
    if "engagements" not in existing:
        op.create_table(
            "engagements",
            sa.Column("engagement_id", sa.String(length=100), nullable=False),
            sa.Column("official_id", sa.String(length=64), nullable=False),
            sa.Column("agency", sa.String(length=64), nullable=False),
            sa.Column("state", sa.String(length=30), nullable=False),
            sa.Column("last_event", sa.String(length=100), nullable=False),
            sa.Column(
                "updated_at", services.shared.db.AwareDateTime(timezone=True), nullable=False
            ),
            sa.PrimaryKeyConstraint("engagement_id"),
        )
        op.create_index(op.f("ix_engagements_agency"), "engagements", ["agency"], unique=False)
        op.create_index(
            op.f("ix_engagements_official_id"), "engagements", ["official_id"], unique=False
        )
    if "order_counters" not in existing:
        op.create_table(
            "order_counters",
            sa.Column("head_agency", sa.String(length=64), nullable=False),
            sa.Column("be_year", sa.Integer(), nullable=False),
            sa.Column("last_number", sa.Integer(), nullable=False),
            sa.PrimaryKeyConstraint("head_agency", "be_year"),
        )
    if "order_numbers" not in existing:
        op.create_table(
            "order_numbers",
            sa.Column("key", sa.String(length=100), nullable=False),
            sa.Column("head_agency", sa.String(length=64), nullable=False),
            sa.Column("order_number", sa.String(length=40), nullable=False),
            sa.Column("order_date", sa.Date(), nullable=False),
            sa.PrimaryKeyConstraint("key"),
        )


def downgrade() -> None:
    op.drop_table("order_numbers")
    op.drop_table("order_counters")
    op.drop_index(op.f("ix_engagements_official_id"), table_name="engagements")
    op.drop_index(op.f("ix_engagements_agency"), table_name="engagements")
    op.drop_table("engagements")
    plumbing.drop_v1()
