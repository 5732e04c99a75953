"""Notification's tables. A notice names its recipient by role, never by address: the applicant's contact
details stay in intake's database and are asked for only when the notice is sent."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from cimer_common.outbox import OutboxMessageMixin, ProcessedEventMixin


class Base(DeclarativeBase):
    pass


class Notice(Base):
    __tablename__ = "notices"

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=uuid.uuid4)
    application_id: Mapped[uuid.UUID | None] = mapped_column(UUID)  # none for a digest (one per `digests` row)
    tracking_number: Mapped[str | None] = mapped_column(String(12))
    kind: Mapped[str] = mapped_column(String(32))
    recipient: Mapped[str] = mapped_column(String(80))  # `applicant`, `institution:<CODE>`, `coordinators:<CODE>`
    language: Mapped[str] = mapped_column(String(2))
    status: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str | None] = mapped_column(Text)  # an extension's reason
    facts: Mapped[dict[str, Any] | None] = mapped_column(JSONB)  # what the templates need; never contact details
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # Delivery: `pending` → `sending` (taken, leased until next_attempt_at) → `sent` / `failed` / `skipped`.
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # none: due now
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    # Every notice is sent once (SPEC section 5): the database, not only the code, refuses a second one.
    # Its leading column also serves the look-up of an application's notices.
    __table_args__ = (
        UniqueConstraint("application_id", "kind", "recipient", name="uq_notices_application_kind_recipient"),
        # The sender only ever looks for notices still to send.
        Index("ix_notices_due", "next_attempt_at", postgresql_where="status IN ('pending', 'sending')"),
        # The settled notices that still keep what they were sent with, oldest first, for the retention job.
        Index(
            "ix_notices_to_erase",
            "created_at",
            postgresql_where="facts IS NOT NULL AND status IN ('sent', 'failed', 'skipped')",
        ),
    )


class Delivery(Base):
    """The delivery log: one row per attempt on one channel to one target, and a final row when a notice is
    given up or skipped. The recipient is masked (`a***@example.org`, `******4567`): the address stays at intake
    (applicants) or identity (officers)."""

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    notice_id: Mapped[uuid.UUID] = mapped_column(UUID, ForeignKey("notices.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(16))  # `email`, `sms`, or `none` for a final or skipped entry
    target: Mapped[str] = mapped_column(String(80))  # `applicant` or the officer's username: who, not where
    recipient: Mapped[str | None] = mapped_column(String(120))  # masked
    attempt: Mapped[int] = mapped_column(Integer)
    result: Mapped[str] = mapped_column(String(16))  # `ok`, `failed`, `gave_up`, `skipped`
    error: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Assignment(Base):
    """Who holds what since when, from `application_assigned`: the daily digest lists a day's rows per institution,
    and the 30-day status notice says where the application stands."""

    __tablename__ = "assignments"

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=uuid.uuid4)
    application_id: Mapped[uuid.UUID] = mapped_column(UUID)
    tracking_number: Mapped[str] = mapped_column(String(12))
    institution: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(16))
    assigned_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        UniqueConstraint("application_id", "institution", "assigned_at", name="uq_assignments_fact"),
        Index("ix_assignments_institution_assigned_at", "institution", "assigned_at"),
        Index("ix_assignments_application_assigned_at", "application_id", "assigned_at"),
    )


class Digest(Base):
    """One row per (institution, day) whose digest is owed: replicas and restarts record it once."""

    __tablename__ = "digests"

    institution: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    notice_id: Mapped[uuid.UUID] = mapped_column(UUID)


class KnownApplication(Base):
    """What `application_received` said about reaching the applicant: whether they can be told, and in which
    language. No contact details (those stay at intake)."""

    __tablename__ = "applications"
    __table_args__ = (
        # The 30-day status notices' candidates, longest waiting first (`handlers.record_status_notices`).
        Index(
            "ix_applications_status_notice_due",
            "received_at",
            postgresql_where="answered_at IS NULL AND reachable AND NOT anonymous",
        ),
    )

    application_id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True)
    tracking_number: Mapped[str] = mapped_column(String(12))
    anonymous: Mapped[bool] = mapped_column(Boolean)
    reachable: Mapped[bool] = mapped_column(Boolean)
    language: Mapped[str] = mapped_column(String(2))
    # For the 30-day status notice (Law 3071); none for applications recorded before migration 0003.
    kind: Mapped[str | None] = mapped_column(String(32))
    received_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    deadline: Mapped[date | None] = mapped_column(Date)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class OutboxMessage(OutboxMessageMixin, Base):
    """What notification tells the others: only the lines of the audit trail that its retention job writes."""


class ProcessedEvent(ProcessedEventMixin, Base):
    pass
