"""delivery log, assignments, digests

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('assignments',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('application_id', sa.UUID(), nullable=False),
    sa.Column('tracking_number', sa.String(length=12), nullable=False),
    sa.Column('institution', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.String(length=16), nullable=False),
    sa.Column('assigned_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('application_id', 'institution', 'assigned_at', name='uq_assignments_fact')
    )
    op.create_index('ix_assignments_application_assigned_at', 'assignments', ['application_id', 'assigned_at'], unique=False)
    op.create_index('ix_assignments_institution_assigned_at', 'assignments', ['institution', 'assigned_at'], unique=False)
    op.create_table('digests',
    sa.Column('institution', sa.String(length=64), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('notice_id', sa.UUID(), nullable=False),
    sa.PrimaryKeyConstraint('institution', 'day')
    )
    op.create_table('deliveries',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('notice_id', sa.UUID(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('target', sa.String(length=80), nullable=False),
    sa.Column('recipient', sa.String(length=120), nullable=True),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('result', sa.String(length=16), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['notice_id'], ['notices.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_deliveries_notice_id'), 'deliveries', ['notice_id'], unique=False)
    op.add_column('applications', sa.Column('kind', sa.String(length=32), nullable=True))
    op.add_column('applications', sa.Column('received_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('applications', sa.Column('deadline', sa.Date(), nullable=True))
    op.add_column('applications', sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('notices', sa.Column('facts', postgresql.JSONB(astext_type=sa.Text()), nullable=True))
    op.add_column('notices', sa.Column('attempts', sa.Integer(), server_default='0', nullable=False))
    op.add_column('notices', sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('notices', sa.Column('last_error', sa.Text(), nullable=True))
    op.add_column('notices', sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True))
    op.alter_column('notices', 'application_id',
               existing_type=sa.UUID(),
               nullable=True)
    op.alter_column('notices', 'tracking_number',
               existing_type=sa.VARCHAR(length=12),
               nullable=True)
    op.create_index('ix_notices_due', 'notices', ['next_attempt_at'], unique=False, postgresql_where="status IN ('pending', 'sending')")


def downgrade() -> None:
    op.drop_index('ix_notices_due', table_name='notices', postgresql_where="status IN ('pending', 'sending')")
    op.alter_column('notices', 'tracking_number',
               existing_type=sa.VARCHAR(length=12),
               nullable=False)
    op.alter_column('notices', 'application_id',
               existing_type=sa.UUID(),
               nullable=False)
    op.drop_column('notices', 'sent_at')
    op.drop_column('notices', 'last_error')
    op.drop_column('notices', 'next_attempt_at')
    op.drop_column('notices', 'attempts')
    op.drop_column('notices', 'facts')
    op.drop_column('applications', 'answered_at')
    op.drop_column('applications', 'deadline')
    op.drop_column('applications', 'received_at')
    op.drop_column('applications', 'kind')
    op.drop_index(op.f('ix_deliveries_notice_id'), table_name='deliveries')
    op.drop_table('deliveries')
    op.drop_table('digests')
    op.drop_index('ix_assignments_institution_assigned_at', table_name='assignments')
    op.drop_index('ix_assignments_application_assigned_at', table_name='assignments')
    op.drop_table('assignments')
