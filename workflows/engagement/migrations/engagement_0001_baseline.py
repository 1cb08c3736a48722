"""engagement: the schema as create_all made it before migrations (baseline)

Revision ID: engagement_0001
Revises: None
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import services.shared.db

revision: str = "engagement_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("engagement",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Each table only where missing: a database made by `create_all` before migrations
    # existed is adopted by the same upgrade.
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "engagements" not in existing:
        op.create_table(
            "engagements",
            sa.Column("engagement_id", sa.String(length=100), nullable=False),
            sa.Column("official_id", sa.String(length=64), nullable=False),
            sa.Column("agency", sa.String(length=64), nullable=False),
            sa.Column("state", sa.String(length=30), nullable=False),
            sa.Column("last_event", sa.String(length=100), nullable=False),
            sa.Column(
                "updated_at", services.shared.db.AwareDateTime(timezone=True), nullable=False
            ),
            sa.PrimaryKeyConstraint("engagement_id"),
        )
        op.create_index(op.f("ix_engagements_agency"), "engagements", ["agency"], unique=False)
        op.create_index(
            op.f("ix_engagements_official_id"), "engagements", ["official_id"], unique=False
        )
    if "event_log" not in existing:
        op.create_table(
            "event_log",
            sa.Column(
                "position",
                sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                autoincrement=True,
                nullable=False,
            ),
            sa.Column("event_id", sa.String(length=200), nullable=False),
            sa.Column("stream_id", sa.String(length=200), nullable=False),
            sa.Column("version", sa.Integer(), nullable=False),
            sa.Column("type", sa.String(length=200), nullable=False),
            sa.Column("agency", sa.String(length=64), nullable=False),
            sa.Column("subject", sa.String(length=300), nullable=False),
            sa.Column(
                "recorded_at", services.shared.db.AwareDateTime(timezone=True), nullable=False
            ),
            sa.Column("envelope", sa.Text(), nullable=False),
            sa.PrimaryKeyConstraint("position"),
            sa.UniqueConstraint("event_id"),
            sa.UniqueConstraint("stream_id", "version", name="uq_event_log_stream_version"),
        )
    if "inbox" not in existing:
        op.create_table(
            "inbox",
            sa.Column("consumer", sa.String(length=100), nullable=False),
            sa.Column("event_id", sa.String(length=200), nullable=False),
            sa.Column(
                "processed_at", services.shared.db.AwareDateTime(timezone=True), nullable=False
            ),
            sa.PrimaryKeyConstraint("consumer", "event_id"),
        )
    if "order_counters" not in existing:
        op.create_table(
            "order_counters",
            sa.Column("head_agency", sa.String(length=64), nullable=False),
            sa.Column("be_year", sa.Integer(), nullable=False),
            sa.Column("last_number", sa.Integer(), nullable=False),
            sa.PrimaryKeyConstraint("head_agency", "be_year"),
        )
    if "order_numbers" not in existing:
        op.create_table(
            "order_numbers",
            sa.Column("key", sa.String(length=100), nullable=False),
            sa.Column("head_agency", sa.String(length=64), nullable=False),
            sa.Column("order_number", sa.String(length=40), nullable=False),
            sa.Column("order_date", sa.Date(), nullable=False),
            sa.PrimaryKeyConstraint("key"),
        )
    if "outbox" not in existing:
        op.create_table(
            "outbox",
            sa.Column(
                "position",
                sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                autoincrement=False,
                nullable=False,
            ),
            sa.Column("event_id", sa.String(length=200), nullable=False),
            sa.Column("stream_id", sa.String(length=200), nullable=False),
            sa.Column("subject", sa.String(length=300), nullable=False),
            sa.Column("envelope", sa.Text(), nullable=False),
            sa.PrimaryKeyConstraint("position"),
        )
    if "probe" not in existing:
        op.create_table(
            "probe",
            sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
            sa.Column("at", services.shared.db.AwareDateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint("id"),
        )


def downgrade() -> None:
    op.drop_table("probe")
    op.drop_table("outbox")
    op.drop_table("order_numbers")
    op.drop_table("order_counters")
    op.drop_table("inbox")
    op.drop_table("event_log")
    op.drop_index(op.f("ix_engagements_official_id"), table_name="engagements")
    op.drop_index(op.f("ix_engagements_agency"), table_name="engagements")
    op.drop_table("engagements")
