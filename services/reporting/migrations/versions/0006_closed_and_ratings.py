"""after the answer: when an application closed, and the applicant's rating of the answer

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('applications', sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('applications', sa.Column('rated_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('applications', sa.Column('rating', sa.SmallInteger(), nullable=True))
    op.add_column('applications', sa.Column('solved', sa.Boolean(), nullable=True))
    op.create_index('ix_applications_closed_at', 'applications', ['closed_at'], unique=False,
                    postgresql_where=sa.text('closed_at IS NOT NULL'), postgresql_include=['scope'])
    op.create_index('ix_applications_rated_at', 'applications', ['rated_at'], unique=False,
                    postgresql_where=sa.text('rated_at IS NOT NULL'),
                    postgresql_include=['rating', 'solved', 'scope'])


def downgrade() -> None:
    op.drop_index('ix_applications_rated_at', table_name='applications')
    op.drop_index('ix_applications_closed_at', table_name='applications')
    op.drop_column('applications', 'solved')
    op.drop_column('applications', 'rating')
    op.drop_column('applications', 'rated_at')
    op.drop_column('applications', 'closed_at')
