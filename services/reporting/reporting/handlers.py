"""Reporting's use cases: plain functions over a SQLAlchemy session, called by `service.py` inside a transaction.

The events about an application come from different producers and can arrive in any order, so each one upserts
the row and sets only the fields it knows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from cimer_common.events import (
    ApplicationAnswered,
    ApplicationAssigned,
    ApplicationReceived,
    DeadlineExtended,
    DeadlinePassed,
)
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
    changes: dict[str, Any] = {name: stmt.excluded[name] for name in known}
    # An extension that arrived first has already set the deadline that holds now.
    changes["deadline"] = case((Application.extended_at.is_(None), stmt.excluded.deadline), else_=Application.deadline)
    session.execute(stmt.on_conflict_do_update(index_elements=[Application.application_id], set_=changes))


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


def _first_wins(session: Session, application_id: Any, stamp: str, values: dict[str, Any]) -> None:
    """Upsert `values` (stamped by the column `stamp`) unless the row already has a `stamp`: the first fact wins,
    and a fact arriving before `application_received` makes the row, which that event completes later."""
    stmt = insert(Application).values(application_id=application_id, **values)
    unset = getattr(Application, stamp).is_(None)
    changes = {name: case((unset, stmt.excluded[name]), else_=getattr(Application, name)) for name in values}
    session.execute(stmt.on_conflict_do_update(index_elements=[Application.application_id], set_=changes))


def record_answer(session: Session, event: ApplicationAnswered) -> None:
    """The first answer counts (routing answers once); the holder is the answering institution."""
    _first_wins(
        session,
        event.application_id,
        "answered_at",
        {"answered_at": event.answered_at, "outcome": event.outcome, "answered_by": event.institution},
    )


def record_extension(session: Session, event: DeadlineExtended) -> None:
    """The extended deadline replaces the original, once (an information request is extended only once)."""
    _first_wins(
        session, event.application_id, "extended_at", {"extended_at": event.extended_at, "deadline": event.deadline}
    )


def record_overdue(session: Session, event: DeadlinePassed, occurred_at: datetime) -> None:
    """Overdue from the first `deadline_passed` on; `overdue_at` is when routing saw the deadline pass (the
    envelope's `occurred_at`: the payload carries the deadline, not a time)."""
    _first_wins(session, event.application_id, "overdue_at", {"overdue_at": occurred_at})


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
