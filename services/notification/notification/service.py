"""Notification's nameko service: the only module here that knows nameko. Each entrypoint opens one transaction
and hands the work to `handlers`."""

from __future__ import annotations

from typing import Any

from nameko.rpc import rpc

from cimer_common.db import Database, HealthCheck
from cimer_common.envelope import Envelope
from cimer_common.errors import EXPECTED
from cimer_common.events import ApplicationReceived
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
        with self.db.transaction() as session:
            if not first_delivery(session, ProcessedEvent, event):
                return
            recorded = handlers.record_received(session, payload)
        log.info("notices owed", tracking_number=payload.tracking_number, notices=recorded)
