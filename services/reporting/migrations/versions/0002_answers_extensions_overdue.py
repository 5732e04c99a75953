"""answers, extensions, overdue

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('applications', sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('applications', sa.Column('outcome', sa.String(length=16), nullable=True))
    op.add_column('applications', sa.Column('answered_by', sa.String(length=64), nullable=True))
    op.add_column('applications', sa.Column('extended_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('applications', sa.Column('overdue_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column('applications', 'overdue_at')
    op.drop_column('applications', 'extended_at')
    op.drop_column('applications', 'answered_by')
    op.drop_column('applications', 'outcome')
    op.drop_column('applications', 'answered_at')
