"""Notification's tables. A notice names its recipient by role, never by address: the applicant's contact
details stay in intake's database and are asked for only when the notice is sent."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, DateTime, String, Text, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from cimer_common.outbox import ProcessedEventMixin


class Base(DeclarativeBase):
    pass


class Notice(Base):
    __tablename__ = "notices"

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=uuid.uuid4)
    application_id: Mapped[uuid.UUID] = mapped_column(UUID)
    tracking_number: Mapped[str] = mapped_column(String(12))
    kind: Mapped[str] = mapped_column(String(32))
    recipient: Mapped[str] = mapped_column(String(80))  # `applicant`, `institution:<CODE>`, `coordinators:<CODE>`
    language: Mapped[str] = mapped_column(String(2))
    status: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str | None] = mapped_column(Text)  # an extension's reason
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    # Every notice is sent once (SPEC section 5): the database, not only the code, refuses a second one.
    # Its leading column also serves the look-up of an application's notices.
    __table_args__ = (
        UniqueConstraint("application_id", "kind", "recipient", name="uq_notices_application_kind_recipient"),
    )


class KnownApplication(Base):
    """What `application_received` said about reaching the applicant: whether they can be told, and in which
    language. No contact details (those stay at intake)."""

    __tablename__ = "applications"

    application_id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True)
    tracking_number: Mapped[str] = mapped_column(String(12))
    anonymous: Mapped[bool] = mapped_column(Boolean)
    reachable: Mapped[bool] = mapped_column(Boolean)
    language: Mapped[str] = mapped_column(String(2))


class ProcessedEvent(ProcessedEventMixin, Base):
    pass
