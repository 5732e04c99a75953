"""Personal data kept no longer than needed (KVKK, Law 6698): the policy, and what every service's job shares.

Each service that keeps personal data runs `apply_retention` on a timer (`RETENTION_INTERVAL_SECONDS`): intake
erases an answered application's applicant and texts, notification what its notices were sent with, identity the
client addresses of its audit lines and sessions, and every service the delivered rows of its outbox (an event
may carry an address or, to an institution's system, an applicant). The periods are settings
(`retain_*_days`, `cimer_common.settings`). A run takes a transaction-level advisory lock first, so of several
replicas one works and the others skip; it erases at most `ERASE_AT_ONCE` rows of a kind, so a long backlog is
worked off over a few runs rather than in one long transaction; and the personal data it erased is written to the
audit trail. The delivered outbox rows alone are not: they are copies of what was sent, and a line for their
deletion would itself become an outbox row to delete, a line every run for ever; their deletion is logged.

What is erased is never counted: the reports (reporting's read model, which holds no personal data) do not change.
"""

from __future__ import annotations

import os
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from nameko.timer import timer
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from cimer_common.db import UnitOfWork
from cimer_common.settings import Settings, get_settings

log = structlog.get_logger(__name__)

RETENTION_INTERVAL_SECONDS = float(os.environ.get("RETENTION_INTERVAL_SECONDS", "600"))
ERASE_AT_ONCE = 5000


@dataclass(frozen=True)
class Retention:
    personal_data: timedelta
    notice_texts: timedelta
    delivered_outbox: timedelta
    client_addresses: timedelta

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> Retention:
        settings = settings or get_settings()
        return cls(
            personal_data=timedelta(days=settings.retain_personal_data_days),
            notice_texts=timedelta(days=settings.retain_notice_texts_days),
            delivered_outbox=timedelta(days=settings.retain_delivered_outbox_days),
            client_addresses=timedelta(days=settings.retain_client_addresses_days),
        )


def alone(session: Session, service: str) -> bool:
    """Whether this transaction is the only retention run of `service` now (the lock is held until it ends)."""
    key = zlib.crc32(f"retention:{service}".encode())
    return bool(session.scalar(select(func.pg_try_advisory_xact_lock(key))))


def due(session: Session, key: Any, oldest_first: Any, *conditions: Any) -> list[Any]:
    """The keys of at most `ERASE_AT_ONCE` rows whose time is over (`conditions`), oldest first, locked for this
    run (rows another transaction holds are left for the next)."""
    query = select(key).where(*conditions).order_by(oldest_first).limit(ERASE_AT_ONCE)
    return list(session.scalars(query.with_for_update(skip_locked=True)).all())


def erase_delivered_outbox(session: Session, outbox: Any, now: datetime, policy: Retention) -> int:
    """Delete the outbox rows published longer ago than the policy keeps them; returns how many."""
    table = outbox.__table__
    oldest = (
        select(table.c.id)
        .where(table.c.published_at < now - policy.delivered_outbox)
        .order_by(table.c.id)
        .limit(ERASE_AT_ONCE)
    )
    return session.execute(delete(table).where(table.c.id.in_(oldest.scalar_subquery()))).rowcount or 0


def summary(erased: dict[str, int]) -> str:
    """An audit line's target: what was erased, `applicants:12 outbox:40`, only the kinds that had any."""
    return " ".join(f"{kind}:{count}" for kind, count in erased.items() if count)


class AppliesRetention:
    """Mixed into the class of a service that keeps personal data: the retention job on a timer. The service says
    what it erases in `erase_expired(session, now, policy)`, which returns how many of each kind."""

    name: str
    db: UnitOfWork

    def erase_expired(self, session: Session, now: datetime, policy: Retention) -> dict[str, int]:
        raise NotImplementedError

    @timer(interval=RETENTION_INTERVAL_SECONDS)
    def apply_retention(self, at: str | None = None) -> dict[str, int] | None:
        """One run: what each kind lost; None when another replica's run holds the lock. `at` (ISO 8601) moves the
        clock, for a test or an operator who must erase as of a given day."""
        now = datetime.fromisoformat(at) if at else datetime.now(UTC)
        with self.db.transaction() as session:
            if not alone(session, self.name):
                return None
            erased = self.erase_expired(session, now, Retention.from_settings())
        if any(erased.values()):
            log.info("retention applied", **erased)
        return erased
