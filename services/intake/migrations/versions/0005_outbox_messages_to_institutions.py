"""outbox rows may be messages to an institution's own system: their exchange and routing key

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('outbox', sa.Column('exchange', sa.String(length=64), nullable=True))
    op.add_column('outbox', sa.Column('routing_key', sa.String(length=128), nullable=True))


def downgrade() -> None:
    op.drop_column('outbox', 'routing_key')
    op.drop_column('outbox', 'exchange')
