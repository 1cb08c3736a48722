"""portal: the read model of every engagement, fed by events (issue #16, item 6).

Revision ID: portal_0008
Revises: portal_0007
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from services.shared.db import AwareDateTime

revision: str = "portal_0008"
down_revision: str | None = "portal_0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A database whose tables were made by `create_all` (tests, tools) already has them.
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "portal_cases" not in existing:
        op.create_table(
            "portal_cases",
            sa.Column("engagement_id", sa.String(length=100), nullable=False),
            sa.Column("official_id", sa.String(length=64), nullable=False),
            sa.Column("agency", sa.String(length=64), nullable=False),
            sa.Column("state", sa.String(length=30), nullable=False),
            sa.Column("events", sa.Integer(), nullable=False),
            sa.Column("summary", sa.Text(), nullable=False),
            sa.Column("created_at", AwareDateTime(), nullable=False),
            sa.Column("updated_at", AwareDateTime(), nullable=False),
            sa.PrimaryKeyConstraint("engagement_id"),
        )
        for column in ("official_id", "agency", "created_at"):
            op.create_index(op.f(f"ix_portal_cases_{column}"), "portal_cases", [column])
    if "portal_case_events" not in existing:
        op.create_table(
            "portal_case_events",
            sa.Column("engagement_id", sa.String(length=100), nullable=False),
            sa.Column("seq", sa.Integer(), nullable=False),
            sa.Column("type", sa.String(length=120), nullable=False),
            sa.Column("data", sa.Text(), nullable=False),
            sa.Column("recorded_on", sa.Date(), nullable=False),
            sa.PrimaryKeyConstraint("engagement_id", "seq"),
        )


def downgrade() -> None:
    op.drop_table("portal_case_events")
    for column in ("official_id", "agency", "created_at"):
        op.drop_index(op.f(f"ix_portal_cases_{column}"), table_name="portal_cases")
    op.drop_table("portal_cases")
