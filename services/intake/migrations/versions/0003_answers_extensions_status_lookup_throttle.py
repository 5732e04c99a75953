"""answers, extensions, status look-up throttle

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('status_lookup_failures',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('client_address', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_status_lookup_failures_address_at', 'status_lookup_failures', ['client_address', 'at'], unique=False)
    op.add_column('applications', sa.Column('answer_outcome', sa.String(length=16), nullable=True))
    op.add_column('applications', sa.Column('answer_text', sa.Text(), nullable=True))
    op.add_column('applications', sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('applications', sa.Column('answered_by', sa.String(length=64), nullable=True))
    op.add_column('applications', sa.Column('extension_reason', sa.Text(), nullable=True))
    op.add_column('applications', sa.Column('extended_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column('applications', 'extended_at')
    op.drop_column('applications', 'extension_reason')
    op.drop_column('applications', 'answered_by')
    op.drop_column('applications', 'answered_at')
    op.drop_column('applications', 'answer_text')
    op.drop_column('applications', 'answer_outcome')
    op.drop_index('ix_status_lookup_failures_address_at', table_name='status_lookup_failures')
    op.drop_table('status_lookup_failures')
