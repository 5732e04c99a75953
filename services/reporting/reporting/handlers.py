"""Reporting's use cases: plain functions over a SQLAlchemy session, called by `service.py` inside a transaction.

The two events about an application come from different producers and can arrive in either order, so each one
upserts the row and sets only the fields it knows.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from cimer_common.events import ApplicationAssigned, ApplicationReceived
from reporting import domain
from reporting.models import Application


def record_received(session: Session, event: ApplicationReceived) -> None:
    known = {
        "period": domain.period_of(event.received_at),
        "received_at": event.received_at,
        "kind": event.kind,
        "petition_type": event.petition_type,
        "subject": event.subject,
        "channel": event.channel,
        "province": event.province,
        "deadline": event.deadline,
    }
    stmt = insert(Application).values(application_id=event.application_id, **known)
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=[Application.application_id],
            set_={name: stmt.excluded[name] for name in known},
        )
    )


def record_assignment(session: Session, event: ApplicationAssigned) -> None:
    first = event.institution if event.reason == domain.INITIAL else None
    stmt = insert(Application).values(
        application_id=event.application_id,
        first_institution=first,
        institution=event.institution,
        assigned_at=event.assigned_at,
    )
    # Forwards can overtake one another on redelivery: the holder is whoever got it last, by assignment time.
    newer = (Application.assigned_at.is_(None)) | (stmt.excluded.assigned_at >= Application.assigned_at)
    changes: dict[str, Any] = {
        "institution": case((newer, stmt.excluded.institution), else_=Application.institution),
        "assigned_at": case((newer, stmt.excluded.assigned_at), else_=Application.assigned_at),
    }
    if first is not None:
        changes["first_institution"] = stmt.excluded.first_institution
    session.execute(stmt.on_conflict_do_update(index_elements=[Application.application_id], set_=changes))


def monthly_received(session: Session, period: str, institution: str | None = None) -> dict[str, Any]:
    """Applications received in `period` whose first destination was `institution`; the whole state when None."""
    domain.check_period(period)
    query = (
        select(Application.kind, Application.subject, Application.channel, func.count())
        .where(Application.period == period)
        .group_by(Application.kind, Application.subject, Application.channel)
    )
    if institution is not None:
        query = query.where(Application.first_institution == institution)
    # A row with a period came from `application_received`, which always carries these three.
    groups = [
        (kind, subject, channel, count)
        for kind, subject, channel, count in session.execute(query)
        if kind is not None and subject is not None and channel is not None
    ]
    return domain.monthly_received(period, institution, groups)
