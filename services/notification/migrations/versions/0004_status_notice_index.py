"""the 30-day status notices' candidates, longest waiting first

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHERE = "answered_at IS NULL AND reachable AND NOT anonymous"


def upgrade() -> None:
    op.create_index('ix_applications_status_notice_due', 'applications', ['received_at'], postgresql_where=WHERE)


def downgrade() -> None:
    op.drop_index('ix_applications_status_notice_due', table_name='applications', postgresql_where=WHERE)
