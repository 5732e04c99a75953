"""duplicates: the pairs of open applications found close to each other, what the scan has checked, and the
indexes its queries need (SPEC section 12)

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30

- pg_trgm (a trusted extension, which the database's owner, who runs the migrations, may create) for the
  similarity of two texts, as routing's directory search has it;
- `applications.duplicates_checked_at`: the applications there before this revision count as checked (the column
  is added with a default, which PostgreSQL keeps without rewriting the table, then the default is dropped so that
  a new application starts unchecked), except the recent open ones, which the scan checks once;
- the partial index of the unchecked applications, the open ones by subject and province (the texts compared), and
  the applicants by national ID.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
    op.add_column(
        'applications',
        sa.Column('duplicates_checked_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=True),
    )
    op.alter_column('applications', 'duplicates_checked_at', server_default=None)
    op.execute(
        "UPDATE applications SET duplicates_checked_at = NULL "
        "WHERE status IN ('received', 'assigned') AND received_at > now() - interval '30 days'"
    )
    op.create_index(
        'ix_applications_duplicates_unchecked',
        'applications',
        ['received_at'],
        unique=False,
        postgresql_where=sa.text('duplicates_checked_at IS NULL'),
    )
    op.create_index(
        'ix_applications_open_subject_place',
        'applications',
        ['subject', 'province', 'received_at'],
        unique=False,
        postgresql_where=sa.text("status IN ('received', 'assigned')"),
    )
    op.create_index('ix_applicants_national_id', 'applicants', ['national_id'], unique=False)
    op.create_table(
        'duplicate_links',
        sa.Column('application_id', postgresql.UUID(), nullable=False),
        sa.Column('other_id', postgresql.UUID(), nullable=False),
        sa.Column('same_applicant', sa.Boolean(), nullable=False),
        sa.Column('similar_text', sa.Boolean(), nullable=False),
        sa.Column('similarity', sa.Float(), nullable=False),
        sa.Column('state', sa.String(length=16), server_default='flagged', nullable=False),
        sa.Column('flagged_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('decided_by', sa.String(length=64), nullable=True),
        sa.Column('decided_institution', sa.String(length=64), nullable=True),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint('application_id <> other_id', name='ck_duplicate_links_pair'),
        sa.CheckConstraint('same_applicant OR similar_text', name='ck_duplicate_links_reason'),
        sa.CheckConstraint("state IN ('flagged', 'linked', 'unlinked')", name='ck_duplicate_links_state'),
        sa.ForeignKeyConstraint(['application_id'], ['applications.id']),
        sa.ForeignKeyConstraint(['other_id'], ['applications.id']),
        sa.PrimaryKeyConstraint('application_id', 'other_id'),
    )
    op.create_index('ix_duplicate_links_other', 'duplicate_links', ['other_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_duplicate_links_other', table_name='duplicate_links')
    op.drop_table('duplicate_links')
    op.drop_index('ix_applicants_national_id', table_name='applicants')
    op.drop_index('ix_applications_open_subject_place', table_name='applications')
    op.drop_index('ix_applications_duplicates_unchecked', table_name='applications')
    op.drop_column('applications', 'duplicates_checked_at')
    # pg_trgm stays: the database may have other uses for it, and dropping an extension is an operator's call.
