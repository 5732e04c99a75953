"""filing marks: web filings counted by address and by contact, for the limits on filing

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'filing_marks',
        sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column('key_hash', sa.String(length=64), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_filing_marks_key_at', 'filing_marks', ['key_hash', 'at'], unique=False)
    op.create_index('ix_filing_marks_at', 'filing_marks', ['at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_filing_marks_at', table_name='filing_marks')
    op.drop_index('ix_filing_marks_key_at', table_name='filing_marks')
    op.drop_table('filing_marks')
