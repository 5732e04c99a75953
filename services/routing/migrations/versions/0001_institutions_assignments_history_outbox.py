"""institutions, assignments, history, outbox

Revision ID: 0001
Revises: 
Create Date: 2026-11-27
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('assignments',
    sa.Column('application_id', sa.UUID(), nullable=False),
    sa.Column('tracking_number', sa.String(length=12), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('institution', sa.String(length=64), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('assigned_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('application_id'),
    sa.UniqueConstraint('tracking_number')
    )
    op.create_index(op.f('ix_assignments_institution'), 'assignments', ['institution'], unique=False)
    op.create_table('institutions',
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('type', sa.String(length=32), nullable=False),
    sa.Column('province', sa.String(length=2), nullable=True),
    sa.Column('district', sa.String(length=100), nullable=True),
    sa.Column('parent', sa.String(length=64), nullable=True),
    sa.Column('ministry', sa.String(length=32), nullable=True),
    sa.Column('active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.PrimaryKeyConstraint('code')
    )
    op.create_index(op.f('ix_institutions_parent'), 'institutions', ['parent'], unique=False)
    op.create_index(op.f('ix_institutions_province'), 'institutions', ['province'], unique=False)
    op.create_index(op.f('ix_institutions_type'), 'institutions', ['type'], unique=False)
    op.create_table('outbox',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('event_id', sa.UUID(), nullable=False),
    sa.Column('event_type', sa.String(length=64), nullable=False),
    sa.Column('envelope', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('headers', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('event_id')
    )
    op.create_index('ix_outbox_unpublished', 'outbox', ['id'], unique=False, postgresql_where='published_at IS NULL')
    op.create_table('processed_events',
    sa.Column('event_id', sa.UUID(), nullable=False),
    sa.Column('event_type', sa.String(length=64), nullable=False),
    sa.Column('processed_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('event_id')
    )
    op.create_table('assignment_history',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('application_id', sa.UUID(), nullable=False),
    sa.Column('from_institution', sa.String(length=64), nullable=True),
    sa.Column('to_institution', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.String(length=16), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['assignments.application_id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_assignment_history_application', 'assignment_history', ['application_id', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_assignment_history_application', table_name='assignment_history')
    op.drop_table('assignment_history')
    op.drop_table('processed_events')
    op.drop_index('ix_outbox_unpublished', table_name='outbox', postgresql_where='published_at IS NULL')
    op.drop_table('outbox')
    op.drop_index(op.f('ix_institutions_type'), table_name='institutions')
    op.drop_index(op.f('ix_institutions_province'), table_name='institutions')
    op.drop_index(op.f('ix_institutions_parent'), table_name='institutions')
    op.drop_table('institutions')
    op.drop_index(op.f('ix_assignments_institution'), table_name='assignments')
    op.drop_table('assignments')
