"""Routing's nameko service: the only module here that knows nameko. Each entrypoint opens one transaction and
hands the work to `handlers`."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

from nameko.timer import timer
from sqlalchemy.orm import Session

from cimer_common import calendar
from cimer_common.authentication import Authentication, FollowsRevocations
from cimer_common.bus import rpc
from cimer_common.commands import on_institution_command
from cimer_common.db import Database, HealthCheck
from cimer_common.dead_letters import ReplaysDeadLetters
from cimer_common.errors import EXPECTED
from cimer_common.events import ApplicationAppealed, ApplicationReceived
from cimer_common.logs import get_logger
from cimer_common.metrics import Metrics
from cimer_common.outbox import Batch, Outbox, apply_batch_once, on_events
from cimer_common.retention import AppliesRetention, Retention
from cimer_common.worker_context import LogContext
from routing import handlers
from routing.models import OutboxMessage, ProcessedEvent

log = get_logger(__name__)

# How often the deadline watch runs, in seconds. nameko fixes a timer's interval when the class is defined, so the
# setting is read from the environment at import (config key DEADLINE_SCAN_SECONDS, as for every setting).
DEADLINE_SCAN_SECONDS = float(os.environ.get("DEADLINE_SCAN_SECONDS", "300"))


class RoutingService(HealthCheck, ReplaysDeadLetters, FollowsRevocations, AppliesRetention):
    name = "routing"

    db = Database()
    metrics = Metrics(
        gauges={"cimer_overdue_applications": ("Open applications past their deadline", handlers.overdue)}
    )
    outbox = Outbox(OutboxMessage)
    log_context = LogContext()
    authenticate = Authentication()

    def erase_expired(self, session: Session, now: datetime, policy: Retention) -> dict[str, int]:
        """KVKK: delivered events, which may carry a client address, once the retention period is over."""
        return handlers.erase_delivered_events(session, now, policy)

    @on_events("intake", "application_received")
    def handle_application_received(self, events: Batch[ApplicationReceived]) -> None:
        assigned = apply_batch_once(
            self.db,
            ProcessedEvent,
            events,
            lambda session, _, payload: handlers.assign_first_destination(session, self.outbox, payload),
        )
        for event, payload, institution in assigned:  # once committed
            log.info(
                "application assigned",
                tracking_number=payload.tracking_number,
                institution=institution,
                reason="initial",
                correlation_id=event.correlation_id,
            )

    @on_events("intake", "application_appealed")
    def handle_application_appealed(self, events: Batch[ApplicationAppealed]) -> None:
        moved = apply_batch_once(
            self.db,
            ProcessedEvent,
            events,
            lambda session, _, payload: handlers.reopen_on_appeal(session, self.outbox, payload),
        )
        for event, payload, board in moved:  # once committed
            if board is not None:
                log.info(
                    "application assigned",
                    tracking_number=payload.tracking_number,
                    institution=board,
                    reason="appealed",
                    correlation_id=event.correlation_id,
                )

    @rpc(expected_exceptions=EXPECTED)
    def list_institutions(
        self,
        type: str | None = None,  # the public API's name for the filter
        province: str | None = None,
        q: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[dict[str, Any]]:
        with self.db.transaction() as session:
            return handlers.list_institutions(session, type=type, province=province, q=q, limit=limit, offset=offset)

    @rpc(expected_exceptions=EXPECTED)
    def get_institution(self, code: str) -> dict[str, Any]:
        with self.db.transaction() as session:
            return handlers.get_institution(session, code)

    # Administration of the directory (issue: "Admin endpoints ... to change the directory"). The token is checked
    # here, whatever the gateway checked: a caller on the bus gains nothing by skipping it.

    @rpc(expected_exceptions=EXPECTED)
    def create_institution(
        self,
        token: str | None,
        code: str,
        name: str,
        type: str,
        province: str | None = None,
        district: str | None = None,
        parent: str | None = None,
        ministry: str | None = None,
    ) -> dict[str, Any]:
        principal = self.authenticate(token)
        with self.db.transaction() as session:
            created = handlers.create_institution(
                session,
                principal,
                code=code,
                name=name,
                type=type,
                province=province,
                district=district,
                parent=parent,
                ministry=ministry,
            )
        log.info("institution created", institution=code, parent=created["parent"], by=principal.username)
        return created

    @rpc(expected_exceptions=EXPECTED)
    def update_institution(
        self,
        token: str | None,
        code: str,
        name: str | None = None,
        parent: str | None = None,
        active: bool | None = None,
    ) -> dict[str, Any]:
        principal = self.authenticate(token)
        with self.db.transaction() as session:
            updated = handlers.update_institution(
                session, principal, code=code, name=name, parent=parent, active=active
            )
        changed = [
            field for field, value in (("name", name), ("parent", parent), ("active", active)) if value is not None
        ]
        log.info(
            "institution updated", institution=code, fields=changed, active=updated["active"], by=principal.username
        )
        return updated

    # Working an application (issue 4): only while the officer's institution holds it (`Action.WORK_APPLICATION`).

    @rpc(expected_exceptions=EXPECTED)
    def forward(
        self,
        token: str | None,
        tracking_number: str,
        to_institution: str,
        note: str | None = None,
        client_address: str | None = None,
    ) -> dict[str, Any]:
        principal = self.authenticate(token)
        with self.db.transaction() as session:
            moved = handlers.forward(
                session, self.outbox, principal, tracking_number, to_institution, note, client_address
            )
        log.info(
            "application assigned",
            tracking_number=moved["tracking_number"],
            institution=moved["institution"],
            previous_institution=moved["previous_institution"],
            reason=moved["reason"],
            by=principal.username,
        )
        return moved

    @rpc(expected_exceptions=EXPECTED)
    def answer(
        self,
        token: str | None,
        tracking_number: str,
        outcome: str,
        text: str,
        client_address: str | None = None,
    ) -> dict[str, Any]:
        principal = self.authenticate(token)
        with self.db.transaction() as session:
            answered = handlers.answer(session, self.outbox, principal, tracking_number, outcome, text, client_address)
        log.info(
            "application answered", tracking_number=answered["tracking_number"], outcome=outcome, by=principal.username
        )
        return answered

    @rpc(expected_exceptions=EXPECTED)
    def extend(
        self, token: str | None, tracking_number: str, reason: str, client_address: str | None = None
    ) -> dict[str, Any]:
        principal = self.authenticate(token)
        with self.db.transaction() as session:
            extended = handlers.extend(session, self.outbox, principal, tracking_number, reason, client_address)
        log.info(
            "deadline extended",
            tracking_number=extended["tracking_number"],
            deadline=extended["deadline"],
            by=principal.username,
        )
        return extended

    @rpc(expected_exceptions=EXPECTED)
    def decide_appeal(
        self, token: str | None, tracking_number: str, decision: str, text: str, client_address: str | None = None
    ) -> dict[str, Any]:
        """The information review board's decision on an appeal it holds (SPEC section 12)."""
        principal = self.authenticate(token)
        with self.db.transaction() as session:
            decided = handlers.decide_appeal(
                session, self.outbox, principal, tracking_number, decision, text, client_address
            )
        log.info(
            "appeal decided",
            tracking_number=decided["tracking_number"],
            decision=decided["decision"],
            institution=decided["institution"],
            by=principal.username,
        )
        return decided

    @rpc(expected_exceptions=EXPECTED)
    def forward_targets(
        self, token: str | None, tracking_number: str, q: str | None = None, limit: int = 20
    ) -> dict[str, Any]:
        """What the holder may do with the application now: return it to whom, forward it to which, answer it,
        extend it (`handlers.forward_targets`)."""
        principal = self.authenticate(token)
        with self.db.transaction() as session:
            return handlers.forward_targets(session, principal, tracking_number, q=q, limit=limit)

    @rpc(expected_exceptions=EXPECTED)
    def history(self, token: str | None, tracking_number: str) -> list[dict[str, Any]]:
        principal = self.authenticate(token)
        with self.db.transaction() as session:
            return handlers.history(session, principal, tracking_number)

    # An institution's answer templates (SPEC section 12): its officers use them, its coordinator and the
    # administrators keep them.

    @rpc(expected_exceptions=EXPECTED)
    def list_answer_templates(
        self, token: str | None, institution: str | None = None, subject: str | None = None
    ) -> list[dict[str, Any]]:
        principal = self.authenticate(token)
        with self.db.transaction() as session:
            return handlers.list_answer_templates(session, principal, institution=institution, subject=subject)

    @rpc(expected_exceptions=EXPECTED)
    def create_answer_template(
        self, token: str | None, institution: str | None, subject: str | None, title: str, body: str
    ) -> dict[str, Any]:
        principal = self.authenticate(token)
        with self.db.transaction() as session:
            created = handlers.create_answer_template(session, principal, institution, subject, title, body)
        log.info(
            "answer template created",
            template_id=created["id"],
            institution=created["institution"],
            by=principal.username,
        )
        return created

    @rpc(expected_exceptions=EXPECTED)
    def update_answer_template(
        self,
        token: str | None,
        template_id: int,
        title: str | None = None,
        body: str | None = None,
        subject: str | None = None,
        active: bool | None = None,
    ) -> dict[str, Any]:
        principal = self.authenticate(token)
        with self.db.transaction() as session:
            updated = handlers.update_answer_template(
                session, principal, template_id, title=title, body=body, subject=subject, active=active
            )
        changed = [
            field
            for field, value in (("title", title), ("body", body), ("subject", subject), ("active", active))
            if value is not None
        ]
        log.info(
            "answer template updated",
            template_id=updated["id"],
            institution=updated["institution"],
            fields=changed,
            active=updated["active"],
            by=principal.username,
        )
        return updated

    # Institutions' own systems on the bus (SPEC section 10).

    @rpc(expected_exceptions=EXPECTED)
    def plug_institution(self, code: str, plugged: bool) -> dict[str, Any]:
        """`cimer-institution plug|unplug` (the operator, vouched for by the broker) after it set up the queue."""
        with self.db.transaction() as session:
            institution = handlers.plug_institution(session, code, plugged)
        log.info("institution system plugged" if plugged else "institution system unplugged", institution=code)
        return institution

    @on_institution_command
    def handle_institution_command(self, institution: str, command: str, body: Any) -> None:
        with self.db.transaction() as session:
            outcome = handlers.act_on_command(session, self.outbox, institution, command, body, datetime.now(UTC))
        log.info(
            "institution command",
            institution=institution,
            command=command,
            outcome=outcome["type"],
            code=outcome["code"],
            tracking_number=outcome["tracking_number"],
        )

    @timer(interval=DEADLINE_SCAN_SECONDS)
    def watch_deadlines(self) -> None:
        """Deadlines coming near or passed (SPEC section 5), and the answered applications to close (SPEC section
        12), one batch per transaction until none is left."""
        today = calendar.today()
        for watch, what in ((handlers.watch_deadlines, "notices"), (handlers.close_answered, "closed")):
            total = 0
            while True:
                with self.db.transaction() as session:
                    taken = watch(session, self.outbox, today)
                total += taken
                if taken < handlers.SCAN_BATCH:
                    break
            if total:
                log.info("deadlines watched", **{what: total}, today=today.isoformat())
