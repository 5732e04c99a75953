"""Routing's tables: the institution directory, and who holds each application now and held it before.

Codes of other institutions are plain strings, not foreign keys: the directory is data that administrators
change, and an assignment's history must survive an institution being renamed, merged or retired.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, DateTime, ForeignKey, Index, String, true
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from cimer_common.outbox import OutboxMessageMixin, ProcessedEventMixin


class Base(DeclarativeBase):
    pass


class Institution(Base):
    __tablename__ = "institutions"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(32), index=True)
    province: Mapped[str | None] = mapped_column(String(2), index=True)  # plate code
    district: Mapped[str | None] = mapped_column(String(100))
    parent: Mapped[str | None] = mapped_column(String(64), index=True)
    ministry: Mapped[str | None] = mapped_column(String(32))  # the ministry whose subtree it lies in
    # An administrator retires an institution rather than deleting it: old assignments still name it.
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


class Assignment(Base):
    """The institution that holds an application now, with what routing needs to know about it."""

    __tablename__ = "assignments"

    application_id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True)
    tracking_number: Mapped[str] = mapped_column(String(12), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16))
    institution: Mapped[str] = mapped_column(String(64), index=True)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    deadline: Mapped[date] = mapped_column(Date)
    assigned_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AssignmentHistory(Base):
    """Every move of an application between institutions: the first destination, forwards and returns."""

    __tablename__ = "assignment_history"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("assignments.application_id"))
    from_institution: Mapped[str | None] = mapped_column(String(64))
    to_institution: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_assignment_history_application", "application_id", "id"),)


# mypy sees cimer_common as untyped while it ships no `py.typed`, hence the ignores.
class OutboxMessage(OutboxMessageMixin, Base):  # type: ignore[misc]
    pass


class ProcessedEvent(ProcessedEventMixin, Base):  # type: ignore[misc]
    pass
