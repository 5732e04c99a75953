"""Notification's use cases: plain functions over a SQLAlchemy session, called by `service.py` inside a
transaction."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import String, Uuid, any_, bindparam, delete, exists, func, select, update
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.orm import Session

from cimer_common import retention
from cimer_common.db import Compiled, unnested
from cimer_common.errors import InvalidRequest
from cimer_common.events import (
    ActivityRecorded,
    ApplicationAnswered,
    ApplicationAssigned,
    ApplicationReceived,
    DeadlineApproaching,
    DeadlineExtended,
    DeadlinePassed,
    MonthlyReportProduced,
)
from cimer_common.outbox import OutboxWriter
from cimer_common.retention import Retention
from notification import domain
from notification.models import Assignment, Delivery, Digest, KnownApplication, Notice, OutboxMessage

# Days, for the digest, are Turkey's days.
LOCAL_TIME = ZoneInfo("Europe/Istanbul")
STATUS_BATCH = 500


# The statements every event runs, built once with bound parameters and run on the tables: building them anew and
# the ORM's insert path cost more than running them (`bench/profile.py`).
NOTICES = Notice.__table__
NOTICE_FIELDS = (
    "id",
    "application_id",
    "tracking_number",
    "kind",
    "recipient",
    "language",
    "status",
    "detail",
    "facts",
)
RECORD_NOTICE = (
    insert(NOTICES)
    .values({column.name: bindparam(column.name) for column in NOTICES.columns if column.name in NOTICE_FIELDS})
    .on_conflict_do_nothing(constraint="uq_notices_application_kind_recipient")
    .returning(NOTICES.c.id)
)
KNOWN = KnownApplication.__table__
# (its parameters named apart from the columns of the statement it is a CTE of, which SQLAlchemy reserves)
KNOWN_FIELDS = tuple(column.name for column in KNOWN.columns if column.name != "answered_at")
KNOW_APPLICATION = (
    insert(KNOWN)
    .values({name: bindparam(f"known_{name}") for name in KNOWN_FIELDS})
    .on_conflict_do_nothing(index_elements=["application_id"])
)
# An applicant's notices held because they came before `application_received`: released, or dropped.
_HELD = (NOTICES.c.application_id == bindparam("held_application_id")) & (NOTICES.c.status == domain.HELD)
RELEASE_HELD = update(NOTICES).where(_HELD).values(status=domain.PENDING, language=bindparam("held_language"))
DROP_HELD = delete(NOTICES).where(_HELD)
# What `application_received` says of reaching the applicant, remembered, and in the same statement (a
# data-modifying CTE) those held notices settled: released when the applicant can be told, dropped if not.
KNOW_AND_SETTLE_HELD = {
    told: Compiled(settle.add_cte(KNOW_APPLICATION.cte("known")))
    for told, settle in ((True, RELEASE_HELD), (False, DROP_HELD))
}
ASSIGNMENTS = Assignment.__table__
ASSIGNMENT_FIELDS = tuple(column.name for column in ASSIGNMENTS.columns)


def _insert_rows(table: Any, prefix: str, names: tuple[str, ...], **conflict: Any) -> Any:
    rows = unnested(prefix, [(name, table.c[name].type) for name in names])
    chosen = select(*[rows.c[name] for name in names])
    return insert(table).from_select(names, chosen).on_conflict_do_nothing(**conflict)


# A batch of assignments (`record_assignments`) in one statement: the applications first assigned remembered (what
# `KNOW_APPLICATION` does for one), every assignment kept, and the applicants' held notices settled: released in
# the applicant's language (`told_*`), or dropped (`untold_ids`).
_TOLD = unnested("told", [("application_id", Uuid), ("language", String)])
KNOW_AND_KEEP = Compiled(
    delete(NOTICES)
    .where(NOTICES.c.application_id == any_(bindparam("untold_ids", type_=ARRAY(Uuid))))
    .where(NOTICES.c.status == domain.HELD)
    .add_cte(_insert_rows(KNOWN, "known", KNOWN_FIELDS, index_elements=["application_id"]).cte("known"))
    .add_cte(_insert_rows(ASSIGNMENTS, "kept", ASSIGNMENT_FIELDS, constraint="uq_assignments_fact").cte("kept"))
    .add_cte(
        update(NOTICES)
        .where(NOTICES.c.application_id == _TOLD.c.application_id, NOTICES.c.status == domain.HELD)
        .values(status=domain.PENDING, language=_TOLD.c.language)
        .cte("released")
    )
)


def _record(
    session: Session, application_id: uuid.UUID | None, tracking_number: str | None, dues: list[domain.NoticeDue]
) -> int:
    """Record `dues`, in one statement; returns how many were new. The unique constraint keeps a notice single
    even if the same fact arrives in a different envelope."""
    return _record_all(session, [(application_id, tracking_number, dues)])[0]


def _record_all(session: Session, owed: list[tuple[uuid.UUID | None, str | None, list[domain.NoticeDue]]]) -> list[int]:
    """`_record` for several applications' dues, in one statement; how many were new, for each."""
    rows, whose = [], {}
    for index, (application_id, tracking_number, dues) in enumerate(owed):
        for due in dues:
            notice_id = uuid.uuid4()
            whose[notice_id] = index
            rows.append(
                {
                    "id": notice_id,
                    "application_id": application_id,
                    "tracking_number": tracking_number,
                    "kind": due.kind,
                    "recipient": due.recipient,
                    "language": due.language,
                    "status": due.status,
                    "detail": due.detail,
                    "facts": due.facts,
                }
            )
    new = [0] * len(owed)
    if rows:
        for (notice_id,) in session.execute(RECORD_NOTICE, rows):
            new[whose[notice_id]] += 1
    return new


