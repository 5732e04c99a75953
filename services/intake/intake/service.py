"""Intake's nameko service: the only module here that knows nameko. Each entrypoint opens one transaction and
hands the work to `handlers`."""

from __future__ import annotations

import os
import uuid
from base64 import b64decode
from datetime import UTC, datetime
from typing import Any

from nameko.dependency_providers import Config
from nameko.timer import timer
from pydantic import ValidationError
from sqlalchemy.orm import Session

from cimer_common import calendar
from cimer_common.authentication import Authentication, FollowsRevocations
from cimer_common.bus import rpc
from cimer_common.db import Database, HealthCheck
from cimer_common.dead_letters import ReplaysDeadLetters
from cimer_common.errors import EXPECTED, InvalidApplication, InvalidRequest, NotFound, round_of
from cimer_common.events import ApplicationAnswered, ApplicationAssigned, ApplicationClosed, DeadlineExtended
from cimer_common.logs import get_logger
from cimer_common.metrics import Metrics
from cimer_common.outbox import Batch, Outbox, apply_batch_once, on_events
from cimer_common.retention import AppliesRetention, Retention
from cimer_common.schemas import ApplicationCreate, page_window
from cimer_common.worker_context import LogContext
from intake import domain, handlers
from intake.attachments import Store, scan
from intake.models import OutboxMessage, ProcessedEvent

log = get_logger(__name__)
# How often the sealed codes past their bound are looked for. Read at import: nameko fixes a timer's interval when
# the class is defined.
FORGET_INTERVAL_SECONDS = float(os.environ.get("FORGET_CODES_INTERVAL_SECONDS", "600"))
# How often the applications filed since are checked for duplicates (SPEC section 12), off the filing's path; read at
# import, as the interval above.
DUPLICATE_SCAN_SECONDS = float(os.environ.get("DUPLICATE_SCAN_SECONDS", "1"))


def _application_id(value: Any) -> uuid.UUID:
    """An internal caller's application id: a UUID as text, or a refusal."""
    if isinstance(value, str):
        try:
            return uuid.UUID(value)
        except ValueError:
            pass
    raise InvalidRequest("invalid_application_id", "application_id")


def _field(notice: Any, name: str) -> Any:
    return notice.get(name) if isinstance(notice, dict) else None


def _notice_kind(notice: Any) -> str:
    kind = _field(notice, "kind")
    if not isinstance(kind, str):
        raise InvalidRequest("invalid_request", "kind")
    return kind


