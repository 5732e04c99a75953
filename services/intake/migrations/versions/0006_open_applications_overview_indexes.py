"""open applications: indexes for a coordinator's overview

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30

`overview` counts the open (`assigned`) applications by holder and deadline: for the Presidency over all of them,
from a partial (institution, deadline) index without reading the table; for another coordinator over those whose
`held_by || coordinators` name its institution, through a partial GIN index over that very expression
(`intake/models.py`). Both hold open applications only: an answered one leaves them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_applications_open",
        "applications",
        ["institution", "deadline"],
        unique=False,
        postgresql_where=sa.text("status = 'assigned'"),
    )
    op.create_index(
        "ix_applications_open_scope",
        "applications",
        [sa.text("(held_by || coordinators)")],
        unique=False,
        postgresql_using="gin",
        postgresql_where=sa.text("status = 'assigned'"),
    )


def downgrade() -> None:
    op.drop_index(
        "ix_applications_open_scope",
        table_name="applications",
        postgresql_using="gin",
        postgresql_where=sa.text("status = 'assigned'"),
    )
    op.drop_index("ix_applications_open", table_name="applications", postgresql_where=sa.text("status = 'assigned'"))