def _reach(session: Session, application_id: uuid.UUID) -> domain.Reach | None:
    known = session.get(KnownApplication, application_id)
    if known is None:
        return None
    return domain.Reach(can_be_told=not known.anonymous and known.reachable, language=known.language)


def record_received(session: Session, event: ApplicationReceived) -> int:
    """Remember how to reach the applicant, record the receipt they are owed, and settle the applicant notices
    held because they arrived first: pending (in the applicant's language) if the applicant can be told, dropped
    if not. Returns how many notices were new."""
    return _record(session, event.application_id, event.tracking_number, _know(session, event))


def _know(session: Session, event: ApplicationReceived) -> list[domain.NoticeDue]:
    """`record_received` but the recording of the notices it owes, which it returns."""
    known = {f"known_{name}": getattr(event, name) for name in KNOWN_FIELDS}
    held = {"held_application_id": event.application_id, "held_language": event.language}
    KNOW_AND_SETTLE_HELD[domain.applicant_can_be_told(event)].execute(session, {**known, **held})
    return domain.notices_for_received(event)


def record_answered(session: Session, event: ApplicationAnswered) -> int:
    session.execute(
        update(KnownApplication)
        .where(KnownApplication.application_id == event.application_id)
        .values(answered_at=event.answered_at)
    )
    facts = {
        "institution": event.institution,
        "outcome": event.outcome,
        "text": event.text,
        "answered_at": event.answered_at.isoformat(),  # which answer's files its mail carries
    }
    kind = domain.ANSWER_KINDS[event.appeal]
    dues = domain.applicant_notice(kind, _reach(session, event.application_id), facts=facts)
    return _record(session, event.application_id, event.tracking_number, dues)


def record_extended(session: Session, event: DeadlineExtended) -> int:
    session.execute(
        update(KnownApplication)
        .where(KnownApplication.application_id == event.application_id)
        .values(deadline=event.deadline)
    )
    facts = {
        "institution": event.institution,
        "deadline": event.deadline.isoformat(),
        "previous_deadline": event.previous_deadline.isoformat(),
    }
    dues = domain.applicant_notice(
        domain.EXTENSION, _reach(session, event.application_id), detail=event.reason, facts=facts
    )
    return _record(session, event.application_id, event.tracking_number, dues)


def record_assigned(session: Session, event: ApplicationAssigned) -> int:
    """Keep the assignment (for the day's digest and the 30-day notice) and tell the new holder's officers (and,
    after an appeal, the applicant). The first assignment carries the application as it was received: its receipt
    and how to reach its applicant are recorded first (`record_received`)."""
    return record_assignments(session, [event])[0]


