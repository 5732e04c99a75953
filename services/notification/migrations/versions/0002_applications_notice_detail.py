"""applications, notice detail, longer recipients

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
    op.create_table('applications',
    sa.Column('application_id', sa.UUID(), nullable=False),
    sa.Column('tracking_number', sa.String(length=12), nullable=False),
    sa.Column('anonymous', sa.Boolean(), nullable=False),
    sa.Column('reachable', sa.Boolean(), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.PrimaryKeyConstraint('application_id')
    )
    op.add_column('notices', sa.Column('detail', sa.Text(), nullable=True))
    op.alter_column('notices', 'recipient',
               existing_type=sa.VARCHAR(length=64),
               type_=sa.String(length=80),
               existing_nullable=False)


def downgrade() -> None:
    op.alter_column('notices', 'recipient',
               existing_type=sa.String(length=80),
               type_=sa.VARCHAR(length=64),
               existing_nullable=False)
    op.drop_column('notices', 'detail')
    op.drop_table('applications')
