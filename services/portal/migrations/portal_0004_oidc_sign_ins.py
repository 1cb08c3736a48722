"""portal: sign-ins under way at the agency's OpenID Connect provider (issue #14).

Revision ID: portal_0004
Revises: portal_0003
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import services.shared.db

revision: str = "portal_0004"
down_revision: str | None = "portal_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A database whose tables were made by `create_all` (tests, tools) already has it.
    if sa.inspect(op.get_bind()).has_table("portal_oidc_sign_ins"):
        return
    op.create_table(
        "portal_oidc_sign_ins",
        sa.Column("state_hash", sa.String(length=64), nullable=False),
        sa.Column("nonce", sa.String(length=100), nullable=False),
        sa.Column("code_verifier", sa.String(length=200), nullable=False),
        sa.Column("created_at", services.shared.db.AwareDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("state_hash"),
    )


def downgrade() -> None:
    op.drop_table("portal_oidc_sign_ins")