def record_assignments(session: Session, events: list[ApplicationAssigned]) -> list[int]:
    """`record_assigned` for a batch of assignments, in two statements whatever its size (`KNOW_AND_KEEP`, then the
    notices owed); how many notices were new, for each event."""
    received = [event.received for event in events if event.received is not None]
    told, untold = [], []
    for application in received:
        (told if domain.applicant_can_be_told(application) else untold).append(application)
    kept = {"kept_id": [uuid.uuid4() for _ in events]}
    kept.update({f"kept_{name}": [getattr(e, name) for e in events] for name in ASSIGNMENT_FIELDS if name != "id"})
    KNOW_AND_KEEP.execute(
        session,
        {
            **{f"known_{name}": [getattr(application, name) for application in received] for name in KNOWN_FIELDS},
            **kept,
            "told_application_id": [application.application_id for application in told],
            "told_language": [application.language for application in told],
            "untold_ids": [application.application_id for application in untold],
        },
    )
    owed = []
    for event in events:
        dues = domain.notices_for_received(event.received) if event.received is not None else []
        reach = _reach(session, event.application_id) if event.reason in domain.APPEAL_STEPS else None
        owed.append((event.application_id, event.tracking_number, dues + domain.notices_for_assigned(event, reach)))
    return _record_all(session, owed)


# --- Scheduled --------------------------------------------------------------------------------------------------


def local_today(now: datetime) -> date:
    return now.astimezone(LOCAL_TIME).date()


def record_digests(session: Session, today: date) -> int:
    """The daily digest of each finished day with new assignments, once per (institution, day): the `digests` row,
    inserted first, is what keeps a replica or a restart from owing it twice. Returns how many were recorded."""
    recorded = 0
    for day in domain.digest_days(today, look_back=3):
        start = datetime.combine(day, time(0), LOCAL_TIME)
        end = start + timedelta(days=1)
        rows = session.execute(
            select(Assignment.institution, Assignment.tracking_number, Assignment.reason, Assignment.assigned_at)
            .where(Assignment.assigned_at >= start, Assignment.assigned_at < end)
            .where(~exists().where(Digest.institution == Assignment.institution, Digest.day == day))
            .order_by(Assignment.institution, Assignment.assigned_at)
        ).all()
        by_institution: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            entry = {"tracking_number": row.tracking_number, "reason": row.reason}
            by_institution.setdefault(row.institution, []).append({**entry, "assigned_at": row.assigned_at.isoformat()})
        for institution, assignments in by_institution.items():
            notice_id = uuid.uuid4()
            claimed = session.execute(
                insert(Digest)
                .values(institution=institution, day=day, notice_id=notice_id)
                .on_conflict_do_nothing(index_elements=["institution", "day"])
                .returning(Digest.notice_id)
            ).first()
            if claimed is None:
                continue
            session.add(
                Notice(
                    id=notice_id,
                    application_id=None,
                    tracking_number=None,
                    kind=domain.DIGEST,
                    recipient=domain.institution_recipient(institution),
                    language=domain.OFFICER_LANGUAGE,
                    status=domain.PENDING,
                    facts={"institution": institution, "day": day.isoformat(), "assignments": assignments},
                )
            )
            recorded += 1
    return recorded


def record_status_notices(session: Session, now: datetime) -> int:
    """Law 3071's 30-day notice, once per application: received 30 days ago or more, not answered, and the
    applicant can be told. Returns how many were recorded (at most one batch, the longest waiting first).

    Only the applications owed one are taken: a batch filled with ones the notice is not for (information
    requests) would be taken again on every run and hold back the petitions behind them for good."""
    told_or_answered = exists().where(
        Notice.application_id == KnownApplication.application_id,
        Notice.kind.in_([domain.STATUS_30_DAYS, domain.ANSWER]),
    )
    candidates = session.scalars(
        select(KnownApplication)
        .where(
            # As the partial index says it (`NOT anonymous AND reachable`), so PostgreSQL can use it.
            ~KnownApplication.anonymous,
            KnownApplication.reachable,
            KnownApplication.answered_at.is_(None),
            KnownApplication.received_at <= now - domain.STATUS_NOTICE_AFTER,
            func.coalesce(KnownApplication.kind, "petition").not_in(domain.NO_STATUS_NOTICE),
            ~told_or_answered,
        )
        .order_by(KnownApplication.received_at)
        .limit(STATUS_BATCH)
    ).all()
    recorded = 0
    for known in candidates:
        if known.received_at is None or not domain.status_notice_due(
            known.received_at, known.answered_at is not None, known.kind or "petition", now
        ):
            continue
        holder = session.scalar(
            select(Assignment.institution)
            .where(Assignment.application_id == known.application_id)
            .order_by(Assignment.assigned_at.desc())
            .limit(1)
        )
        facts = {
            "received_on": known.received_at.isoformat(),
            "holder": holder,
            "deadline": known.deadline.isoformat() if known.deadline else None,
        }
        due = domain.NoticeDue(
            kind=domain.STATUS_30_DAYS, recipient=domain.APPLICANT, language=known.language, facts=facts
        )
        recorded += _record(session, known.application_id, known.tracking_number, [due])
    return recorded


