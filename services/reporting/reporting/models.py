"""Reporting's tables: a read model built from other services' events, never written by anyone else.

Its rows are filled in by events that may arrive in any order (intake announces an application, routing
assigns, answers, extends it, or sees it overdue), so every field that one event alone provides may still be
empty.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, DateTime, Index, SmallInteger, String, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from cimer_common.outbox import OutboxMessageMixin, ProcessedEventMixin


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
    first_institution: Mapped[str | None] = mapped_column(String(64))  # its first destination
    institution: Mapped[str | None] = mapped_column(String(64))  # who holds it now
    assigned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # when `institution` got it
    # From `application_answered`: the first answer counts.
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[str | None] = mapped_column(String(16))  # positive, negative
    answered_by: Mapped[str | None] = mapped_column(String(64))  # the institution that answered
    # From `deadline_extended`: `deadline` then holds the extended date, whatever order the events came in.
    extended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # From `application_closed`: the appeal window after the answer passed (SPEC section 12); the first counts.
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # From `feedback_given`: the applicant's one rating of the answer, 1..5, and whether it solved the matter.
    rated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    solved: Mapped[bool | None] = mapped_column(Boolean)
    # From `deadline_passed`: when routing saw the deadline pass unanswered (overdue when set).
    overdue_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Whose monthly reports it counts in: every institution that held it and every coordinator the assignment
    # events named, a sorted set grown by each assignment in whatever order they come (`domain`, the report).
    scope: Mapped[list[str]] = mapped_column(ARRAY(String(64)), nullable=False, server_default=text("'{}'"))

    __table_args__ = (
        # The report's figures (`handlers.compute_report`), each read from one index alone (index-only scans: no
        # visit to the table's scattered rows, which is what makes a month of 5.5 million a year slow), the
        # institution's filter on `scope` included: received in a month by `period`; answered in a month by
        # `answered_at`; open at a month's end, the unanswered by the partial index on `received_at` and those
        # answered since by `answered_at`.
        Index(
            "ix_applications_period_figures",
            "period",
            postgresql_include=["kind", "subject", "channel", "scope"],
        ),
        Index(
            "ix_applications_answered_at",
            "answered_at",
            postgresql_include=["received_at", "outcome", "deadline", "scope"],
        ),
        Index(
            "ix_applications_unanswered_received_at",
            "received_at",
            postgresql_where=text("answered_at IS NULL"),
            postgresql_include=["deadline", "scope"],
        ),
        # Closed and rated in a month: a few rows of the month each, read from the index alone.
        Index(
            "ix_applications_closed_at",
            "closed_at",
            postgresql_where=text("closed_at IS NOT NULL"),
            postgresql_include=["scope"],
        ),
        Index(
            "ix_applications_rated_at",
            "rated_at",
            postgresql_where=text("rated_at IS NOT NULL"),
            postgresql_include=["rating", "solved", "scope"],
        ),
        # Whatever else asks for an institution's applications.
        Index("ix_applications_scope", "scope", postgresql_using="gin"),
    )


class Institution(Base):
    """An institution seen in an assignment, with the institutions that coordinate it as the latest assignment to
    it said: who may read its report, and which governorships and ministries get one."""

    __tablename__ = "institutions"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    coordinators: Mapped[list[str]] = mapped_column(ARRAY(String(64)), nullable=False, server_default=text("'{}'"))
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)  # of that assignment


class MonthlyReport(Base):
    """A month's report as produced on the first of the next month, once per institution ('STATE' for the state)."""

    __tablename__ = "monthly_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(String(7), nullable=False)
    institution: Mapped[str] = mapped_column(String(64), nullable=False)
    report: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    produced_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=text("now()"))

    __table_args__ = (UniqueConstraint("period", "institution", name="uq_monthly_reports_period_institution"),)


class OutboxMessage(OutboxMessageMixin, Base):
    pass


class ProcessedEvent(ProcessedEventMixin, Base):
    pass
