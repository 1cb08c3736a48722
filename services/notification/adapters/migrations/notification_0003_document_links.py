"""notification: the document a notification is about, linked from the inbox (issue #17).

Revision ID: notification_0003
Revises: notification_0002
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "notification_0003"
down_revision: str | None = "notification_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A database whose tables were made by `create_all` (tests, tools) already has them.
    inspector = sa.inspect(op.get_bind())
    for table in ("notification_deliveries", "notification_inbox"):
        if "link" not in {c["name"] for c in inspector.get_columns(table)}:
            op.add_column(table, sa.Column("link", sa.String(length=300), nullable=True))


def downgrade() -> None:
    for table in ("notification_deliveries", "notification_inbox"):
        op.drop_column(table, "link")
