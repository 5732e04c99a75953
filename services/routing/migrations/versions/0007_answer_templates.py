"""answer templates: an institution's texts with placeholders, per subject or for any, that its officers answer
from (SPEC section 12)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'answer_templates',
        sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column('institution', sa.String(length=64), nullable=False),
        sa.Column('subject', sa.String(length=32), nullable=True),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column('created_by', sa.String(length=64), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_answer_templates_institution_subject', 'answer_templates', ['institution', 'subject'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_answer_templates_institution_subject', table_name='answer_templates')
    op.drop_table('answer_templates')
