"""audit trail: the client address sealed (a salted hash the chain covers) so that it can be erased after its
retention period (KVKK) without breaking the chain

The chain's hashes covered the address itself. This migration first checks the whole chain as it stands (and
refuses to go on if it is broken: run `cimer-audit-verify` and find out why first), then gives every address a
random salt and a seal, and computes the chain again over the seals, in id order. From here the chain verifies as
before, and an erased address (address and salt set to NULL) leaves it intact.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""
import hashlib
import json
import secrets
from collections.abc import Sequence
from datetime import UTC

import sqlalchemy as sa
from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENESIS = "0" * 64
FIELDS = ("action", "outcome", "actor_user_id", "actor_username", "actor_institution", "target", "event_id")


def _digest(previous: str, row, address_field: str, address: str | None) -> str:
    fields = {name: getattr(row, name) for name in FIELDS}
    fields["event_id"] = str(row.event_id) if row.event_id is not None else None
    fields["at"] = row.at.astimezone(UTC).isoformat(timespec="microseconds")
    fields[address_field] = address
    text = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((previous + text).encode()).hexdigest()


def upgrade() -> None:
    op.add_column('audit_log', sa.Column('client_address_salt', sa.String(length=32), nullable=True))
    op.add_column('audit_log', sa.Column('client_address_seal', sa.String(length=64), nullable=True))
    connection = op.get_bind()
    connection.execute(sa.text("LOCK TABLE audit_log IN EXCLUSIVE MODE"))  # no record appended meanwhile
    rows = connection.execute(sa.text("SELECT * FROM audit_log ORDER BY id")).all()
    previous_old = previous_new = GENESIS
    resealed = []
    for row in rows:
        if row.previous_hash != previous_old or _digest(previous_old, row, "client_address", row.client_address) != row.hash:
            raise RuntimeError(f"the audit chain is broken at record {row.id}: not resealing it (cimer-audit-verify)")
        previous_old = row.hash
        salt = secrets.token_hex(16) if row.client_address else None
        seal = hashlib.sha256(f"{salt}|{row.client_address}".encode()).hexdigest() if salt else None
        digest = _digest(previous_new, row, "client_address_seal", seal)
        resealed.append({"id": row.id, "salt": salt, "seal": seal, "previous": previous_new, "hash": digest})
        previous_new = digest
    if resealed:
        connection.execute(
            sa.text(
                "UPDATE audit_log SET client_address_salt = :salt, client_address_seal = :seal,"
                " previous_hash = :previous, hash = :hash WHERE id = :id"
            ),
            resealed,
        )


def downgrade() -> None:
    # The chain over the addresses themselves cannot come back for addresses already erased.
    raise RuntimeError("the audit chain is sealed over the addresses' seals; there is no way back")
