"""Reporting's use cases: plain functions over a SQLAlchemy session, called by `service.py` inside a transaction.

The events about an application come from different producers and can arrive in any order, so each one upserts
the row and sets only the fields it knows.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import bindparam, case, extract, func, literal_column, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import ColumnClause

from cimer_common import geography, retention
from cimer_common.db import Compiled
from cimer_common.events import (
    ApplicationAnswered,
    ApplicationAssigned,
    ApplicationClosed,
    ApplicationReceived,
    DeadlineExtended,
    DeadlinePassed,
    FeedbackGiven,
    MonthlyReportProduced,
)
from cimer_common.outbox import OutboxWriter
from cimer_common.retention import Retention
from reporting import domain
from reporting.models import Application, Institution, MonthlyReport, OutboxMessage

# Every event upserts one row with one of a few statements. Each is built once, with bound parameters, and run
# against the table rather than the mapped class: building an upsert (its `excluded` alias above all) and the ORM's
# bulk-insert path cost more than running it (`bench/profile.py` on reporting: about half of a consumer's time).
APPLICATIONS = Application.__table__
INSTITUTIONS = Institution.__table__
RECEIVED_FIELDS = ("period", "received_at", "kind", "petition_type", "subject", "channel", "province", "deadline")


def _upsert_application(values: tuple[str, ...], changes: Callable[[Any], dict[str, Any]]) -> Any:
    stmt = insert(APPLICATIONS).values({name: bindparam(name) for name in ("application_id", *values)})
    return stmt.on_conflict_do_update(index_elements=[APPLICATIONS.c.application_id], set_=changes(stmt.excluded))


def _received_changes(excluded: Any) -> dict[str, Any]:
    changes: dict[str, Any] = {name: excluded[name] for name in RECEIVED_FIELDS}
    # An extension that arrived first has already set the deadline that holds now.
    changes["deadline"] = case((APPLICATIONS.c.extended_at.is_(None), excluded.deadline), else_=APPLICATIONS.c.deadline)
    return changes


RECORD_RECEIVED = Compiled(_upsert_application(RECEIVED_FIELDS, _received_changes))


def record_received(session: Session, event: ApplicationReceived) -> None:
    RECORD_RECEIVED.execute(session, {"application_id": event.application_id, **_received_values(event)})


def _received_values(event: ApplicationReceived) -> dict[str, Any]:
    values = {name: getattr(event, name) for name in RECEIVED_FIELDS if name != "period"}
    return {"period": domain.period_of(event.received_at), **values}


# The union of the scope held and the scope an assignment brings, sorted: the same set whatever the order.
_SCOPE_UNION: ColumnClause[Any] = literal_column(
    "ARRAY(SELECT DISTINCT code FROM unnest(applications.scope || excluded.scope) AS code ORDER BY code)"
)


def _assignment_changes(initial: bool) -> Callable[[Any], dict[str, Any]]:
    def changes(excluded: Any) -> dict[str, Any]:
        # Forwards can overtake one another on redelivery: the holder is whoever got it last, by assignment time.
        held = APPLICATIONS.c
        newer = held.assigned_at.is_(None) | (excluded.assigned_at >= held.assigned_at)
        found: dict[str, Any] = {
            "institution": case((newer, excluded.institution), else_=held.institution),
            "assigned_at": case((newer, excluded.assigned_at), else_=held.assigned_at),
            "scope": _SCOPE_UNION,
        }
        if initial:  # only the first destination sets it
            found["first_institution"] = excluded.first_institution
        return found

    return changes


def _record_institution_statement() -> Any:
    stmt = insert(INSTITUTIONS).values({name: bindparam(name) for name in ("code", "coordinators", "seen_at")})
    return stmt.on_conflict_do_update(
        index_elements=[INSTITUTIONS.c.code],
        set_={"coordinators": stmt.excluded.coordinators, "seen_at": stmt.excluded.seen_at},
        where=stmt.excluded.seen_at >= INSTITUTIONS.c.seen_at,  # the latest assignment's word stands
    )


def _recording_institution(upsert: Any) -> Compiled:
    """`upsert` of an application's holder and, in the same statement (a data-modifying CTE), the institution's
    coordinators as its latest assignment named them (the directory may have moved it): one statement, not two."""
    return Compiled(upsert.add_cte(_record_institution_statement().cte("institution")))


ASSIGNMENT_FIELDS = ("first_institution", "institution", "assigned_at", "scope")
RECORD_ASSIGNMENT = {
    initial: _recording_institution(_upsert_application(ASSIGNMENT_FIELDS, _assignment_changes(initial)))
    for initial in (True, False)
}
# The first assignment that carries the application as it was received: both in the one upsert.
RECORD_RECEIVED_AND_ASSIGNED = _recording_institution(
    _upsert_application(
        RECEIVED_FIELDS + ASSIGNMENT_FIELDS,
        lambda excluded: {**_received_changes(excluded), **_assignment_changes(True)(excluded)},
    )
)


def record_assignment(session: Session, event: ApplicationAssigned) -> None:
    """The holder, and on the first assignment the application as it was received (`record_received`'s fields),
    when the event carries it."""
    initial = event.reason == domain.INITIAL
    values = {
        "application_id": event.application_id,
        "first_institution": event.institution if initial else None,
        "institution": event.institution,
        "assigned_at": event.assigned_at,
        "scope": sorted({event.institution, *event.coordinators}),
        "code": event.institution,
        "coordinators": sorted(set(event.coordinators)),
        "seen_at": event.assigned_at,
    }
    if initial and event.received is not None:
        RECORD_RECEIVED_AND_ASSIGNED.execute(session, {**values, **_received_values(event.received)})
    else:
        RECORD_ASSIGNMENT[initial].execute(session, values)


def _first_wins_changes(stamp: str, values: tuple[str, ...]) -> Callable[[Any], dict[str, Any]]:
    def changes(excluded: Any) -> dict[str, Any]:
        unset = APPLICATIONS.c[stamp].is_(None)
        return {name: case((unset, excluded[name]), else_=APPLICATIONS.c[name]) for name in values}

    return changes


@cache
def _first_wins_statement(stamp: str, values: tuple[str, ...]) -> Any:
    return _upsert_application(values, _first_wins_changes(stamp, values))


def _first_wins(session: Session, application_id: Any, stamp: str, values: dict[str, Any]) -> None:
    """Upsert `values` (stamped by the column `stamp`) unless the row already has a `stamp`: the first fact wins,
    and a fact arriving before `application_received` makes the row, which that event completes later."""
    session.execute(_first_wins_statement(stamp, tuple(values)), {"application_id": application_id, **values})


def record_answer(session: Session, event: ApplicationAnswered) -> None:
    """The first answer counts: the month's figures are of the first answer, which an appeal's decision or the
    answer it ordered does not undo; the holder is the answering institution."""
    _first_wins(
        session,
        event.application_id,
        "answered_at",
        {"answered_at": event.answered_at, "outcome": event.outcome, "answered_by": event.institution},
    )


def record_closing(session: Session, event: ApplicationClosed) -> None:
    """Closed when the appeal window after its answer passed; the first closing counts."""
    _first_wins(session, event.application_id, "closed_at", {"closed_at": event.closed_at})


def record_feedback(session: Session, event: FeedbackGiven) -> None:
    """The applicant's one rating (intake takes one only)."""
    _first_wins(
        session,
        event.application_id,
        "rated_at",
        {"rated_at": event.given_at, "rating": event.rating, "solved": event.solved},
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


# --- The monthly report ------------------------------------------------------------------------------------------
#
# One query per figure group, each answered from one covering index (see `models.Application`), an institution's
# filter on `scope` applied to the index's own copy of it.


def _in_scope(query: Any, institution: str | None) -> Any:
    return query if institution is None else query.where(Application.scope.contains([institution]))


def compute_report(session: Session, period: str, institution: str | None = None) -> dict[str, Any]:
    """The month's report for `institution`'s subtree, the state's when None (definitions in `domain`)."""
    start, end = domain.month_bounds(period)
    received = _in_scope(
        select(Application.kind, Application.subject, Application.channel, func.count())
        .where(Application.period == period)
        .group_by(Application.kind, Application.subject, Application.channel),
        institution,
    )
    groups = [
        (kind, subject, channel, count)
        for kind, subject, channel, count in session.execute(received)
        if kind is not None and subject is not None and channel is not None
    ]

    elapsed = extract("epoch", Application.answered_at - Application.received_at) / domain.SECONDS_PER_DAY
    answered_query = _in_scope(
        select(
            func.count(),
            func.count().filter(Application.outcome == "positive"),
            func.count().filter(Application.outcome == "negative"),
            func.avg(elapsed),  # NULL, and so left out, where the receipt is not known yet
            func.percentile_cont(0.5).within_group(elapsed),
        ).where(Application.answered_at >= start, Application.answered_at < end),
        institution,
    )
    total, positive, negative, mean_days, median_days = session.execute(answered_query).one()

    # Open at month end, in two halves that each follow their own index: never answered, and answered since.
    open_count = overdue_count = 0
    for unanswered_or_later in (Application.answered_at.is_(None), Application.answered_at >= end):
        open_query = _in_scope(
            select(
                func.count(),
                func.count().filter(Application.deadline < end.date()),  # due on or before the month's last day
            ).where(Application.received_at < end, unanswered_or_later),
            institution,
        )
        opened, overdue = session.execute(open_query).one()
        open_count += opened
        overdue_count += overdue

    closed = session.scalar(
        _in_scope(select(func.count()).where(Application.closed_at >= start, Application.closed_at < end), institution)
    )
    rated, mean_rating, solved = session.execute(
        _in_scope(
            select(func.count(), func.avg(Application.rating), func.count().filter(Application.solved)).where(
                Application.rated_at >= start, Application.rated_at < end
            ),
            institution,
        )
    ).one()

    return domain.monthly_report(
        period,
        institution,
        groups,
        domain.Answered(total, positive, negative, mean_days, median_days),
        open_count,
        overdue_count,
        closed=closed or 0,
        ratings=domain.Ratings(rated, mean_rating, solved),
    )


def coordinators_of(session: Session, institution: str) -> list[str]:
    found = session.scalar(select(Institution.coordinators).where(Institution.code == institution))
    return list(found or [])


def monthly_report(session: Session, period: str, institution: str | None, today: date) -> dict[str, Any]:
    domain.check_not_future(period, today)
    return compute_report(session, period, institution)


def reported_institutions(session: Session) -> list[str]:
    """Every governorship and ministry (`domain.reported_institutions`): the state's, from the reference data every
    service reads, and any other seen, as a holder or as a coordinator."""
    held = select(Institution.code)
    coordinating = select(func.unnest(Institution.coordinators))
    seen = session.scalars(held.union(coordinating)).all()
    return domain.reported_institutions(seen, geography.provinces(), geography.ministries())


def reports_due(session: Session, period: str, today: date) -> list[str]:
    """The finished month's reports not stored yet: the state's (`domain.STATE`) and every governorship's and
    ministry's, those to which nothing came included (a report of zeros)."""
    domain.check_finished(period, today)
    stored = set(session.scalars(select(MonthlyReport.institution).where(MonthlyReport.period == period)))
    return [key for key in [domain.STATE, *reported_institutions(session)] if key not in stored]


def produce_report(
    session: Session, outbox: OutboxWriter, period: str, key: str, now: datetime
) -> MonthlyReportProduced | None:
    """Store one report and stage its announcement to its recipients, both in the caller's transaction, so that a
    stored report is always sent and a report is sent only once stored. None when another worker is producing it
    or has produced it.

    A transaction-scoped advisory lock lets one worker compute it while the others pass; the unique
    (period, institution) with ON CONFLICT DO NOTHING keeps one report even without it."""
    if not session.scalar(select(func.pg_try_advisory_xact_lock(func.hashtext(f"monthly_report:{period}:{key}")))):
        return None
    if session.scalar(select(MonthlyReport.id).where(MonthlyReport.period == period, MonthlyReport.institution == key)):
        return None  # stored by a worker that held the lock before this one
    institution = None if key == domain.STATE else key
    report = compute_report(session, period, institution)
    inserted = session.execute(
        insert(MonthlyReport)
        .values(period=period, institution=key, report=report, produced_at=now)
        .on_conflict_do_nothing(constraint="uq_monthly_reports_period_institution")
        .returning(MonthlyReport.id)
    ).scalar()
    if inserted is None:
        return None
    produced = MonthlyReportProduced(
        period=period,
        institution=institution,
        recipients=domain.recipients(institution),
        produced_at=now,
        **domain.headline(report),
    )
    outbox.add(session, "monthly_report_produced", produced)
    return produced


def stored_report(session: Session, period: str, institution: str | None) -> dict[str, Any] | None:
    key = domain.STATE if institution is None else institution
    found = session.scalar(
        select(MonthlyReport.report).where(MonthlyReport.period == period, MonthlyReport.institution == key)
    )
    return dict(found) if found is not None else None


def open_data(session: Session, period: str, today: date) -> dict[str, Any]:
    """A finished month's open data (SPEC section 12): what is counted, and how small counts are merged, in
    `domain` ("Open data")."""
    domain.check_open_data_period(period, today)
    start, end = domain.month_bounds(period)
    received = session.execute(
        select(Application.first_institution, Application.subject, func.count())
        .where(Application.period == period)
        .group_by(Application.first_institution, Application.subject)
    )
    answers = session.execute(
        select(Application.answered_by, Application.subject, Application.outcome, func.count())
        .where(Application.answered_at >= start, Application.answered_at < end)
        .group_by(Application.answered_by, Application.subject, Application.outcome)
    ).all()
    return domain.open_data(
        period,
        [(institution, subject, count) for institution, subject, count in received],
        [(institution, subject, count) for institution, subject, outcome, count in answers if outcome == "positive"],
        [(institution, subject, count) for institution, subject, outcome, count in answers if outcome == "negative"],
    )


def erase_delivered_events(session: Session, now: datetime, policy: Retention) -> dict[str, int]:
    """Reporting keeps no personal data; its delivered outbox rows (reports produced) go after the same period as
    everyone's, unaudited: nothing personal is in them."""
    return {"outbox": retention.erase_delivered_outbox(session, OutboxMessage, now, policy)}
