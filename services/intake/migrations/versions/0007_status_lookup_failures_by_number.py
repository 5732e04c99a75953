"""status look-up failures counted by tracking number too

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('status_lookup_failures', sa.Column('tracking_number', sa.String(length=12), nullable=True))
    op.create_index(
        'ix_status_lookup_failures_number_at', 'status_lookup_failures', ['tracking_number', 'at'], unique=False
    )


def downgrade() -> None:
    op.drop_index('ix_status_lookup_failures_number_at', table_name='status_lookup_failures')
    op.drop_column('status_lookup_failures', 'tracking_number')
