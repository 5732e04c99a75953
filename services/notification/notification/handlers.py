"""Notification's use cases: plain functions over a SQLAlchemy session, called by `service.py` inside a
transaction."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from cimer_common.errors import InvalidRequest
from cimer_common.events import (
    ApplicationAnswered,
    ApplicationReceived,
    DeadlineApproaching,
    DeadlineExtended,
    DeadlinePassed,
)
from notification import domain
from notification.models import KnownApplication, Notice


def _record(session: Session, application_id: uuid.UUID, tracking_number: str, dues: list[domain.NoticeDue]) -> int:
    """Record `dues`; returns how many were new. The unique constraint keeps a notice single even if the same
    fact arrives in a different envelope."""
    recorded = 0
    for due in dues:
        stmt = (
            insert(Notice)
            .values(
                id=uuid.uuid4(),
                application_id=application_id,
                tracking_number=tracking_number,
                kind=due.kind,
                recipient=due.recipient,
                language=due.language,
                status=due.status,
                detail=due.detail,
            )
            .on_conflict_do_nothing(constraint="uq_notices_application_kind_recipient")
            .returning(Notice.id)
        )
        if session.execute(stmt).first() is not None:
            recorded += 1
    return recorded


def _reach(session: Session, application_id: uuid.UUID) -> domain.Reach | None:
    known = session.get(KnownApplication, application_id)
    if known is None:
        return None
    return domain.Reach(can_be_told=not known.anonymous and known.reachable, language=known.language)


def record_received(session: Session, event: ApplicationReceived) -> int:
    """Remember how to reach the applicant, record the receipt they are owed, and settle the applicant notices
    held because they arrived first: pending (in the applicant's language) if the applicant can be told, dropped
    if not. Returns how many notices were new."""
    session.execute(
        insert(KnownApplication)
        .values(
            application_id=event.application_id,
            tracking_number=event.tracking_number,
            anonymous=event.anonymous,
            reachable=event.reachable,
            language=event.language,
        )
        .on_conflict_do_nothing(index_elements=["application_id"])
    )
    held = (Notice.application_id == event.application_id) & (Notice.status == domain.HELD)
    if domain.applicant_can_be_told(event):
        session.execute(update(Notice).where(held).values(status=domain.PENDING, language=event.language))
    else:
        session.execute(delete(Notice).where(held))
    return _record(session, event.application_id, event.tracking_number, domain.notices_for_received(event))


def record_answered(session: Session, event: ApplicationAnswered) -> int:
    dues = domain.applicant_notice(domain.ANSWER, _reach(session, event.application_id))
    return _record(session, event.application_id, event.tracking_number, dues)


def record_extended(session: Session, event: DeadlineExtended) -> int:
    dues = domain.applicant_notice(domain.EXTENSION, _reach(session, event.application_id), detail=event.reason)
    return _record(session, event.application_id, event.tracking_number, dues)


def record_approaching(session: Session, event: DeadlineApproaching) -> int:
    return _record(session, event.application_id, event.tracking_number, domain.notices_for_approaching(event))


def record_passed(session: Session, event: DeadlinePassed) -> int:
    return _record(session, event.application_id, event.tracking_number, domain.notices_for_passed(event))


def notices_for(session: Session, application_id: str) -> list[dict[str, Any]]:
    try:
        key = uuid.UUID(application_id)
    except (ValueError, TypeError, AttributeError):
        raise InvalidRequest("invalid_application_id", "application_id") from None
    notices = session.scalars(
        select(Notice).where(Notice.application_id == key).order_by(Notice.created_at, Notice.kind, Notice.recipient)
    )
    return [
        {
            "kind": n.kind,
            "recipient": n.recipient,
            "language": n.language,
            "status": n.status,
            "detail": n.detail,
            "created_at": n.created_at.isoformat(),
        }
        for n in notices
    ]
