"""Reporting's nameko service: the only module here that knows nameko. Each entrypoint opens one transaction and
hands the work to `handlers`."""

from __future__ import annotations

from typing import Any

from nameko.rpc import rpc

from cimer_common.db import Database, HealthCheck
from cimer_common.envelope import Envelope
from cimer_common.errors import EXPECTED
from cimer_common.events import (
    ApplicationAnswered,
    ApplicationAssigned,
    ApplicationReceived,
    DeadlineExtended,
    DeadlinePassed,
)
from cimer_common.outbox import first_delivery, on_event
from cimer_common.worker_context import LogContext
from reporting import handlers
from reporting.models import ProcessedEvent


class ReportingService(HealthCheck):
    name = "reporting"

    db = Database()
    log_context = LogContext()

    @rpc(expected_exceptions=EXPECTED)
    def monthly_received(self, period: str, institution: str | None = None) -> dict[str, Any]:
        with self.db.transaction() as session:
            return handlers.monthly_received(session, period, institution)

    @on_event("intake", "application_received")
    def handle_application_received(self, event: Envelope, payload: ApplicationReceived) -> None:
        with self.db.transaction() as session:
            if first_delivery(session, ProcessedEvent, event):
                handlers.record_received(session, payload)

    @on_event("routing", "application_assigned")
    def handle_application_assigned(self, event: Envelope, payload: ApplicationAssigned) -> None:
        with self.db.transaction() as session:
            if first_delivery(session, ProcessedEvent, event):
                handlers.record_assignment(session, payload)

    @on_event("routing", "application_answered")
    def handle_application_answered(self, event: Envelope, payload: ApplicationAnswered) -> None:
        with self.db.transaction() as session:
            if first_delivery(session, ProcessedEvent, event):
                handlers.record_answer(session, payload)

    @on_event("routing", "deadline_extended")
    def handle_deadline_extended(self, event: Envelope, payload: DeadlineExtended) -> None:
        with self.db.transaction() as session:
            if first_delivery(session, ProcessedEvent, event):
                handlers.record_extension(session, payload)

    @on_event("routing", "deadline_passed")
    def handle_deadline_passed(self, event: Envelope, payload: DeadlinePassed) -> None:
        with self.db.transaction() as session:
            if first_delivery(session, ProcessedEvent, event):
                handlers.record_overdue(session, payload, event.occurred_at)
