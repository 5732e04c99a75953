"""Notification's use cases: plain functions over a SQLAlchemy session, called by `service.py` inside a
transaction."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from cimer_common.errors import InvalidRequest
from cimer_common.events import ApplicationReceived
from notification import domain
from notification.models import Notice


def record_received(session: Session, event: ApplicationReceived) -> int:
    """Record the notices the applicant is owed for a new application; returns how many were new."""
    recorded = 0
    for due in domain.notices_for_received(event):
        # The unique constraint keeps a notice single even if the same fact arrives in a different envelope.
        stmt = (
            insert(Notice)
            .values(
                id=uuid.uuid4(),
                application_id=event.application_id,
                tracking_number=event.tracking_number,
                kind=due.kind,
                recipient=due.recipient,
                language=due.language,
                status=domain.PENDING,
            )
            .on_conflict_do_nothing(constraint="uq_notices_application_kind_recipient")
            .returning(Notice.id)
        )
        if session.execute(stmt).first() is not None:
            recorded += 1
    return recorded


def notices_for(session: Session, application_id: str) -> list[dict[str, Any]]:
    try:
        key = uuid.UUID(application_id)
    except (ValueError, TypeError, AttributeError):
        raise InvalidRequest("invalid_application_id", "application_id") from None
    notices = session.scalars(
        select(Notice).where(Notice.application_id == key).order_by(Notice.created_at, Notice.kind)
    )
    return [
        {
            "kind": n.kind,
            "recipient": n.recipient,
            "language": n.language,
            "status": n.status,
            "created_at": n.created_at.isoformat(),
        }
        for n in notices
    ]
