"""audit: the signing key's rotations, signed by the old and the new key (issue #13).

Revision ID: audit_0003
Revises: audit_0002
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import services.shared.db

revision: str = "audit_0003"
down_revision: str | None = "audit_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A database whose tables were made by `create_all` (tests, tools) already has it.
    if sa.inspect(op.get_bind()).has_table("audit_key_rotations"):
        return
    op.create_table(
        "audit_key_rotations",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("position", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("old_public", sa.String(length=64), nullable=False),
        sa.Column("new_public", sa.String(length=64), nullable=False),
        sa.Column("rotated_at", services.shared.db.AwareDateTime(timezone=True), nullable=False),
        sa.Column("old_signature", sa.String(length=128), nullable=False),
        sa.Column("new_signature", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
    )


def downgrade() -> None:
    op.drop_table("audit_key_rotations")
