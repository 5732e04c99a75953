"""the codes still sealed, oldest first, so the stale ones are forgotten without reading the table

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30

Also forgets, once, the codes an earlier version sealed for applicants who could never be sent a receipt
(anonymous, or neither e-mail nor phone), which it kept for good.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHERE = sa.text("access_code_sealed IS NOT NULL")


def upgrade() -> None:
    op.execute(
        "UPDATE applications SET access_code_sealed = NULL WHERE access_code_sealed IS NOT NULL AND NOT EXISTS "
        "(SELECT 1 FROM applicants WHERE applicants.application_id = applications.id "
        "AND (applicants.email IS NOT NULL OR applicants.phone IS NOT NULL))"
    )
    op.create_index('ix_applications_sealed', 'applications', ['received_at'], postgresql_where=WHERE)


def downgrade() -> None:
    op.drop_index('ix_applications_sealed', table_name='applications', postgresql_where=WHERE)
