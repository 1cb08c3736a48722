"""audit: the schema as create_all made it before migrations (baseline)

Revision ID: audit_0001
Revises: None
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import services.shared.db
from services.shared.migrations import plumbing

revision: str = "audit_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("audit",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Each table only where missing: a database made by `create_all` before migrations
    # existed is adopted by the same upgrade.
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    plumbing.create_v1(existing)
    if "audit_chain" not in existing:
        op.create_table(
            "audit_chain",
            sa.Column(
                "position",
                sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                autoincrement=False,
                nullable=False,
            ),
            sa.Column("event_id", sa.String(length=200), nullable=False),
            sa.Column("type", sa.String(length=200), nullable=False),
            sa.Column("agency", sa.String(length=64), nullable=False),
            sa.Column("subject", sa.String(length=300), nullable=True),
            sa.Column("official_id", sa.String(length=64), nullable=True),
            sa.Column("time", services.shared.db.AwareDateTime(timezone=True), nullable=False),
            sa.Column("canonical", sa.LargeBinary(), nullable=False),
            sa.Column("hash", sa.LargeBinary(length=32), nullable=False),
            sa.Column("prev_hash", sa.LargeBinary(length=32), nullable=False),
            sa.PrimaryKeyConstraint("position"),
            sa.UniqueConstraint("event_id"),
        )
        op.create_index(
            "audit_chain_links",
            "audit_chain",
            ["position"],
            unique=False,
            postgresql_include=["hash", "prev_hash"],
        )
        op.create_index(op.f("ix_audit_chain_agency"), "audit_chain", ["agency"], unique=False)
        op.create_index(
            op.f("ix_audit_chain_official_id"), "audit_chain", ["official_id"], unique=False
        )
        op.create_index(op.f("ix_audit_chain_subject"), "audit_chain", ["subject"], unique=False)
        op.create_index(op.f("ix_audit_chain_time"), "audit_chain", ["time"], unique=False)
    if "audit_checkpoints" not in existing:
        op.create_table(
            "audit_checkpoints",
            sa.Column(
                "position",
                sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                autoincrement=False,
                nullable=False,
            ),
            sa.Column("hash", sa.String(length=64), nullable=False),
            sa.Column("signed_at", services.shared.db.AwareDateTime(timezone=True), nullable=False),
            sa.Column("signature", sa.String(length=128), nullable=False),
            sa.PrimaryKeyConstraint("position"),
        )


def downgrade() -> None:
    op.drop_table("audit_checkpoints")
    op.drop_index(op.f("ix_audit_chain_time"), table_name="audit_chain")
    op.drop_index(op.f("ix_audit_chain_subject"), table_name="audit_chain")
    op.drop_index(op.f("ix_audit_chain_official_id"), table_name="audit_chain")
    op.drop_index(op.f("ix_audit_chain_agency"), table_name="audit_chain")
    op.drop_index(
        "audit_chain_links", table_name="audit_chain", postgresql_include=["hash", "prev_hash"]
    )
    op.drop_table("audit_chain")
    plumbing.drop_v1()
