"""directory search and filter indexes

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27

`list_institutions` stays fast for the whole state's ~60,000 units:
- trigram indexes (pg_trgm, a trusted extension that a database owner may create) over the folded code and name
  that its `q` search compares, without GIN's pending list (a read-mostly table; see `routing/models.py`); the
  expressions must stay those of `routing.models.folded`, or the planner could no longer use them;
- (type, code) and (province, code) in place of (type) and (province), so a filtered page comes in code order
  without a sort.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CODE_FOLDED = "upper(regexp_replace(translate(code, 'çğıöşüÇĞİÖŞÜâîûÂÎÛ', 'cgiosuCGIOSUaiuAIU'), '[^[:alnum:]]', '', 'g'))"
NAME_FOLDED = "upper(regexp_replace(translate(name, 'çğıöşüÇĞİÖŞÜâîûÂÎÛ', 'cgiosuCGIOSUaiuAIU'), '[^[:alnum:]]', '', 'g'))"


def upgrade() -> None:
    op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
    op.create_index('ix_institutions_code_folded_trgm', 'institutions', [sa.literal_column(CODE_FOLDED).label('code_folded')], unique=False, postgresql_using='gin', postgresql_ops={'code_folded': 'gin_trgm_ops'}, postgresql_with={'fastupdate': 'off'})
    op.create_index('ix_institutions_name_folded_trgm', 'institutions', [sa.literal_column(NAME_FOLDED).label('name_folded')], unique=False, postgresql_using='gin', postgresql_ops={'name_folded': 'gin_trgm_ops'}, postgresql_with={'fastupdate': 'off'})
    op.create_index('ix_institutions_province_code', 'institutions', ['province', 'code'], unique=False)
    op.create_index('ix_institutions_type_code', 'institutions', ['type', 'code'], unique=False)
    op.drop_index(op.f('ix_institutions_province'), table_name='institutions')
    op.drop_index(op.f('ix_institutions_type'), table_name='institutions')


def downgrade() -> None:
    op.create_index(op.f('ix_institutions_type'), 'institutions', ['type'], unique=False)
    op.create_index(op.f('ix_institutions_province'), 'institutions', ['province'], unique=False)
    op.drop_index('ix_institutions_type_code', table_name='institutions')
    op.drop_index('ix_institutions_province_code', table_name='institutions')
    op.drop_index('ix_institutions_name_folded_trgm', table_name='institutions')
    op.drop_index('ix_institutions_code_folded_trgm', table_name='institutions')
    # pg_trgm stays: the database may have other uses for it, and dropping an extension is an operator's call.
