"""Notification's nameko service: the only module here that knows nameko. Each entrypoint opens one transaction
and hands the work to `handlers`."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from nameko.extensions import DependencyProvider
from nameko.timer import timer
from sqlalchemy.orm import Session

from cimer_common.bus import RpcProxy, rpc
from cimer_common.db import Database, HealthCheck
from cimer_common.dead_letters import ReplaysDeadLetters
from cimer_common.envelope import Envelope
from cimer_common.errors import EXPECTED
from cimer_common.events import (
    ApplicationAnswered,
    ApplicationAssigned,
    ApplicationReceived,
    DeadlineApproaching,
    DeadlineExtended,
    DeadlinePassed,
    MonthlyReportProduced,
)
from cimer_common.logs import get_logger
from cimer_common.metrics import Metrics
from cimer_common.outbox import (
    Batch,
    Outbox,
    apply_batch_once,
    apply_batch_together,
    apply_once,
    on_event,
    on_events,
)
from cimer_common.retention import AppliesRetention, Retention
from cimer_common.worker_context import LogContext
from notification import delivery, handlers
from notification.channels import Channels
from notification.models import OutboxMessage, ProcessedEvent

log = get_logger(__name__)

# How often due notices are looked for, and how often the digest and the 30-day notices are (both cheap when
# there is nothing to do). Read at import: nameko fixes a timer's interval when the class is defined.
NOTIFY_INTERVAL_SECONDS = float(os.environ.get("NOTIFY_INTERVAL_SECONDS", "2"))
SCHEDULE_INTERVAL_SECONDS = float(os.environ.get("NOTIFY_SCHEDULE_SECONDS", "60"))


class Notifier(DependencyProvider):
    """The channels and the retry policy, from the container's configuration (SMTP_*, MAIL_FROM, SMS_*,
    NOTIFY_RETRY_BASE_SECONDS, NOTIFY_MAX_ATTEMPTS)."""

    def setup(self) -> None:
        config = self.container.config
        self.channels = Channels(config)
        self.policy = delivery.Policy.from_config(config)

    def get_dependency(self, worker_ctx) -> Notifier:  # type: ignore[no-untyped-def]
        return self


class RpcContacts:
    """`delivery.Contacts` over RPC: intake knows the applicants, identity the officers, reporting the reports."""

    def __init__(self, intake: Any, identity: Any, reporting: Any):
        self.intake = intake
        self.identity = identity
        self.reporting = reporting

    def applicants(self, notices: list[tuple[str, str]]) -> list[dict[str, Any] | None]:
        asked = [{"application_id": application_id, "kind": kind} for application_id, kind in notices]
        contacts: list[dict[str, Any] | None] = self.intake.notice_contacts(notices=asked)
        return contacts

    def receipts_done(self, application_ids: list[str]) -> None:
        self.intake.receipts_done(application_ids=application_ids)

    def officers(self, wanted: list[tuple[str, bool]]) -> list[list[dict[str, Any]]]:
        asked = [{"institution": code, "coordinators_only": only} for code, only in wanted]
        officers: list[list[dict[str, Any]]] = self.identity.officer_contacts(institutions=asked)
        return officers

    def report_document(self, period: str, institution: str | None) -> dict[str, str]:
        document: dict[str, str] = self.reporting.stored_report_document(period=period, institution=institution)
        return document

    def answer_attachments(self, application_id: str, answered_at: str | None) -> list[dict[str, str]]:
        files: list[dict[str, str]] = self.intake.answer_attachments(
            application_id=application_id, answered_at=answered_at
        )
        return files


class NotificationService(HealthCheck, ReplaysDeadLetters, AppliesRetention):
    name = "notification"

    db = Database()
    metrics = Metrics()
    outbox = Outbox(OutboxMessage)
    log_context = LogContext()
    notifier = Notifier()
    intake = RpcProxy("intake")
    identity = RpcProxy("identity")
    reporting = RpcProxy("reporting")

    def erase_expired(self, session: Session, now: datetime, policy: Retention) -> dict[str, int]:
        """KVKK: what settled notices were sent with, once the retention period is over."""
        return handlers.erase_notice_texts(session, self.outbox, now, policy)

    @rpc(expected_exceptions=EXPECTED)
    def notices_for(self, application_id: str) -> list[dict[str, Any]]:
        with self.db.transaction() as session:
            return handlers.notices_for(session, application_id)

    @rpc(expected_exceptions=EXPECTED)
    def delivery_log(self, application_id: str) -> list[dict[str, Any]]:
        with self.db.transaction() as session:
            return handlers.delivery_log(session, application_id)

    @timer(interval=NOTIFY_INTERVAL_SECONDS)
    def deliver_notices(self) -> int:
        """Send what is due, a batch at a time until nothing due is left (SPEC section 5)."""
        if self.notifier.policy.paused:
            return 0
        contacts = RpcContacts(self.intake, self.identity, self.reporting)
        total = 0
        try:
            while True:
                taken = delivery.deliver_due(
                    self.db.transaction, self.notifier.channels, contacts, datetime.now(UTC), self.notifier.policy
                )
                total += taken
                if taken < self.notifier.policy.batch:
                    return total
        finally:
            self.notifier.channels.close()  # the connections served the rounds; none is kept while idle

    @timer(interval=SCHEDULE_INTERVAL_SECONDS)
    def schedule_notices(self) -> dict[str, int]:
        """Record the daily digests of finished days and the 30-day status notices now owed; `deliver_notices`
        sends them."""
        now = datetime.now(UTC)
        with self.db.transaction() as session:
            digests = handlers.record_digests(session, handlers.local_today(now))
        status = handlers.STATUS_BATCH
        statuses = 0
        while status == handlers.STATUS_BATCH:
            with self.db.transaction() as session:
                status = handlers.record_status_notices(session, now)
            statuses += status
        if digests or statuses:
            log.info("scheduled notices owed", digests=digests, status_notices=statuses)
        return {"digests": digests, "status_notices": statuses}

    # Retired (`events.CATALOGUE`): the first assignment carries the application now. What an earlier version
    # left in this queue is still applied; the version after this one removes it.
    @on_events("intake", "application_received")
    def handle_application_received(self, events: Batch[ApplicationReceived]) -> None:
        self._each(events, handlers.record_received)

    @on_events("routing", "application_answered")
    def handle_application_answered(self, events: Batch[ApplicationAnswered]) -> None:
        self._each(events, handlers.record_answered)

    @on_events("routing", "deadline_extended")
    def handle_deadline_extended(self, events: Batch[DeadlineExtended]) -> None:
        self._each(events, handlers.record_extended)

    @on_events("routing", "deadline_approaching")
    def handle_deadline_approaching(self, events: Batch[DeadlineApproaching]) -> None:
        self._each(events, handlers.record_approaching)

    @on_events("routing", "deadline_passed")
    def handle_deadline_passed(self, events: Batch[DeadlinePassed]) -> None:
        self._each(events, handlers.record_passed)

    @on_events("routing", "application_assigned")
    def handle_application_assigned(self, events: Batch[ApplicationAssigned]) -> None:
        self._logged(
            apply_batch_together(
                self.db,
                ProcessedEvent,
                events,
                lambda session, fresh: handlers.record_assignments(session, [payload for _, payload in fresh]),
            )
        )

    @on_event("reporting", "monthly_report_produced")
    def handle_monthly_report_produced(self, event: Envelope, payload: MonthlyReportProduced) -> None:
        recorded = apply_once(self.db, ProcessedEvent, event, lambda session: handlers.record_report(session, payload))
        if recorded:
            log.info("monthly report owed", period=payload.period, report_of=payload.institution, notices=recorded)

    def _each(self, events: Batch[Any], record: Callable[[Session, Any], int]) -> None:
        """`record` the notices each new event of the batch owes, in the transaction that marks them processed."""
        self._logged(
            apply_batch_once(self.db, ProcessedEvent, events, lambda session, _, payload: record(session, payload))
        )

    @staticmethod
    def _logged(applied: list[tuple[Envelope, Any, int]]) -> None:
        for event, payload, recorded in applied:
            log.info(
                "notices owed",
                event_type=event.type,
                tracking_number=payload.tracking_number,
                notices=recorded,
                correlation_id=event.correlation_id,
            )
