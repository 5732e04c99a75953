"""after the answer: closing, the applicant's appeal to the information review board, the applicant's rating

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (
    ('closed_at', sa.DateTime(timezone=True)),
    ('appealed_at', sa.DateTime(timezone=True)),
    ('appeal_reason', sa.Text()),
    ('appeal_decision', sa.String(length=16)),
    ('feedback_rating', sa.SmallInteger()),
    ('feedback_solved', sa.Boolean()),
    ('feedback_comment', sa.Text()),
    ('feedback_at', sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    for name, type_ in COLUMNS:
        op.add_column('applications', sa.Column(name, type_, nullable=True))
    op.create_check_constraint(
        'ck_applications_feedback_rating', 'applications', 'feedback_rating IS NULL OR feedback_rating BETWEEN 1 AND 5'
    )


def downgrade() -> None:
    op.drop_constraint('ck_applications_feedback_rating', 'applications', type_='check')
    for name, _ in reversed(COLUMNS):
        op.drop_column('applications', name)
