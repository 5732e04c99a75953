"""Intake's use cases: plain functions over a SQLAlchemy session, called by `service.py` inside a transaction."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cimer_common import access, calendar
from cimer_common.access import Action, ApplicationScope
from cimer_common.errors import NotFound
from cimer_common.events import ActivityRecorded, ApplicationAssigned, ApplicationReceived
from cimer_common.outbox import OutboxWriter
from cimer_common.schemas import ApplicationCreate
from cimer_common.tokens import Principal
from intake import domain
from intake.models import Applicant, Application, HistoryEntry, tracking_sequence


def file_application(
    session: Session,
    outbox: OutboxWriter,
    request: ApplicationCreate,
    pepper: str,
    officer: Principal | None = None,
) -> dict[str, Any]:
    """Check, number and store an application, and announce it; returns what the applicant is told once."""
    request = domain.recording_officer_rules(request, officer)
    recorded_by = officer.institution if officer and request.channel != "web" else None
    domain.check(request)
    received_at = datetime.now(UTC)
    number = domain.tracking_number(received_at, session.execute(tracking_sequence.next_value()).scalar_one())
    access_code = domain.new_access_code()
    application = Application(
        tracking_number=number,
        access_code_hash=domain.hash_access_code(pepper, number, access_code),
        kind=request.kind,
        petition_type=request.petition_type,
        channel=request.channel,
        subject=request.subject,
        title=request.title,
        body=request.body,
        province=request.province,
        district=domain.canonical_district(request),
        target_institution=request.target_institution,
        recorded_by=recorded_by,
        recorded_by_user=officer.username if recorded_by and officer else None,
        anonymous=request.applicant is None,
        confidential=request.confidential,
        language=request.language,
        official_name=request.official.name if request.official else None,
        official_rank=request.official.rank if request.official else None,
        official_institution=request.official.institution if request.official else None,
        status="received",
        received_at=received_at,
        deadline=calendar.deadline(request.kind, received_at),
    )
    if request.applicant is not None:
        application.applicant = Applicant(**request.applicant.model_dump())
    application.history.append(HistoryEntry(at=received_at, status="received", institution=None))
    session.add(application)
    session.flush()
    reachable = bool(request.applicant and (request.applicant.email or request.applicant.phone))
    outbox.add(
        session,
        "application_received",
        ApplicationReceived(
            application_id=application.id,
            tracking_number=number,
            kind=request.kind,
            petition_type=request.petition_type,
            channel=request.channel,
            subject=request.subject,
            province=request.province,
            district=application.district,
            target_institution=request.target_institution,
            recorded_by=recorded_by,
            official_rank=application.official_rank,
            official_institution=application.official_institution,
            anonymous=application.anonymous,
            confidential=application.confidential,
            reachable=reachable,
            language=request.language,
            received_at=received_at,
            deadline=application.deadline,
        ),
    )
    return {
        "tracking_number": number,
        "access_code": access_code,
        "status": application.status,
        "deadline": application.deadline.isoformat(),
    }


def record_assignment(session: Session, event: ApplicationAssigned) -> None:
    application = session.get(Application, event.application_id, with_for_update=True)
    if application is None:
        # Routing only assigns what intake announced, so this is a broken invariant, not a race: fail loudly
        # and let the message be retried rather than forget the assignment.
        raise LookupError(f"assignment for unknown application {event.application_id}")
    if application.status in ("answered", "closed"):
        return
    application.status = "assigned"
    application.institution = event.institution
    application.held_by = sorted({*application.held_by, event.institution})
    application.coordinators = sorted({*application.coordinators, *event.coordinators})
    application.updated_at = datetime.now(UTC)
    application.history.append(HistoryEntry(at=event.assigned_at, status="assigned", institution=event.institution))


def status(session: Session, tracking_number: str, access_code: str, pepper: str) -> dict[str, Any]:
    """The public status; a wrong pair is answered exactly like a number that does not exist."""
    number = domain.normalise_tracking_number(tracking_number)
    application = None
    if number is not None:
        application = session.scalars(select(Application).where(Application.tracking_number == number)).first()
    # Compare against a hash even when there is no such application, so the time taken does not tell them apart.
    stored = application.access_code_hash if application else "0" * 64
    matches = domain.access_code_matches(pepper, number or "", access_code, stored)
    if application is None or not matches:
        raise NotFound("application_not_found")
    return {
        "tracking_number": application.tracking_number,
        "status": application.status,
        "kind": application.kind,
        "received_at": application.received_at.isoformat(),
        "deadline": application.deadline.isoformat(),
        "institution": application.institution,
        "history": [
            {"at": h.at.isoformat(), "status": h.status, "institution": h.institution} for h in application.history
        ],
        "answer": None,
    }


def scope_of(application: Application) -> ApplicationScope:
    return ApplicationScope(
        holder=application.institution,
        held_by=frozenset(application.held_by),
        coordinators=frozenset(application.coordinators),
    )


def _summary(application: Application) -> dict[str, Any]:
    return {
        "tracking_number": application.tracking_number,
        "kind": application.kind,
        "petition_type": application.petition_type,
        "channel": application.channel,
        "subject": application.subject,
        "title": application.title,
        "province": application.province,
        "district": application.district,
        "status": application.status,
        "institution": application.institution,
        "received_at": application.received_at.isoformat(),
        "deadline": application.deadline.isoformat(),
        "anonymous": application.anonymous,
        "confidential": application.confidential,
    }


def inbox(session: Session, officer: Principal, limit: int, offset: int) -> dict[str, Any]:
    """What the officer's institution holds now, the nearest deadline first. No personal data: a list is not a
    reason to see who applied; opening one application is, and is audited."""
    access.require(officer, Action.LIST_INBOX)
    held_here = Application.institution == officer.institution
    total = session.scalar(select(func.count()).select_from(Application).where(held_here))
    rows = session.scalars(
        select(Application)
        .where(held_here)
        .order_by(Application.deadline, Application.received_at)
        .limit(limit)
        .offset(offset)
    )
    return {"total": total, "limit": limit, "offset": offset, "items": [_summary(a) for a in rows]}


def application_for_officer(
    session: Session, outbox: OutboxWriter, officer: Principal, tracking_number: str, client_address: str | None
) -> dict[str, Any]:
    """The whole application, if it is or was within the officer's reach; the read is recorded for the audit.

    Outside their reach it is answered as missing, so an officer cannot learn what exists elsewhere."""
    number = domain.normalise_tracking_number(tracking_number)
    application = (
        session.scalars(select(Application).where(Application.tracking_number == number)).first() if number else None
    )
    if application is None or not access.allowed(officer, Action.READ_APPLICATION, scope := scope_of(application)):
        raise NotFound("application_not_found")
    personal = application.applicant
    applicant = domain.applicant_view(
        {
            "national_id": personal.national_id,
            "first_name": personal.first_name,
            "last_name": personal.last_name,
            "email": personal.email,
            "phone": personal.phone,
            "address": personal.address,
        }
        if personal
        else None,
        application.confidential,
        officer,
        scope,
    )
    shows_personal_data = applicant is not None and "first_name" in applicant
    outbox.add(
        session,
        "activity_recorded",
        ActivityRecorded(
            actor_user_id=officer.user_id,
            actor_username=officer.username,
            actor_institution=officer.institution,
            action="read_personal_data" if shows_personal_data else "read_application",
            target=application.tracking_number,
            client_address=client_address,
            at=datetime.now(UTC),
        ),
    )
    return {
        **_summary(application),
        "body": application.body,
        "target_institution": application.target_institution,
        "recorded_by": application.recorded_by,
        "official": {
            "name": application.official_name,
            "rank": application.official_rank,
            "institution": application.official_institution,
        }
        if application.official_name
        else None,
        "applicant": applicant,
        "held_by": application.held_by,
        "history": [
            {"at": h.at.isoformat(), "status": h.status, "institution": h.institution} for h in application.history
        ],
    }
