"""notification: the schema as create_all made it before migrations (baseline)

Revision ID: notification_0001
Revises: None
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import services.shared.db
from services.shared.migrations import plumbing

revision: str = "notification_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("notification",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Each table only where missing: a database made by `create_all` before migrations
    # existed is adopted by the same upgrade.
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    plumbing.create_v1(existing)
    if "notification_deliveries" not in existing:
        op.create_table(
            "notification_deliveries",
            sa.Column(
                "id",
                sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                autoincrement=True,
                nullable=False,
            ),
            sa.Column("event_id", sa.String(length=200), nullable=False),
            sa.Column("recipient_id", sa.String(length=64), nullable=False),
            sa.Column("channel", sa.String(length=10), nullable=False),
            sa.Column("address", sa.String(length=500), nullable=True),
            sa.Column("rule", sa.String(length=100), nullable=False),
            sa.Column("agency", sa.String(length=64), nullable=False),
            sa.Column("subject", sa.String(length=500), nullable=False),
            sa.Column("body", sa.Text(), nullable=False),
            sa.Column("status", sa.String(length=10), nullable=False),
            sa.Column("attempts", sa.Integer(), nullable=False),
            sa.Column(
                "next_attempt_at", services.shared.db.AwareDateTime(timezone=True), nullable=False
            ),
            sa.Column("last_error", sa.String(length=1000), nullable=True),
            sa.Column("sent_at", services.shared.db.AwareDateTime(timezone=True), nullable=True),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("event_id", "recipient_id", "channel", name="uq_delivery_once"),
        )
        op.create_index(
            op.f("ix_notification_deliveries_next_attempt_at"),
            "notification_deliveries",
            ["next_attempt_at"],
            unique=False,
        )
        op.create_index(
            op.f("ix_notification_deliveries_recipient_id"),
            "notification_deliveries",
            ["recipient_id"],
            unique=False,
        )
        op.create_index(
            op.f("ix_notification_deliveries_status"),
            "notification_deliveries",
            ["status"],
            unique=False,
        )
    if "notification_inbox" not in existing:
        op.create_table(
            "notification_inbox",
            sa.Column(
                "id",
                sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                autoincrement=True,
                nullable=False,
            ),
            sa.Column("recipient_id", sa.String(length=64), nullable=False),
            sa.Column("delivery_id", sa.Integer(), nullable=False),
            sa.Column("subject", sa.String(length=500), nullable=False),
            sa.Column("body", sa.Text(), nullable=False),
            sa.Column(
                "created_at", services.shared.db.AwareDateTime(timezone=True), nullable=False
            ),
            sa.Column("read_at", services.shared.db.AwareDateTime(timezone=True), nullable=True),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("delivery_id"),
        )
        op.create_index(
            op.f("ix_notification_inbox_recipient_id"),
            "notification_inbox",
            ["recipient_id"],
            unique=False,
        )
    if "notification_preferences" not in existing:
        op.create_table(
            "notification_preferences",
            sa.Column("official_id", sa.String(length=64), nullable=False),
            sa.Column("email", sa.Boolean(), nullable=False),
            sa.Column("inbox", sa.Boolean(), nullable=False),
            sa.Column("webhook_url", sa.String(length=500), nullable=True),
            sa.Column("daily_digest", sa.Boolean(), nullable=False),
            sa.PrimaryKeyConstraint("official_id"),
        )


def downgrade() -> None:
    op.drop_table("notification_preferences")
    op.drop_index(op.f("ix_notification_inbox_recipient_id"), table_name="notification_inbox")
    op.drop_table("notification_inbox")
    op.drop_index(op.f("ix_notification_deliveries_status"), table_name="notification_deliveries")
    op.drop_index(
        op.f("ix_notification_deliveries_recipient_id"), table_name="notification_deliveries"
    )
    op.drop_index(
        op.f("ix_notification_deliveries_next_attempt_at"), table_name="notification_deliveries"
    )
    op.drop_table("notification_deliveries")
    plumbing.drop_v1()
