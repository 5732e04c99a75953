"""officers: recording officer, access scope, inbox index

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('applications', sa.Column('recorded_by_user', sa.String(length=64), nullable=True))
    op.add_column('applications', sa.Column('held_by', postgresql.ARRAY(sa.String(length=64)), server_default='{}', nullable=False))
    op.add_column('applications', sa.Column('coordinators', postgresql.ARRAY(sa.String(length=64)), server_default='{}', nullable=False))
    # Applications assigned before this revision have held only their present institution.
    op.execute("UPDATE applications SET held_by = ARRAY[institution] WHERE institution IS NOT NULL")
    op.create_index('ix_applications_inbox', 'applications', ['institution', 'deadline', 'received_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_applications_inbox', table_name='applications')
    op.drop_column('applications', 'coordinators')
    op.drop_column('applications', 'held_by')
    op.drop_column('applications', 'recorded_by_user')
