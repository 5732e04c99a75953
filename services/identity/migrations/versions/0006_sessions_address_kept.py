"""sessions: the index of those whose client address or browser is still kept (KVKK retention), so the job
never reads the whole table

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
    op.create_index(
        'ix_sessions_address_kept',
        'sessions',
        ['expires_at'],
        unique=False,
        postgresql_where=sa.text('client_address IS NOT NULL OR user_agent IS NOT NULL'),
    )


def downgrade() -> None:
    op.drop_index('ix_sessions_address_kept', table_name='sessions')
