"""directory version: a token replaced by a trigger on every change to institutions

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('directory_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.UUID(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    # A random token rather than a counter: a directory emptied and seeded again (a test, a restore) never comes
    # back to a token a process still holds.
    op.execute("""
        CREATE FUNCTION directory_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO directory_version (id, token) VALUES (1, gen_random_uuid())
            ON CONFLICT (id) DO UPDATE SET token = excluded.token;
            RETURN NULL;
        END $$
    """)
    op.execute("""
        CREATE TRIGGER institutions_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON institutions
        FOR EACH STATEMENT EXECUTE FUNCTION directory_changed()
    """)
    op.execute("INSERT INTO directory_version (id, token) VALUES (1, gen_random_uuid())")


def downgrade() -> None:
    op.execute("DROP TRIGGER institutions_changed ON institutions")
    op.execute("DROP FUNCTION directory_changed()")
    op.drop_table('directory_version')
