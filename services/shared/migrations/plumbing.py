"""The plumbing tables every service has (event log, outbox, inbox, probe, leases), as their
migrations created them: frozen here once, called by each service's own branch. A later change
to a plumbing table is a new function beside these, never an edit of them."""

import sqlalchemy as sa
from alembic import op

import services.shared.db


def create_v1(existing: set[str]) -> None:
    """Event log, outbox, inbox and probe as the baseline made them (only where missing)."""
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
    if "probe" not in existing:
        op.create_table(
            "probe",
            sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
            sa.Column("at", services.shared.db.AwareDateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint("id"),
        )


def drop_v1() -> None:
    op.drop_table("probe")
    op.drop_table("outbox")
    op.drop_table("inbox")
    op.drop_table("event_log")


def create_leases() -> None:
    """The lease that picks the one replica running the relay and projections (decision 0008).
    A database made by `create_all` after the table was added already has it."""
    if sa.inspect(op.get_bind()).has_table("leases"):
        return
    op.create_table(
        "leases",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("holder", sa.String(length=200), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def drop_leases() -> None:
    op.drop_table("leases")
