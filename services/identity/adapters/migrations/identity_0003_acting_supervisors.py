"""identity: acting supervisors while a supervisor is away (issue #19).

Revision ID: identity_0003
Revises: identity_0002
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import services.shared.db

revision: str = "identity_0003"
down_revision: str | None = "identity_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A database whose tables were made by `create_all` (tests, tools) already has it.
    if sa.inspect(op.get_bind()).has_table("acting_supervisors"):
        return
    op.create_table(
        "acting_supervisors",
        sa.Column("grant_id", sa.String(length=64), nullable=False),
        sa.Column("supervisor_id", sa.String(length=64), nullable=False),
        sa.Column("acting_id", sa.String(length=64), nullable=False),
        sa.Column("valid_from", services.shared.db.AwareDateTime(timezone=True), nullable=False),
        sa.Column("valid_to", services.shared.db.AwareDateTime(timezone=True), nullable=False),
        sa.Column("appointed_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("grant_id"),
    )
    op.create_index(
        op.f("ix_acting_supervisors_supervisor_id"), "acting_supervisors", ["supervisor_id"]
    )
    op.create_index(op.f("ix_acting_supervisors_acting_id"), "acting_supervisors", ["acting_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_acting_supervisors_acting_id"), table_name="acting_supervisors")
    op.drop_index(op.f("ix_acting_supervisors_supervisor_id"), table_name="acting_supervisors")
    op.drop_table("acting_supervisors")
