"""an outbox (notification now writes lines of the audit trail: what its retention job erased), and the index of
the settled notices whose texts are still kept

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'outbox',
        sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column('event_id', sa.UUID(), nullable=False),
        sa.Column('event_type', sa.String(length=64), nullable=False),
        sa.Column('envelope', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column('headers', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column('exchange', sa.String(length=64), nullable=True),
        sa.Column('routing_key', sa.String(length=128), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('event_id'),
    )
    op.create_index('ix_outbox_unpublished', 'outbox', ['id'], unique=False, postgresql_where='published_at IS NULL')
    op.create_index(
        'ix_notices_to_erase',
        'notices',
        ['created_at'],
        unique=False,
        postgresql_where="facts IS NOT NULL AND status IN ('sent', 'failed', 'skipped')",
    )


def downgrade() -> None:
    op.drop_index('ix_notices_to_erase', table_name='notices')
    op.drop_index('ix_outbox_unpublished', table_name='outbox')
    op.drop_table('outbox')