def delivery_log(session: Session, application_id: str) -> list[dict[str, Any]]:
    """Every attempt at every notice of an application, oldest first (recipients masked)."""
    key = _application_key(application_id)
    rows = session.execute(
        select(Notice.kind, Notice.recipient, Notice.status, Notice.attempts, Delivery)
        .join(Delivery, Delivery.notice_id == Notice.id)
        .where(Notice.application_id == key)
        .order_by(Delivery.id)
    ).all()
    return [
        {
            "kind": row.kind,
            "recipient": row.recipient,
            "notice_status": row.status,
            "channel": row.Delivery.channel,
            "target": row.Delivery.target,
            "to": row.Delivery.recipient,
            "attempt": row.Delivery.attempt,
            "result": row.Delivery.result,
            "error": row.Delivery.error,
            "at": row.Delivery.at.isoformat(),
        }
        for row in rows
    ]


def _application_key(application_id: str) -> uuid.UUID:
    try:
        return uuid.UUID(application_id)
    except (ValueError, TypeError, AttributeError):
        raise InvalidRequest("invalid_application_id", "application_id") from None


def record_approaching(session: Session, event: DeadlineApproaching) -> int:
    return _record(session, event.application_id, event.tracking_number, domain.notices_for_approaching(event))


def record_passed(session: Session, event: DeadlinePassed) -> int:
    return _record(session, event.application_id, event.tracking_number, domain.notices_for_passed(event))


def record_report(session: Session, event: MonthlyReportProduced) -> int:
    """A month's report to its recipients: reporting announces each report once, and `apply_once` applies the
    announcement once, so the notices (which belong to no application) are recorded once."""
    return _record(session, None, None, domain.notices_for_report(event))


def notices_for(session: Session, application_id: str) -> list[dict[str, Any]]:
    key = _application_key(application_id)
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
            "attempts": n.attempts,
            "created_at": n.created_at.isoformat(),
            "sent_at": n.sent_at.isoformat() if n.sent_at else None,
        }
        for n in notices
    ]


# --- Retention (KVKK) -------------------------------------------------------------------------------------------


def erase_notice_texts(session: Session, outbox: OutboxWriter, now: datetime, policy: Retention) -> dict[str, int]:
    """Once a settled notice is older than the retention period, forget what it was sent with (its facts, an
    extension's reason) and the masked addresses and errors of its deliveries; the fact that it was sent, when and
    on which channels stays. Delivered outbox rows go after theirs. What was erased goes to the audit trail."""
    due = retention.due(
        session,
        Notice.id,
        Notice.created_at,
        Notice.facts.is_not(None),
        Notice.status.in_((domain.SENT, domain.FAILED, domain.SKIPPED)),
        Notice.created_at < now - policy.notice_texts,
    )
    if due:
        session.execute(
            update(Notice)
            .where(Notice.id.in_(due))
            .values(facts=None, detail=None, last_error=None)
            .execution_options(synchronize_session=False)
        )
        session.execute(
            update(Delivery)
            .where(Delivery.notice_id.in_(due))
            .values(recipient=None, error=None)
            .execution_options(synchronize_session=False)
        )
    erased = {"notices": len(due), "outbox": retention.erase_delivered_outbox(session, OutboxMessage, now, policy)}
    if erased["notices"]:  # (the outbox rows alone are housekeeping: `retention`)
        outbox.add(
            session,
            "activity_recorded",
            ActivityRecorded(action="notice_texts_erased", target=retention.summary(erased), at=now),
        )
    return erased
