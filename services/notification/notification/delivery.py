"""Sending the notices owed, and the delivery log: plain functions over a transaction factory, the channels and
the contact look-ups, so they run the same under nameko's timer and in a test.

A round (`deliver_due`) takes the due notices with `FOR UPDATE SKIP LOCKED` and leases them (`sending`, due again
only when the lease runs out, should the sender die), commits, and only then talks to the outside world: no row
lock is held while an SMTP server or an SMS provider is slow, and two replicas never take the same notice.
Each attempt on each channel is logged at once, so a channel that succeeded is never used again for that notice
when another one failed (nor after a crash: a notice whose lease ran out is taken again, and what its log says
was sent is not sent again). Contact details are asked for at send time and never written down, except masked in
the log: the applicants' of a whole round in one call to intake, whose delivered receipts are reported in one
call too, and the round's outcomes are written in one transaction.
"""

from __future__ import annotations

import os
import uuid
from base64 import b64decode
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import bindparam, insert, or_, select, tuple_, update
from sqlalchemy.orm import Session

from cimer_common.logs import get_logger
from notification import domain
from notification.channels import DeliveryFailed
from notification.messages import Attachment, Rendered, render
from notification.models import Delivery, Notice

log = get_logger(__name__)

# Every send is logged at once, by a statement of its own: built once, on the table, without the ORM's unit of work,
# which cost more than the insert.
LOGGED = ("notice_id", "channel", "target", "recipient", "attempt", "result", "error")
LOG_DELIVERY = insert(Delivery.__table__).values({name: bindparam(name) for name in LOGGED})

# A round settles a notice only if it is still ours: a sender whose lease ran out has lost it to another.
_NOTICES = Notice.__table__
_STILL_OURS = _NOTICES.c.status == domain.SENDING
# A notice not sent this round, settled.
SETTLE_UNSENT = (
    update(_NOTICES)
    .where(_NOTICES.c.id == bindparam("notice_id"), _NOTICES.c.attempts == bindparam("attempt"), _STILL_OURS)
    .values(
        status=bindparam("new_status"),
        next_attempt_at=bindparam("retry_at"),
        last_error=bindparam("error_text"),
    )
)

Transaction = Callable[[], AbstractContextManager[Session]]


class Contacts(Protocol):
    """What is asked of the other services at send time: addresses (intake for applicants, identity for officers)
    and the documents a notice carries (reporting for a monthly report)."""

    def applicants(self, notices: list[tuple[str, str]]) -> list[dict[str, Any] | None]:
        """For each `(application id, notice kind)`, in order: how to reach its applicant, or None."""
        ...

    def receipts_done(self, application_ids: list[str]) -> None: ...

    def officers(self, wanted: list[tuple[str, bool]]) -> list[list[dict[str, Any]]]:
        """For each `(institution, coordinators only)`, in order: `[{username, email}]` of whom to tell."""
        ...

    def report_document(self, period: str, institution: str | None) -> dict[str, str]: ...

    def answer_attachments(self, application_id: str, answered_at: str | None) -> list[dict[str, str]]:
        """The files the answering institution attached to the answer of `answered_at`, `[{filename, content_type,
        body}]` (base64); refused (retried later) until intake has recorded that answer."""
        ...


class Sender(Protocol):
    def mail(self, to: str, subject: str, text: str, html: str, attachments: tuple[Attachment, ...] = ()) -> None: ...

    def sms(self, to: str, text: str) -> None: ...


@dataclass(frozen=True)
class Policy:
    retry_base_seconds: float = 30.0
    max_attempts: int = 6
    batch: int = 50
    lease: timedelta = timedelta(minutes=5)  # longer than any one notice takes to send
    paused: bool = False  # NOTIFY_PAUSED: record notices, send none (an operator holding mail back; some tests)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Policy:
        def setting(name: str, default: str) -> str:
            return str(config.get(name) or os.environ.get(name) or default)

        return cls(
            retry_base_seconds=float(setting("NOTIFY_RETRY_BASE_SECONDS", "30")),
            max_attempts=int(setting("NOTIFY_MAX_ATTEMPTS", "6")),
            paused=setting("NOTIFY_PAUSED", "false").lower() in ("1", "true", "yes"),
        )


