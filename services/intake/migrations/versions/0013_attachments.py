"""attachments: files with an application or its answer, kept outside the database by their SHA-256

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('attachments',
    sa.Column('id', postgresql.UUID(), nullable=False),
    sa.Column('application_id', postgresql.UUID(), nullable=False),
    sa.Column('side', sa.String(length=16), nullable=False),
    sa.Column('institution', sa.String(length=64), nullable=True),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=64), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_by', sa.String(length=64), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_attachments_application', 'attachments', ['application_id', 'uploaded_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_attachments_application', table_name='attachments')
    op.drop_table('attachments')
