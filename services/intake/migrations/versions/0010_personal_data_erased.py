"""personal data erased: when an answered application's applicant and texts were erased, and the index that finds
the next ones (KVKK retention)

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('applications', sa.Column('personal_data_erased_at', sa.DateTime(timezone=True), nullable=True))
    op.create_index(
        'ix_applications_to_erase',
        'applications',
        ['answered_at'],
        unique=False,
        postgresql_where=sa.text('answered_at IS NOT NULL AND personal_data_erased_at IS NULL'),
    )


def downgrade() -> None:
    op.drop_index('ix_applications_to_erase', table_name='applications')
    op.drop_column('applications', 'personal_data_erased_at')
