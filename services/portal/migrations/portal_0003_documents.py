"""portal: official documents as issued, immutable, with their hash (issue #17).

Revision ID: portal_0003
Revises: portal_0002
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import services.shared.db

revision: str = "portal_0003"
down_revision: str | None = "portal_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A database whose tables were made by `create_all` (tests, tools) already has it.
    if sa.inspect(op.get_bind()).has_table("portal_documents"):
        return
    op.create_table(
        "portal_documents",
        sa.Column("document_id", sa.String(length=150), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("engagement_id", sa.String(length=100), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.Column("issued_at", services.shared.db.AwareDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("document_id"),
        sa.UniqueConstraint("sha256"),
    )
    op.create_index(
        op.f("ix_portal_documents_engagement_id"),
        "portal_documents",
        ["engagement_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_portal_documents_engagement_id"), table_name="portal_documents")
    op.drop_table("portal_documents")