@dataclass(frozen=True)
class Taken:
    id: uuid.UUID
    application_id: uuid.UUID | None
    tracking_number: str | None
    kind: str
    recipient: str
    language: str
    detail: str | None
    facts: dict[str, Any]
    attempt: int
    done: frozenset[tuple[str, str]] = frozenset()  # (channel, target) that succeeded on an earlier attempt

    @property
    def to_applicant(self) -> bool:
        return self.recipient == domain.APPLICANT and self.application_id is not None

    @property
    def officers_wanted(self) -> tuple[str, bool] | None:
        """`(institution, coordinators only)` for a notice to an institution's people: `coordinators:<CODE>` is
        meant for the coordinators there, `institution:<CODE>` for everyone who works its applications."""
        code = domain.institution_of(self.recipient)
        return None if code is None else (code, self.recipient == domain.coordinators_recipient(code))


@dataclass
class Addresses:
    """A round's addresses, asked for together: each applicant's by notice, each institution's officers by
    `(institution, coordinators only)`; what could not be asked, by notice, with why."""

    applicants: dict[uuid.UUID, dict[str, Any] | None] = field(default_factory=dict)
    officers: dict[tuple[str, bool], list[dict[str, Any]]] = field(default_factory=dict)
    failed: dict[uuid.UUID, str] = field(default_factory=dict)

    @classmethod
    def of(cls, contacts: Contacts, taken: list[Taken]) -> Addresses:
        """One call to intake for the round's applicants, one to identity for its institutions; a call that fails
        (its service down) leaves the notices it was for to the next attempt."""
        addresses = cls()
        to_applicants = [notice for notice in taken if notice.to_applicant]
        if to_applicants:
            try:
                found = contacts.applicants([(str(notice.application_id), notice.kind) for notice in to_applicants])
                addresses.applicants = dict(zip((n.id for n in to_applicants), found, strict=True))
            except Exception as error:
                addresses.failed.update(
                    (n.id, f"contact look-up: {type(error).__name__}: {error}") for n in to_applicants
                )
        to_officers = {notice.id: key for notice in taken if (key := notice.officers_wanted) is not None}
        wanted = sorted(set(to_officers.values()))
        if wanted:
            try:
                addresses.officers = dict(zip(wanted, contacts.officers(wanted), strict=True))
            except Exception as error:
                addresses.failed.update(
                    (notice_id, f"contact look-up: {type(error).__name__}: {error}") for notice_id in to_officers
                )
        return addresses


@dataclass(frozen=True)
class Outcome:
    """How one attempt at a notice ended: `status` sent or skipped, or None for a failure (retried)."""

    notice: Taken
    status: str | None
    error: str | None = None


@dataclass(frozen=True)
class Send:
    channel: str  # `email` or `sms`
    target: str  # `applicant` or an officer's username
    address: str

    @property
    def masked(self) -> str:
        return domain.mask_email(self.address) if self.channel == "email" else domain.mask_phone(self.address)


class Skip(Exception):
    """Nobody to send the notice to."""


def deliver_due(
    transaction: Transaction, channels: Sender, contacts: Contacts, now: datetime, policy: Policy = Policy()
) -> int:
    """Send every notice due at `now`, up to one batch; returns how many were taken."""
    taken = take_due(transaction, now, policy)
    if not taken:
        return 0
    addresses = Addresses.of(contacts, taken)
    outcomes = [
        Outcome(notice, None, addresses.failed[notice.id])
        if notice.id in addresses.failed
        else attempt(transaction, channels, contacts, notice, addresses)
        for notice in taken
    ]
    finish(transaction, receipts_reported(contacts, outcomes, policy), now, policy)
    return len(taken)


