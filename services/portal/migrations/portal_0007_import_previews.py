"""portal: HR's previewed imports, kept 30 minutes until confirmed (issue #16).

Revision ID: portal_0007
Revises: portal_0006
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from services.shared.db import AwareDateTime

revision: str = "portal_0007"
down_revision: str | None = "portal_0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A database whose tables were made by `create_all` (tests, tools) already has it.
    if sa.inspect(op.get_bind()).has_table("portal_import_previews"):
        return
    op.create_table(
        "portal_import_previews",
        sa.Column("preview_id", sa.String(length=64), nullable=False),
        sa.Column("official_id", sa.String(length=64), nullable=False),
        sa.Column("files", sa.Text(), nullable=False),
        sa.Column("created_at", AwareDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("preview_id"),
    )


def downgrade() -> None:
    op.drop_table("portal_import_previews")
