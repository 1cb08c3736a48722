"""notification: each person's own quiet hours (issue #16).

Revision ID: notification_0004
Revises: notification_0003
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "notification_0004"
down_revision: str | None = "notification_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A database whose tables were made by `create_all` (tests, tools) already has them.
    columns = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("notification_preferences")}
    for name in ("quiet_from", "quiet_until"):
        if name not in columns:
            op.add_column(
                "notification_preferences", sa.Column(name, sa.String(length=5), nullable=True)
            )


def downgrade() -> None:
    for name in ("quiet_from", "quiet_until"):
        op.drop_column("notification_preferences", name)