def take_due(transaction: Transaction, now: datetime, policy: Policy) -> list[Taken]:
    """Lease up to a batch of the notices due, oldest first, in one statement: `FOR UPDATE SKIP LOCKED` in its
    sub-select, so replicas take different ones."""
    table = Notice.__table__
    due = (
        select(table.c.id)
        .where(
            table.c.status.in_([domain.PENDING, domain.SENDING]),
            or_(table.c.next_attempt_at.is_(None), table.c.next_attempt_at <= now),
        )
        .order_by(table.c.created_at)
        .limit(policy.batch)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    with transaction() as session:
        leased = session.execute(
            update(table)
            .where(table.c.id.in_(due))
            .values(status=domain.SENDING, attempts=table.c.attempts + 1, next_attempt_at=now + policy.lease)
            .returning(*table.c)
        ).all()
        notices = sorted(leased, key=lambda row: row.created_at)
        done: dict[uuid.UUID, set[tuple[str, str]]] = {}
        retried = [notice.id for notice in notices if notice.attempts > 1]
        if retried:
            succeeded = select(Delivery.notice_id, Delivery.channel, Delivery.target).where(
                Delivery.notice_id.in_(retried), Delivery.result == "ok"
            )
            for row in session.execute(succeeded):
                done.setdefault(row.notice_id, set()).add((row.channel, row.target))
        return [
            Taken(
                id=notice.id,
                application_id=notice.application_id,
                tracking_number=notice.tracking_number,
                kind=notice.kind,
                recipient=notice.recipient,
                language=notice.language,
                detail=notice.detail,
                facts=dict(notice.facts or {}),
                attempt=notice.attempts,
                done=frozenset(done.get(notice.id, ())),
            )
            for notice in notices
        ]


def attempt(
    transaction: Transaction,
    channels: Sender,
    contacts: Contacts,
    notice: Taken,
    addresses: Addresses,
) -> Outcome:
    """One attempt at `notice`, to the round's `addresses`, each send logged at once."""
    try:
        rendered, sends = plan(contacts, notice, addresses)
    except Skip as why:
        return Outcome(notice, domain.SKIPPED, str(why))
    except Exception as error:  # no receipt's code, or no report's document (reporting down): try again later
        return Outcome(notice, None, f"contact look-up: {type(error).__name__}: {error}")

    errors = []
    for send in sends:
        if (send.channel, send.target) in notice.done:
            continue
        error = _send(channels, send, rendered)
        with transaction() as session:
            # One statement, committed as it runs: durable as soon as it returns, without a BEGIN and a COMMIT
            # (two round trips of the three a send cost).
            session.connection(execution_options={"isolation_level": "AUTOCOMMIT"}).execute(
                LOG_DELIVERY,
                {
                    "notice_id": notice.id,
                    "channel": send.channel,
                    "target": send.target,
                    "recipient": send.masked,
                    "attempt": notice.attempt,
                    "result": "ok" if error is None else "failed",
                    "error": error,
                },
            )
        if error is not None:
            errors.append(f"{send.channel}: {error}")
    if errors:
        return Outcome(notice, None, "; ".join(errors))
    return Outcome(notice, domain.SENT)


def receipts_reported(contacts: Contacts, outcomes: list[Outcome], policy: Policy) -> list[Outcome]:
    """Tell intake, in one call, which receipts are done with: delivered, skipped, or failing at their last
    attempt, so that it forgets their access codes. A delivered receipt counts as sent only once intake knows, and
    is tried again (sending nothing twice) when intake cannot be told; one skipped or given up stays so (intake
    forgets its code within a day in any case)."""

    def done(outcome: Outcome) -> bool:
        notice = outcome.notice
        if notice.kind != domain.RECEIPT or not notice.application_id:
            return False
        last = outcome.status is None and notice.attempt >= policy.max_attempts
        return outcome.status in (domain.SENT, domain.SKIPPED) or last

    receipts = [o.notice.application_id for o in outcomes if done(o)]
    if not receipts:
        return outcomes
    try:
        contacts.receipts_done([str(application_id) for application_id in receipts])
    except Exception as error:
        failed = f"receipts_done: {type(error).__name__}: {error}"
        return [
            Outcome(o.notice, None, failed) if o.status == domain.SENT and o.notice.kind == domain.RECEIPT else o
            for o in outcomes
        ]
    return outcomes


def _send(channels: Sender, send: Send, rendered: Rendered) -> str | None:
    try:
        if send.channel == "email":
            channels.mail(send.address, rendered.subject, rendered.text, rendered.html, rendered.attachments)
        else:
            channels.sms(send.address, rendered.sms or rendered.subject)
    except DeliveryFailed as failure:
        return failure.reason
    except Exception as error:  # a channel must never take the sender down with it
        return f"{type(error).__name__}: {error}"
    return None


def plan(contacts: Contacts, notice: Taken, addresses: Addresses) -> tuple[Rendered, list[Send]]:
    """What to say and where, to the round's addresses (kept only in memory); a monthly report's document is
    asked for now."""
    context: dict[str, Any] = {"tracking_number": notice.tracking_number, **notice.facts}
    if notice.detail is not None:
        context.setdefault("reason", notice.detail)
    if notice.recipient == domain.APPLICANT:
        if notice.application_id is None:
            raise Skip("no application")
        contact = addresses.applicants.get(notice.id)
        if contact is None:
            raise Skip("applicant cannot be told (anonymous or unknown)")
        if notice.kind == domain.RECEIPT and not contact.get("access_code"):
            raise RuntimeError("intake has no access code for the receipt")
        context.update(
            name=contact.get("name"),
            access_code=contact.get("access_code"),
            tracking_number=contact.get("tracking_number") or notice.tracking_number,
        )
        rendered = render(notice.kind, contact.get("language") or notice.language, context)
        if notice.kind in domain.ANSWERS_WITH_FILES:  # the answer's files go with its mail (SPEC section 12)
            files = contacts.answer_attachments(str(notice.application_id), notice.facts.get("answered_at"))
            attached = tuple(Attachment(f["filename"], f["content_type"], b64decode(f["body"])) for f in files)
            rendered = replace(rendered, attachments=attached)
        sends = []
        if contact.get("email"):
            sends.append(Send("email", domain.APPLICANT, contact["email"]))
        if contact.get("phone") and rendered.sms:
            sends.append(Send("sms", domain.APPLICANT, contact["phone"]))
        if not sends:
            raise Skip("applicant left no e-mail or phone")
        return rendered, sends
    wanted = notice.officers_wanted
    if wanted is None:
        raise Skip(f"unknown recipient {notice.recipient}")
    code = wanted[0]
    context.setdefault("institution", code)
    rendered = render(notice.kind, notice.language, context)
    if notice.kind == domain.MONTHLY_REPORT:
        document = contacts.report_document(notice.facts["period"], notice.facts["report_of"])
        attachment = Attachment(document["filename"], document["content_type"], b64decode(document["body"]))
        rendered = replace(rendered, attachments=(attachment,))
    sends = [Send("email", o["username"], o["email"]) for o in addresses.officers.get(wanted, []) if o.get("email")]
    if not sends:
        raise Skip(f"no officer of {code} with an e-mail address")
    return rendered, sends


def finish(transaction: Transaction, outcomes: list[Outcome], now: datetime, policy: Policy) -> None:
    """Settle a round's attempts in one transaction: sent or skipped, or a failure retried with back-off until the
    last attempt, when the notice is given up."""
    settled: list[tuple[Taken, str, str | None]] = []
    with transaction() as session:
        sent = [outcome.notice for outcome in outcomes if outcome.status == domain.SENT]
        if sent:  # most of a round: one statement for all of them
            session.execute(
                update(Notice)
                .where(tuple_(Notice.id, Notice.attempts).in_([(n.id, n.attempt) for n in sent]), _STILL_OURS)
                .values(status=domain.SENT, sent_at=now, next_attempt_at=None, last_error=None)
            )
            settled += [(notice, domain.SENT, None) for notice in sent]
        changes, finals = [], []
        for outcome in outcomes:
            notice, status, error = outcome.notice, outcome.status, outcome.error
            if status == domain.SENT:
                continue
            final: tuple[str, str | None] | None = None  # the delivery log's last entry: result, error
            next_attempt_at: datetime | None = None
            if status == domain.SKIPPED:
                final = ("skipped", error)
            elif notice.attempt >= policy.max_attempts:
                status = domain.FAILED
                final = ("gave_up", f"gave up after {notice.attempt} attempts; last error: {error}")
            else:
                status = domain.PENDING
                next_attempt_at = now + domain.retry_delay(notice.attempt, policy.retry_base_seconds)
            changes.append(
                {
                    "notice_id": notice.id,
                    "attempt": notice.attempt,
                    "new_status": status,
                    "retry_at": next_attempt_at,
                    "error_text": error,
                }
            )
            if final is not None:
                finals.append(
                    {
                        "notice_id": notice.id,
                        "channel": "none",
                        "target": "-",
                        "recipient": None,
                        "attempt": notice.attempt,
                        "result": final[0],
                        "error": final[1],
                    }
                )
            settled.append((notice, status, error))
        # The rest of the round (skipped, retried, given up) in two statements, each run for many rows at once.
        if changes:
            session.execute(SETTLE_UNSENT, changes)
        if finals:
            session.execute(LOG_DELIVERY, finals)
    for notice, status, error in settled:  # once committed
        log_method = log.warning if status in (domain.FAILED, domain.PENDING) else log.info
        log_method(
            "notice " + status,
            notice_id=str(notice.id),
            kind=notice.kind,
            recipient=notice.recipient,
            tracking_number=notice.tracking_number,
            attempt=notice.attempt,
            error=error,
        )
