"""portal: IT support's queue of help requests and their answers (issue #16, R-MON-3).

Revision ID: portal_0006
Revises: portal_0005
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from services.shared.db import AwareDateTime

revision: str = "portal_0006"
down_revision: str | None = "portal_0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A database whose tables were made by `create_all` (tests, tools) already has them.
    inspector = sa.inspect(op.get_bind())
    if not inspector.has_table("portal_help_requests"):
        op.create_table(
            "portal_help_requests",
            sa.Column("request_id", sa.String(length=40), nullable=False),
            sa.Column("official_id", sa.String(length=64), nullable=False),
            sa.Column("agency", sa.String(length=64), nullable=False),
            sa.Column("agency_path", sa.String(length=1000), nullable=False),
            sa.Column("topic", sa.String(length=200), nullable=False),
            sa.Column("detail", sa.Text(), nullable=False),
            sa.Column("status", sa.String(length=10), nullable=False),
            sa.Column("taken_by", sa.String(length=64), nullable=True),
            sa.Column("created_at", AwareDateTime(), nullable=False),
            sa.Column("closed_at", AwareDateTime(), nullable=True),
            sa.PrimaryKeyConstraint("request_id"),
        )
        op.create_index(
            "ix_portal_help_requests_official_id", "portal_help_requests", ["official_id"]
        )
    if not inspector.has_table("portal_help_replies"):
        op.create_table(
            "portal_help_replies",
            sa.Column("request_id", sa.String(length=40), nullable=False),
            sa.Column("n", sa.Integer(), nullable=False),
            sa.Column("replied_by", sa.String(length=64), nullable=False),
            sa.Column("text", sa.Text(), nullable=False),
            sa.Column("at", AwareDateTime(), nullable=False),
            sa.PrimaryKeyConstraint("request_id", "n"),
        )


def downgrade() -> None:
    op.drop_table("portal_help_replies")
    op.drop_index("ix_portal_help_requests_official_id", table_name="portal_help_requests")
    op.drop_table("portal_help_requests")
