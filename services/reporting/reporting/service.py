"""Reporting's nameko service: the only module here that knows nameko. Each entrypoint opens one transaction and
hands the work to `handlers`."""

from __future__ import annotations

import os
from base64 import b64encode
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from nameko.timer import timer
from sqlalchemy.orm import Session

from cimer_common import calendar
from cimer_common.access import Action, require
from cimer_common.authentication import Authentication, FollowsRevocations
from cimer_common.bus import rpc
from cimer_common.db import Database, HealthCheck
from cimer_common.dead_letters import ReplaysDeadLetters
from cimer_common.errors import EXPECTED, Forbidden, InvalidRequest, NotFound
from cimer_common.events import (
    ApplicationAnswered,
    ApplicationAssigned,
    ApplicationClosed,
    ApplicationReceived,
    DeadlineExtended,
    DeadlinePassed,
    FeedbackGiven,
)
from cimer_common.logs import get_logger
from cimer_common.metrics import Metrics
from cimer_common.outbox import Batch, Outbox, apply_batch_once, on_events
from cimer_common.retention import AppliesRetention, Retention
from cimer_common.worker_context import LogContext
from reporting import domain, handlers, render
from reporting.models import OutboxMessage, ProcessedEvent

log = get_logger(__name__)

# How often the month before is looked at (cheap once its reports are stored). Read at import: nameko fixes a
# timer's interval when the class is defined.
PRODUCE_INTERVAL_SECONDS = float(os.environ.get("REPORT_PRODUCE_INTERVAL_SECONDS", "3600"))


