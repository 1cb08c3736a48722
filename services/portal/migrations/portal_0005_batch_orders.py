"""portal: which engagements one batch order covers, for its single document (issue #17).

Revision ID: portal_0005
Revises: portal_0004
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "portal_0005"
down_revision: str | None = "portal_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A database whose tables were made by `create_all` (tests, tools) already has it.
    if sa.inspect(op.get_bind()).has_table("portal_batch_orders"):
        return
    op.create_table(
        "portal_batch_orders",
        sa.Column("order_number", sa.String(length=40), nullable=False),
        sa.Column("engagement_id", sa.String(length=100), nullable=False),
        sa.Column("official_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("order_number", "engagement_id"),
    )


def downgrade() -> None:
    op.drop_table("portal_batch_orders")
