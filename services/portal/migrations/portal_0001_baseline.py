"""portal: the schema as create_all made it before migrations (baseline)

Revision ID: portal_0001
Revises: None
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import services.shared.db
from services.shared.migrations import plumbing

revision: str = "portal_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("portal",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Each table only where missing: a database made by `create_all` before migrations
    # existed is adopted by the same upgrade.
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    plumbing.create_v1(existing)
    if "portal_engagements" not in existing:
        op.create_table(
            "portal_engagements",
            sa.Column("engagement_id", sa.String(length=100), nullable=False),
            sa.Column("official_id", sa.String(length=64), nullable=False),
            sa.Column("agency", sa.String(length=64), nullable=False),
            sa.Column(
                "created_at", services.shared.db.AwareDateTime(timezone=True), nullable=False
            ),
            sa.PrimaryKeyConstraint("engagement_id"),
        )
        op.create_index(
            op.f("ix_portal_engagements_official_id"),
            "portal_engagements",
            ["official_id"],
            unique=False,
        )
    if "portal_sessions" not in existing:
        op.create_table(
            "portal_sessions",
            sa.Column("session_hash", sa.String(length=64), nullable=False),
            sa.Column("official_id", sa.String(length=64), nullable=False),
            sa.Column("token", sa.String(length=4000), nullable=False),
            sa.Column("csrf", sa.String(length=64), nullable=False),
            sa.Column(
                "created_at", services.shared.db.AwareDateTime(timezone=True), nullable=False
            ),
            sa.Column(
                "refreshed_at", services.shared.db.AwareDateTime(timezone=True), nullable=False
            ),
            sa.Column("last_seen", services.shared.db.AwareDateTime(timezone=True), nullable=False),
            sa.Column("flash", sa.String(length=600), nullable=True),
            sa.PrimaryKeyConstraint("session_hash"),
        )
        op.create_index(
            op.f("ix_portal_sessions_official_id"), "portal_sessions", ["official_id"], unique=False
        )
    if "portal_sign_in_failures" not in existing:
        op.create_table(
            "portal_sign_in_failures",
            sa.Column("key", sa.String(length=80), nullable=False),
            sa.Column("count", sa.Integer(), nullable=False),
            sa.Column("last_at", services.shared.db.AwareDateTime(timezone=True), nullable=False),
            sa.Column(
                "blocked_until", services.shared.db.AwareDateTime(timezone=True), nullable=False
            ),
            sa.PrimaryKeyConstraint("key"),
        )


def downgrade() -> None:
    op.drop_table("portal_sign_in_failures")
    op.drop_index(op.f("ix_portal_sessions_official_id"), table_name="portal_sessions")
    op.drop_table("portal_sessions")
    op.drop_index(op.f("ix_portal_engagements_official_id"), table_name="portal_engagements")
    op.drop_table("portal_engagements")
    plumbing.drop_v1()