class ReportingService(HealthCheck, ReplaysDeadLetters, FollowsRevocations, AppliesRetention):
    name = "reporting"

    db = Database()
    metrics = Metrics()
    outbox = Outbox(OutboxMessage)
    log_context = LogContext()
    authenticate = Authentication()

    def erase_expired(self, session: Session, now: datetime, policy: Retention) -> dict[str, int]:
        """Delivered events, once the retention period is over (reporting keeps nothing personal)."""
        return handlers.erase_delivered_events(session, now, policy)

    @rpc(expected_exceptions=EXPECTED)
    def monthly_report(self, period: str, institution: str | None = None) -> dict[str, Any]:
        """The month's report for `institution`'s subtree, the state's when None; for services, unchecked."""
        with self.db.transaction() as session:
            return handlers.monthly_report(session, period, institution, calendar.today())

    @rpc(expected_exceptions=EXPECTED)
    def monthly_report_for(self, token: str, period: str, institution: str | None = None) -> dict[str, Any]:
        """The report for an officer: a coordinator of the institution itself or of one coordinating it, the
        Presidency for any and for the state."""
        principal = self.authenticate(token)
        require(principal, Action.READ_REPORT)
        with self.db.transaction() as session:
            coordinators = handlers.coordinators_of(session, institution) if institution is not None else []
            if not domain.may_read_report(principal.institution, institution, coordinators):
                raise Forbidden("forbidden", Action.READ_REPORT.value)
            return handlers.monthly_report(session, period, institution, calendar.today())

    @rpc(expected_exceptions=EXPECTED)
    def monthly_report_document(
        self, token: str, period: str, institution: str | None = None, form: str = "pdf"
    ) -> dict[str, str]:
        """The same report as a document: `form` "csv" or "pdf" (printable, with charts), base64 for the bus."""
        if form not in ("csv", "pdf"):
            raise InvalidRequest("invalid_format", "form")
        return _document(self.monthly_report_for(token, period, institution), period, institution, form)

    @rpc(expected_exceptions=EXPECTED)
    def stored_report_document(self, period: str, institution: str | None = None) -> dict[str, str]:
        """A produced report as the PDF its recipients are sent; for notification, unchecked. NotFound until the
        month's report is produced."""
        with self.db.transaction() as session:
            report = handlers.stored_report(session, period, institution)
        if report is None:
            raise NotFound("report_not_found", "period")
        return _document(report, period, institution, "pdf")

    @rpc(expected_exceptions=EXPECTED)
    def open_data(self, period: str) -> dict[str, Any]:
        """A finished month's counts per institution and subject for anyone (SPEC section 12): nothing personal, no
        count below 5 (the rule in `domain`). No token: the gateway serves it without a login."""
        with self.db.transaction() as session:
            return handlers.open_data(session, period, calendar.today())

    @rpc(expected_exceptions=EXPECTED)
    def open_data_document(self, period: str, form: str = "csv") -> dict[str, str]:
        """The same as a document, base64 for the bus: `form` "csv" (one row per count)."""
        if form != "csv":
            raise InvalidRequest("invalid_format", "form")
        body = render.open_data_to_csv(self.open_data(period), bom=True).encode("utf-8")
        return {
            "content_type": "text/csv; charset=utf-8",
            "filename": f"cimer-acik-veri-{period}.csv",
            "body": b64encode(body).decode(),
        }

    @timer(interval=PRODUCE_INTERVAL_SECONDS)
    def produce_reports(self) -> int:
        """On and after the first of a month, store the month before's reports and announce each to its
        recipients: once across workers, one transaction per report (a month's 99, the state's, 81 governorships' and
        17 ministries', take a couple of minutes on a year of 5.5 million)."""
        period = domain.previous_period(calendar.today())
        with self.db.transaction() as session:
            due = handlers.reports_due(session, period, calendar.today())
        produced = 0
        for key in due:
            with self.db.transaction() as session:
                produced += handlers.produce_report(session, self.outbox, period, key, datetime.now(UTC)) is not None
        if produced:
            log.info("monthly reports produced", period=period, reports=produced)
        return produced

    # Retired (`events.CATALOGUE`): the first assignment carries the application now. What an earlier version
    # left in this queue is still applied; the version after this one removes it.
    @on_events("intake", "application_received")
    def handle_application_received(self, events: Batch[ApplicationReceived]) -> None:
        self._each(events, handlers.record_received)

    @on_events("routing", "application_assigned")
    def handle_application_assigned(self, events: Batch[ApplicationAssigned]) -> None:
        self._each(events, handlers.record_assignment)

    @on_events("routing", "application_answered")
    def handle_application_answered(self, events: Batch[ApplicationAnswered]) -> None:
        self._each(events, handlers.record_answer)

    @on_events("routing", "deadline_extended")
    def handle_deadline_extended(self, events: Batch[DeadlineExtended]) -> None:
        self._each(events, handlers.record_extension)

    @on_events("routing", "application_closed")
    def handle_application_closed(self, events: Batch[ApplicationClosed]) -> None:
        self._each(events, handlers.record_closing)

    @on_events("intake", "feedback_given")
    def handle_feedback_given(self, events: Batch[FeedbackGiven]) -> None:
        self._each(events, handlers.record_feedback)

    @on_events("routing", "deadline_passed")
    def handle_deadline_passed(self, events: Batch[DeadlinePassed]) -> None:
        apply_batch_once(
            self.db,
            ProcessedEvent,
            events,
            lambda session, event, payload: handlers.record_overdue(session, payload, event.occurred_at),
        )

    def _each(self, events: Batch[Any], record: Callable[[Session, Any], object]) -> None:
        """`record` each new event of the batch, in the transaction that marks them all processed."""
        apply_batch_once(self.db, ProcessedEvent, events, lambda session, _, payload: record(session, payload))


def _document(report: dict[str, Any], period: str, institution: str | None, form: str) -> dict[str, str]:
    """`report` as a CSV (with a BOM, for spreadsheets) or a printable PDF, base64 for the bus."""
    name = f"cimer-{period}-{institution or 'devlet'}"
    if form == "csv":
        body = render.to_csv(report, bom=True).encode("utf-8")
        return {"content_type": "text/csv; charset=utf-8", "filename": f"{name}.csv", "body": b64encode(body).decode()}
    return {
        "content_type": "application/pdf",
        "filename": f"{name}.pdf",
        "body": b64encode(render.to_pdf(report)).decode(),
    }