class IntakeService(HealthCheck, ReplaysDeadLetters, FollowsRevocations, AppliesRetention):
    name = "intake"

    db = Database()
    metrics = Metrics()
    outbox = Outbox(OutboxMessage, bounded=True)  # back-pressure: no filing over its backlog
    log_context = LogContext()
    config = Config()
    authenticate = Authentication()

    @rpc(expected_exceptions=EXPECTED)
    def file_application(
        self, application: dict[str, Any], token: str | None = None, client_address: str | None = None
    ) -> dict[str, Any]:
        """A citizen's web application needs no token; phone and in-person ones need the recording officer's. A
        web filing is limited by `client_address` (the caller's, from the gateway) and by its contacts."""
        officer = self.authenticate(token) if token else None
        if client_address is not None and not isinstance(client_address, str):
            client_address = None
        try:
            request = ApplicationCreate.model_validate(application)
        except ValidationError as error:
            first = error.errors()[0]
            raise InvalidApplication("invalid_request", ".".join(str(p) for p in first["loc"])) from None
        with self.db.transaction() as session:
            accepted = handlers.file_application(
                session,
                self.outbox,
                request,
                self.config["ACCESS_CODE_PEPPER"],
                self.config["ACCESS_CODE_SEAL_KEY"],
                officer,
                client_address,
                domain.filing_limits(
                    int(self.config["WEB_FILINGS_PER_ADDRESS"]), int(self.config["WEB_FILINGS_PER_CONTACT"])
                ),
            )
        log.info(
            "application filed", tracking_number=accepted["tracking_number"], kind=request.kind, channel=request.channel
        )
        return accepted

    @rpc(expected_exceptions=EXPECTED)
    def get_status(self, tracking_number: str, access_code: str, client_address: str | None = None) -> dict[str, Any]:
        """The public status; `client_address` (the caller's IP, from the gateway) is what the guessing throttle
        counts failed look-ups by. The refusal is raised after the commit, so the failure stays counted."""
        tracking_number, access_code, client_address = _pair(tracking_number, access_code, client_address)
        with self.db.transaction() as session:
            outcome = handlers.status(
                session,
                tracking_number,
                access_code,
                self.config["ACCESS_CODE_PEPPER"],
                client_address,
                datetime.now(UTC),
            )
        if outcome.refusal is not None and outcome.refusal.code == "too_many_lookups":
            log.info("status look-up throttled", client_address=client_address)
        return outcome.unwrap()

    @rpc(expected_exceptions=EXPECTED)
    def appeal(
        self, tracking_number: str, access_code: str, reason: str, client_address: str | None = None
    ) -> dict[str, Any]:
        """The applicant's appeal of a refused information request (SPEC section 12), with the tracking number and
        access code, throttled as the status is; answers with the public status."""
        tracking_number, access_code, client_address = _pair(tracking_number, access_code, client_address)
        with self.db.transaction() as session:
            outcome = handlers.appeal(
                session, self.outbox, tracking_number, access_code, reason,
                self.config["ACCESS_CODE_PEPPER"], client_address, datetime.now(UTC),
            )  # fmt: skip
        result = outcome.unwrap()
        log.info("application appealed", tracking_number=result["tracking_number"])
        return result

    @rpc(expected_exceptions=EXPECTED)
    def give_feedback(
        self,
        tracking_number: str,
        access_code: str,
        rating: int,
        solved: bool,
        comment: str | None = None,
        client_address: str | None = None,
    ) -> dict[str, Any]:
        """The applicant's one rating of the answer (SPEC section 12), with the tracking number and access code."""
        tracking_number, access_code, client_address = _pair(tracking_number, access_code, client_address)
        with self.db.transaction() as session:
            outcome = handlers.give_feedback(
                session, self.outbox, tracking_number, access_code, rating, solved, comment,
                self.config["ACCESS_CODE_PEPPER"], client_address, datetime.now(UTC),
            )  # fmt: skip
        result = outcome.unwrap()
        log.info("answer rated", tracking_number=result["tracking_number"])
        return result

    @rpc(expected_exceptions=EXPECTED)
    def add_attachment(
        self,
        tracking_number: str,
        filename: str,
        body: str,
        access_code: str | None = None,
        token: str | None = None,
        client_address: str | None = None,
    ) -> dict[str, Any]:
        """A file (`body` in base64) with the application: from its applicant with the access code, or from an
        officer of the holding institution with their token (SPEC section 12)."""
        officer = self.authenticate(token) if token else None
        if not isinstance(tracking_number, str) or (officer is None and not isinstance(access_code, str)):
            raise NotFound("application_not_found")
        content = _decoded(body)
        with self.db.transaction() as session:
            outcome = handlers.add_attachment(
                session, self.outbox, self._store(), self._scan, tracking_number, filename, content,
                datetime.now(UTC), officer, access_code, self.config["ACCESS_CODE_PEPPER"],
                client_address if isinstance(client_address, str) else None,
            )  # fmt: skip
        result = outcome.unwrap()
        log.info("file attached", tracking_number=tracking_number, side=result["side"], size=result["size"])
        return result

    @rpc(expected_exceptions=EXPECTED)
    def read_attachment(
        self,
        tracking_number: str,
        attachment_id: str,
        access_code: str | None = None,
        token: str | None = None,
        client_address: str | None = None,
    ) -> dict[str, Any]:
        """A file of the application, `{filename, content_type, size, body}` (base64), for whoever may read it."""
        officer = self.authenticate(token) if token else None
        if not isinstance(tracking_number, str) or (officer is None and not isinstance(access_code, str)):
            raise NotFound("application_not_found")
        with self.db.transaction() as session:
            outcome = handlers.read_attachment(
                session, self.outbox, self._store(), tracking_number, attachment_id, datetime.now(UTC), officer,
                access_code, self.config["ACCESS_CODE_PEPPER"],
                client_address if isinstance(client_address, str) else None,
            )  # fmt: skip
        return outcome.unwrap()

    def _store(self) -> Store:
        return Store(self.config["ATTACHMENTS_DIR"])

    def _scan(self, content: bytes) -> None:
        scan(content, self.config["CLAMD_ADDRESS"])

    @rpc(expected_exceptions=EXPECTED)
    def text_names_applicant(self, token: str, tracking_number: str, text: str) -> bool:
        """Whether an answer's text names this application's applicant or number: then it is not for the
        applications linked to it (SPEC section 12, one answer for linked duplicates)."""
        officer = self.authenticate(token)
        with self.db.transaction() as session:
            return handlers.text_names_applicant(session, officer, tracking_number, text)

    @rpc(expected_exceptions=EXPECTED)
    def inbox(
        self, token: str, limit: int = 50, offset: int = 0, kind: str | None = None, overdue: bool | None = None
    ) -> dict[str, Any]:
        officer = self.authenticate(token)
        with self.db.transaction() as session:
            return handlers.inbox(session, officer, *page_window(limit, offset, 200), kind, overdue)

    @rpc(expected_exceptions=EXPECTED)
    def overview(self, token: str) -> dict[str, Any]:
        """A coordinator's subtree now: open and overdue applications per holding institution."""
        officer = self.authenticate(token)
        with self.db.transaction() as session:
            return handlers.overview(session, officer, calendar.today())

    @rpc(expected_exceptions=EXPECTED)
    def get_application(self, token: str, tracking_number: str, client_address: str | None = None) -> dict[str, Any]:
        officer = self.authenticate(token)
        with self.db.transaction() as session:
            return handlers.application_for_officer(session, self.outbox, officer, tracking_number, client_address)

    @rpc(expected_exceptions=EXPECTED)
    def duplicates(self, token: str, tracking_number: str) -> list[dict[str, Any]]:
        """The applications flagged as close to this one that the officer may read (as `get_application` shows
        them), without personal data: what the gateway checks an answer to several against."""
        officer = self.authenticate(token)
        with self.db.transaction() as session:
            return handlers.duplicates(session, officer, tracking_number)

    @rpc(expected_exceptions=EXPECTED)
    def link_duplicate(
        self, token: str, tracking_number: str, other: str, linked: bool, client_address: str | None = None
    ) -> dict[str, Any]:
        """The holder's officer links a flagged pair, or says the two are not the same matter (`linked=False`)."""
        officer = self.authenticate(token)
        with self.db.transaction() as session:
            result = handlers.link_duplicate(
                session, self.outbox, officer, tracking_number, other, linked, client_address, datetime.now(UTC)
            )
        log.info("duplicates decided", tracking_number=result["tracking_number"], linked=linked, by=officer.username)
        return result

    @timer(interval=DUPLICATE_SCAN_SECONDS)
    def find_duplicates(self) -> dict[str, int]:
        """The applications not checked for duplicates yet, a batch a transaction, a few batches a run (what is left
        waits for the next run): off the filing's path, which stays as fast as it was."""
        found = {"checked": 0, "flagged": 0}
        for _ in range(domain.DUPLICATE_BATCHES_PER_RUN):
            with self.db.transaction() as session:
                batch = handlers.find_duplicates(session, datetime.now(UTC))
            found = {key: found[key] + batch[key] for key in found}
            if batch["checked"] < domain.DUPLICATE_BATCH:
                break
        if found["flagged"]:
            log.info("duplicates flagged", **found)
        return found

    # --- Internal, service to service (notification): no token; the gateway does not expose these ---------------

    @rpc(expected_exceptions=EXPECTED)
    def notice_contacts(self, notices: list[dict[str, str]]) -> list[dict[str, Any] | None]:
        """How to reach the applicant for each `{application_id, kind}` of a sending round, in order: `{name,
        email, phone, language, tracking_number, access_code}`, the access code only for a receipt until it is
        delivered; None where nobody can be told."""
        wanted = [
            (_application_id(_field(notice, "application_id")), _notice_kind(notice))
            for notice in round_of(notices, "notices")
        ]
        with self.db.transaction() as session:
            return handlers.notice_contacts(session, wanted, self.config["ACCESS_CODE_SEAL_KEY"])

    @rpc(expected_exceptions=EXPECTED)
    def answer_attachments(self, application_id: str, answered_at: str | None = None) -> list[dict[str, str]]:
        """The files the answering institution attached up to its answer, `[{filename, content_type, body}]`
        (base64), for the answer's mail; `answered_at` (ISO) the answer it is for, `NotReady` until intake has it."""
        key = _application_id(application_id)
        try:
            answer = datetime.fromisoformat(answered_at) if isinstance(answered_at, str) else None
        except ValueError as error:
            raise InvalidRequest("invalid_request", "answered_at") from error
        with self.db.transaction() as session:
            return handlers.answer_attachments(session, self._store(), key, answer)

    @rpc(expected_exceptions=EXPECTED)
    def receipts_done(self, application_ids: list[str]) -> None:
        """These receipts are done with (delivered, or given up): their sealed access codes are forgotten (again:
        nothing happens)."""
        identifiers = [_application_id(value) for value in round_of(application_ids, "application_ids")]
        with self.db.transaction() as session:
            handlers.receipts_done(session, identifiers)
        log.info("receipts done, access codes forgotten", applications=len(identifiers))

    @timer(interval=FORGET_INTERVAL_SECONDS)
    def forget_expired(self) -> dict[str, int]:
        """What is kept only for a while: sealed codes past their bound, whatever became of their receipts
        (`domain.SEALED_AT_MOST`), and the filing marks no limit counts any longer."""
        now = datetime.now(UTC)
        with self.db.transaction() as session:
            codes = handlers.forget_stale_access_codes(session, now)
            marks = handlers.forget_old_filing_marks(session, now)
        if codes:
            log.warning("access codes forgotten before their receipts were done", applications=codes)
        return {"access_codes": codes, "filing_marks": marks}

    def erase_expired(self, session: Session, now: datetime, policy: Retention) -> dict[str, int]:
        """KVKK: an answered application's applicant and texts, once the retention period is over."""
        return handlers.erase_personal_data(session, self.outbox, now, policy, self._store())

    @on_events("routing", "application_assigned")
    def handle_application_assigned(self, events: Batch[ApplicationAssigned]) -> None:
        apply_batch_once(
            self.db,
            ProcessedEvent,
            events,
            lambda session, _, payload: handlers.record_assignment(session, self.outbox, payload),
        )

    @on_events("routing", "application_answered")
    def handle_application_answered(self, events: Batch[ApplicationAnswered]) -> None:
        apply_batch_once(
            self.db, ProcessedEvent, events, lambda session, _, payload: handlers.record_answer(session, payload)
        )

    @on_events("routing", "application_closed")
    def handle_application_closed(self, events: Batch[ApplicationClosed]) -> None:
        apply_batch_once(
            self.db, ProcessedEvent, events, lambda session, _, payload: handlers.record_closing(session, payload)
        )

    @on_events("routing", "deadline_extended")
    def handle_deadline_extended(self, events: Batch[DeadlineExtended]) -> None:
        apply_batch_once(
            self.db, ProcessedEvent, events, lambda session, _, payload: handlers.record_extension(session, payload)
        )


def _pair(tracking_number: object, access_code: object, client_address: object) -> tuple[str, str, str | None]:
    """What the applicant's calls take: a tracking number and an access code (anything else is answered as a
    missing application), and the caller's address when it is one."""
    if not isinstance(tracking_number, str) or not isinstance(access_code, str):
        raise NotFound("application_not_found")
    return tracking_number, access_code, client_address if isinstance(client_address, str) else None


def _decoded(body: object) -> bytes:
    """An uploaded file's bytes from the base64 the gateway sent (at most a little over the largest file)."""
    if not isinstance(body, str) or len(body) > (domain.ATTACHMENT_BYTES_AT_MOST // 3 + 1) * 4 + 4:
        raise InvalidRequest("attachment_too_large", "file")
    try:
        return b64decode(body, validate=True)
    except ValueError as error:
        raise InvalidRequest("invalid_request", "file") from error
