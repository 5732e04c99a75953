"""Notification's nameko service: the only module here that knows nameko. Each entrypoint opens one transaction
and hands the work to `handlers`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nameko.rpc import rpc
from sqlalchemy.orm import Session

from cimer_common.db import Database, HealthCheck
from cimer_common.envelope import Envelope
from cimer_common.errors import EXPECTED
from cimer_common.events import (
    ApplicationAnswered,
    ApplicationReceived,
    DeadlineApproaching,
    DeadlineExtended,
    DeadlinePassed,
)
from cimer_common.logs import get_logger
from cimer_common.outbox import first_delivery, on_event
from cimer_common.worker_context import LogContext
from notification import handlers
from notification.models import ProcessedEvent

log = get_logger(__name__)


class NotificationService(HealthCheck):
    name = "notification"

    db = Database()
    log_context = LogContext()

    @rpc(expected_exceptions=EXPECTED)
    def notices_for(self, application_id: str) -> list[dict[str, Any]]:
        with self.db.transaction() as session:
            return handlers.notices_for(session, application_id)

    @on_event("intake", "application_received")
    def handle_application_received(self, event: Envelope, payload: ApplicationReceived) -> None:
        self._once(event, payload, handlers.record_received)

    @on_event("routing", "application_answered")
    def handle_application_answered(self, event: Envelope, payload: ApplicationAnswered) -> None:
        self._once(event, payload, handlers.record_answered)

    @on_event("routing", "deadline_extended")
    def handle_deadline_extended(self, event: Envelope, payload: DeadlineExtended) -> None:
        self._once(event, payload, handlers.record_extended)

    @on_event("routing", "deadline_approaching")
    def handle_deadline_approaching(self, event: Envelope, payload: DeadlineApproaching) -> None:
        self._once(event, payload, handlers.record_approaching)

    @on_event("routing", "deadline_passed")
    def handle_deadline_passed(self, event: Envelope, payload: DeadlinePassed) -> None:
        self._once(event, payload, handlers.record_passed)

    def _once(self, event: Envelope, payload: Any, record: Callable[[Session, Any], int]) -> None:
        """`record` the notices `event` owes, in the transaction that marks it processed."""
        with self.db.transaction() as session:
            if not first_delivery(session, ProcessedEvent, event):
                return
            recorded = record(session, payload)
        log.info("notices owed", event_type=event.type, tracking_number=payload.tracking_number, notices=recorded)
