"""after the answer: appeals to the information review board, closing when the appeal window is over; the
officer's note kept with each move

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
    op.add_column('assignments', sa.Column('appealed_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('assignments', sa.Column('appealed_from', sa.String(length=64), nullable=True))
    op.add_column('assignments', sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True))
    # The officer's note with a move: a send-up's reason, the board's order.
    op.add_column('assignment_history', sa.Column('note', sa.Text(), nullable=True))
    # The closing watch reads the answered applications, oldest answer first.
    op.create_index('ix_assignments_answered', 'assignments', ['answered_at'], unique=False,
                    postgresql_where=sa.text("status = 'answered'"))


def downgrade() -> None:
    op.drop_index('ix_assignments_answered', table_name='assignments', postgresql_where=sa.text("status = 'answered'"))
    op.drop_column('assignment_history', 'note')
    op.drop_column('assignments', 'closed_at')
    op.drop_column('assignments', 'appealed_from')
    op.drop_column('assignments', 'appealed_at')
