"""Sending the notices owed, and the delivery log: plain functions over a transaction factory, the channels and
the contact look-ups, so they run the same under nameko's timer and in a test.

A round (`deliver_due`) takes the due notices with `FOR UPDATE SKIP LOCKED` and leases them (`sending`, due again
only when the lease runs out, should the sender die), commits, and only then talks to the outside world: no row
lock is held while an SMTP server or an SMS provider is slow, and two replicas never take the same notice.
Each attempt on each channel is logged at once, so a channel that succeeded is never used again for that notice
when another one failed. Contact details are asked for at send time and never written down, except masked in the
log.
"""

from __future__ import annotations

import os
import uuid
from base64 import b64decode
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from cimer_common.logs import get_logger
from notification import domain
from notification.channels import DeliveryFailed
from notification.messages import Attachment, Rendered, render
from notification.models import Delivery, Notice

log = get_logger(__name__)

Transaction = Callable[[], AbstractContextManager[Session]]


class Contacts(Protocol):
    """What is asked of the other services at send time: addresses (intake for applicants, identity for officers)
    and the documents a notice carries (reporting for a monthly report)."""

    def applicant(self, application_id: str, kind: str) -> dict[str, Any] | None: ...

    def receipt_delivered(self, application_id: str) -> None: ...

    def officers(self, institution: str, coordinators_only: bool = False) -> list[dict[str, Any]]: ...

    def report_document(self, period: str, institution: str | None) -> dict[str, str]: ...


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
    for notice in taken:
        deliver_one(transaction, channels, contacts, notice, now, policy)
    return len(taken)


def take_due(transaction: Transaction, now: datetime, policy: Policy) -> list[Taken]:
    with transaction() as session:
        notices = session.scalars(
            select(Notice)
            .where(
                Notice.status.in_([domain.PENDING, domain.SENDING]),
                or_(Notice.next_attempt_at.is_(None), Notice.next_attempt_at <= now),
            )
            .order_by(Notice.created_at)
            .limit(policy.batch)
            .with_for_update(skip_locked=True)
        ).all()
        taken = []
        for notice in notices:
            notice.status = domain.SENDING
            notice.attempts += 1
            notice.next_attempt_at = now + policy.lease
            taken.append(
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
                )
            )
        return taken


def deliver_one(
    transaction: Transaction, channels: Sender, contacts: Contacts, notice: Taken, now: datetime, policy: Policy
) -> str:
    """One attempt at `notice`; returns its status afterwards."""
    try:
        rendered, sends = plan(contacts, notice)
    except Skip as why:
        return _finish(transaction, notice, domain.SKIPPED, now, policy, str(why))
    except Exception as error:  # the contact look-up failed (intake or identity down): try again later
        return _finish(transaction, notice, None, now, policy, f"contact look-up: {type(error).__name__}: {error}")

    with transaction() as session:
        succeeded = select(Delivery.channel, Delivery.target).where(
            Delivery.notice_id == notice.id, Delivery.result == "ok"
        )
        done = {(row.channel, row.target) for row in session.execute(succeeded)}
    errors = []
    for send in sends:
        if (send.channel, send.target) in done:
            continue
        error = _send(channels, send, rendered)
        with transaction() as session:
            session.add(
                Delivery(
                    notice_id=notice.id,
                    channel=send.channel,
                    target=send.target,
                    recipient=send.masked,
                    attempt=notice.attempt,
                    result="ok" if error is None else "failed",
                    error=error,
                )
            )
        if error is not None:
            errors.append(f"{send.channel}: {error}")
    if not errors and notice.kind == domain.RECEIPT and notice.application_id is not None:
        try:
            contacts.receipt_delivered(str(notice.application_id))
        except Exception as error:
            errors.append(f"receipt_delivered: {type(error).__name__}: {error}")
    if errors:
        return _finish(transaction, notice, None, now, policy, "; ".join(errors))
    return _finish(transaction, notice, domain.SENT, now, policy, None)


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


def plan(contacts: Contacts, notice: Taken) -> tuple[Rendered, list[Send]]:
    """What to say and where: asks for the addresses now, keeps them only in memory."""
    context: dict[str, Any] = {"tracking_number": notice.tracking_number, **notice.facts}
    if notice.detail is not None:
        context.setdefault("reason", notice.detail)
    if notice.recipient == domain.APPLICANT:
        if notice.application_id is None:
            raise Skip("no application")
        contact = contacts.applicant(str(notice.application_id), notice.kind)
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
        sends = []
        if contact.get("email"):
            sends.append(Send("email", domain.APPLICANT, contact["email"]))
        if contact.get("phone") and rendered.sms:
            sends.append(Send("sms", domain.APPLICANT, contact["phone"]))
        if not sends:
            raise Skip("applicant left no e-mail or phone")
        return rendered, sends
    code = domain.institution_of(notice.recipient)
    if code is None:
        raise Skip(f"unknown recipient {notice.recipient}")
    context.setdefault("institution", code)
    rendered = render(notice.kind, notice.language, context)
    if notice.kind == domain.MONTHLY_REPORT:
        document = contacts.report_document(notice.facts["period"], notice.facts["report_of"])
        attachment = Attachment(document["filename"], document["content_type"], b64decode(document["body"]))
        rendered = replace(rendered, attachments=(attachment,))
    # `coordinators:<CODE>` is meant for the coordinators there, `institution:<CODE>` for everyone who works it.
    officers = contacts.officers(code, coordinators_only=notice.recipient == domain.coordinators_recipient(code))
    sends = [Send("email", o["username"], o["email"]) for o in officers if o.get("email")]
    if not sends:
        raise Skip(f"no officer of {code} with an e-mail address")
    return rendered, sends


def _finish(
    transaction: Transaction, notice: Taken, status: str | None, now: datetime, policy: Policy, error: str | None
) -> str:
    """Settle one attempt: `status` sent or skipped, or (None) a failure, retried with back-off until the last."""
    final: Delivery | None = None
    values: dict[str, Any] = {"last_error": error}
    if status == domain.SENT:
        values.update(status=domain.SENT, sent_at=now, next_attempt_at=None)
    elif status == domain.SKIPPED:
        values.update(status=domain.SKIPPED, next_attempt_at=None)
        final = Delivery(
            notice_id=notice.id, channel="none", target="-", attempt=notice.attempt, result="skipped", error=error
        )
    elif notice.attempt >= policy.max_attempts:
        status = domain.FAILED
        values.update(status=status, next_attempt_at=None)
        final = Delivery(
            notice_id=notice.id,
            channel="none",
            target="-",
            attempt=notice.attempt,
            result="gave_up",
            error=f"gave up after {notice.attempt} attempts; last error: {error}",
        )
    else:
        status = domain.PENDING
        delay = domain.retry_delay(notice.attempt, policy.retry_base_seconds)
        values.update(status=status, next_attempt_at=now + delay)
    with transaction() as session:
        # Only if still ours: a sender whose lease ran out has lost the notice to another.
        session.execute(
            update(Notice)
            .where(Notice.id == notice.id, Notice.status == domain.SENDING, Notice.attempts == notice.attempt)
            .values(**values)
        )
        if final is not None:
            session.add(final)
    log_method = log.warning if status in (domain.FAILED,) or (status == domain.PENDING) else log.info
    log_method(
        "notice " + status,
        notice_id=str(notice.id),
        kind=notice.kind,
        recipient=notice.recipient,
        tracking_number=notice.tracking_number,
        attempt=notice.attempt,
        error=error,
    )
    return status
