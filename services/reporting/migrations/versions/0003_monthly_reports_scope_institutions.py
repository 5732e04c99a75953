"""monthly reports, scope, institutions

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
    op.create_table('institutions',
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('coordinators', postgresql.ARRAY(sa.String(length=64)), server_default=sa.text("'{}'"), nullable=False),
    sa.Column('seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('code')
    )
    op.create_table('monthly_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('institution', sa.String(length=64), nullable=False),
    sa.Column('report', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('produced_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('period', 'institution', name='uq_monthly_reports_period_institution')
    )
    op.add_column('applications', sa.Column('scope', postgresql.ARRAY(sa.String(length=64)), server_default=sa.text("'{}'"), nullable=False))
    # Rows from before: the holders known (first and current); the coordinators come with the next assignment.
    op.execute(
        "UPDATE applications SET scope = ARRAY(SELECT DISTINCT code FROM unnest(ARRAY[first_institution, institution]) "
        "AS code WHERE code IS NOT NULL ORDER BY code)"
    )
    op.create_index('ix_applications_answered_at', 'applications', ['answered_at'], unique=False, postgresql_include=['received_at', 'outcome', 'deadline', 'scope'])
    op.create_index('ix_applications_period_figures', 'applications', ['period'], unique=False, postgresql_include=['kind', 'subject', 'channel', 'scope'])
    op.create_index('ix_applications_scope', 'applications', ['scope'], unique=False, postgresql_using='gin')
    op.create_index('ix_applications_unanswered_received_at', 'applications', ['received_at'], unique=False, postgresql_where=sa.text('answered_at IS NULL'), postgresql_include=['deadline', 'scope'])


def downgrade() -> None:
    op.drop_index('ix_applications_unanswered_received_at', table_name='applications', postgresql_where=sa.text('answered_at IS NULL'), postgresql_include=['deadline', 'scope'])
    op.drop_index('ix_applications_scope', table_name='applications', postgresql_using='gin')
    op.drop_index('ix_applications_period_figures', table_name='applications', postgresql_include=['kind', 'subject', 'channel', 'scope'])
    op.drop_index('ix_applications_answered_at', table_name='applications', postgresql_include=['received_at', 'outcome', 'deadline', 'scope'])
    op.drop_column('applications', 'scope')
    op.drop_table('monthly_reports')
    op.drop_table('institutions')
