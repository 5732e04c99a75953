"""`cimer-audit-verify`: walk identity's audit trail and check its hash chain.

Exits 0 and prints how many records it checked (and the hash of the last one) when the chain is intact; exits 1
naming the first record that does not fit: a record that was changed no longer matches its own hash, and a record
deleted or slipped in breaks the link of the record after it. The command only reads; the check itself is
`identity.domain.verify_chain`.

Deleting the newest records leaves a shorter chain that is still whole: keep the printed head hash somewhere else
(a ticket, a log shipped off the machine) and compare it at the next run to catch that too.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

from sqlalchemy import Engine, create_engine, select
from sqlalchemy.orm import Session

from cimer_common.settings import get_settings
from identity import domain
from identity.models import AuditRecord

BATCH = 1000


def records(engine: Engine) -> Iterator[domain.AuditRecord]:
    """Every record in id order, streamed (a server-side cursor), as the domain sees it."""
    with Session(engine) as session:
        rows = session.scalars(select(AuditRecord).order_by(AuditRecord.id).execution_options(yield_per=BATCH))
        for row in rows:
            yield domain.AuditRecord(
                id=row.id,
                previous_hash=row.previous_hash,
                hash=row.hash,
                entry=domain.AuditEntry(
                    at=row.at,
                    action=row.action,
                    outcome=row.outcome,
                    actor_user_id=row.actor_user_id,
                    actor_username=row.actor_username,
                    actor_institution=row.actor_institution,
                    target=row.target,
                    client_address_seal=row.client_address_seal,
                    event_id=str(row.event_id) if row.event_id is not None else None,
                    client_address=row.client_address,
                    client_address_salt=row.client_address_salt,
                ),
            )


def verify(url: str) -> domain.ChainCheck:
    engine = create_engine(url)
    try:
        return domain.verify_chain(records(engine))
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if args:
        sys.exit("usage: cimer-audit-verify (the database is identity's, from the environment as for the service)")
    check = verify(get_settings().database_url("identity"))
    if check.intact:
        print(f"audit trail intact: {check.count} records, head {check.head}")
        sys.exit(0)
    print(f"audit trail broken at record {check.broken_at}: {check.problem}", file=sys.stderr)
    sys.exit(1)


if __name__ == "__main__":
    main()
