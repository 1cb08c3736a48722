"""audit: the lease that picks the one replica running the relay and projections
(docs/decisions/0008).

Revision ID: audit_0002
Revises: audit_0001
Create Date: 2026-11-27
"""

from collections.abc import Sequence

from services.shared.migrations import plumbing

revision: str = "audit_0002"
down_revision: str | None = "audit_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    plumbing.create_leases()


def downgrade() -> None:
    plumbing.drop_leases()
