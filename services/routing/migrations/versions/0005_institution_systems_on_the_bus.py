"""institutions' systems on the bus: which are plugged in, the commands they sent, outbox rows to them

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
    op.add_column('institutions', sa.Column('system_plugged', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_table('institution_commands',
    sa.Column('institution', sa.String(length=64), nullable=False),
    sa.Column('command_id', sa.String(length=100), nullable=False),
    sa.Column('command', sa.String(length=16), nullable=False),
    sa.Column('tracking_number', sa.String(length=20), nullable=True),
    sa.Column('outcome', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('institution', 'command_id')
    )
    op.add_column('outbox', sa.Column('exchange', sa.String(length=64), nullable=True))
    op.add_column('outbox', sa.Column('routing_key', sa.String(length=128), nullable=True))


def downgrade() -> None:
    op.drop_column('outbox', 'routing_key')
    op.drop_column('outbox', 'exchange')
    op.drop_table('institution_commands')
    op.drop_column('institutions', 'system_plugged')
