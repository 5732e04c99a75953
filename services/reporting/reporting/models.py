"""Reporting's tables: a read model built from other services' events, never written by anyone else.

Its rows are filled in by events that may arrive in any order (intake announces an application, routing
assigns, answers, extends it, or sees it overdue), so every field that one event alone provides may still be
empty.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Date, DateTime, Index, String
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from cimer_common.outbox import ProcessedEventMixin


class Base(DeclarativeBase):
    pass


class Application(Base):
    __tablename__ = "applications"

    application_id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True)
    # From `application_received`.
    period: Mapped[str | None] = mapped_column(String(7))  # YYYY-MM of received_at in Turkey
    received_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    kind: Mapped[str | None] = mapped_column(String(32))
    petition_type: Mapped[str | None] = mapped_column(String(32))
    subject: Mapped[str | None] = mapped_column(String(32))
    channel: Mapped[str | None] = mapped_column(String(16))
    province: Mapped[str | None] = mapped_column(String(2))
    deadline: Mapped[date | None] = mapped_column(Date)
    # From `application_assigned`.
    first_institution: Mapped[str | None] = mapped_column(String(64))  # whose report it counts in
    institution: Mapped[str | None] = mapped_column(String(64))  # who holds it now
    assigned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # when `institution` got it
    # From `application_answered`: the first answer counts.
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[str | None] = mapped_column(String(16))  # positive, negative
    answered_by: Mapped[str | None] = mapped_column(String(64))  # the institution that answered
    # From `deadline_extended`: `deadline` then holds the extended date, whatever order the events came in.
    extended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # From `deadline_passed`: when routing saw the deadline pass unanswered (overdue when set).
    overdue_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_applications_period_first_institution", "period", "first_institution"),)


class ProcessedEvent(ProcessedEventMixin, Base):
    pass
