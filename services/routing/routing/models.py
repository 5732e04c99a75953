"""Routing's tables: the institution directory, and who holds each application now and held it before.

Codes of other institutions are plain strings, not foreign keys: the directory is data that administrators
change, and an assignment's history must survive an institution being renamed, merged or retired.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ColumnElement,
    Date,
    DateTime,
    ForeignKey,
    Index,
    String,
    Text,
    false,
    func,
    literal,
    text,
    true,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from cimer_common.outbox import OutboxMessageMixin, ProcessedEventMixin


class Base(DeclarativeBase):
    pass


# Turkish letters folded to ASCII in SQL exactly as `geography.fold` does in Python (translate before upper, so
# the database's collation never decides what `İ` or `ı` becomes).
_TURKISH = "çğıöşüÇĞİÖŞÜâîûÂÎÛ"
_ASCII = "cgiosuCGIOSUaiuAIU"


def _sql_text(value: str) -> ColumnElement[str]:
    # Written into the statement, never sent as a parameter: the planner matches an expression index only against
    # the very same expression, constants included, and a parameter would not be one under a generic plan.
    return literal(value, String, literal_execute=True)


def folded(column: Any) -> ColumnElement[str]:
    """`column` as `geography.fold` would make it: upper-case ASCII letters and digits only. The search of
    `list_institutions` and its trigram indexes below use this one expression, so they cannot drift apart."""
    return func.upper(
        func.regexp_replace(
            func.translate(column, _sql_text(_TURKISH), _sql_text(_ASCII)),
            _sql_text("[^[:alnum:]]"),
            _sql_text(""),
            _sql_text("g"),
        )
    )


class Institution(Base):
    __tablename__ = "institutions"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(32))
    province: Mapped[str | None] = mapped_column(String(2))  # plate code
    district: Mapped[str | None] = mapped_column(String(100))
    parent: Mapped[str | None] = mapped_column(String(64), index=True)
    ministry: Mapped[str | None] = mapped_column(String(32))  # the ministry whose subtree it lies in
    # An administrator retires an institution rather than deleting it: old assignments still name it.
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # Its own system is plugged into the bus (`cimer-institution plug`): it is sent the applications it receives.
    system_plugged: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    # `list_institutions` filters by type or province and pages in code order: with the code second, the index
    # hands over the first page of a filter without reading or sorting the rest of it (~60,000 units in all).
    __table_args__ = (
        Index("ix_institutions_type_code", "type", "code"),
        Index("ix_institutions_province_code", "province", "code"),
    )


# Its text search (`q`) is a LIKE '%...%' on the folded code or name: trigram indexes (pg_trgm) over those folded
# expressions answer it without reading the table (reading it costs ~6 µs a row in regexp_replace, which the
# planner does not know). Without GIN's pending list (`fastupdate`): the directory is read far more than written,
# and a list of unmerged entries after a bulk load would make the index look dearer than a sequential scan until
# the next vacuum, when it is not.
for _column, _label in ((Institution.code, "code_folded"), (Institution.name, "name_folded")):
    Index(
        f"ix_institutions_{_label}_trgm",
        folded(_column).label(_label),
        postgresql_using="gin",
        postgresql_ops={_label: "gin_trgm_ops"},
        postgresql_with={"fastupdate": "off"},
    )


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
    # What the forwarding rules ask about the application (`domain.ApplicationFacts`); null for the rows assigned
    # before routing kept them.
    subject: Mapped[str | None] = mapped_column(String(32))
    province: Mapped[str | None] = mapped_column(String(2))
    district: Mapped[str | None] = mapped_column(String(100))
    # The institution a return goes back to: whoever sent the application to its holder (`domain.sender_after`).
    previous_institution: Mapped[str | None] = mapped_column(String(64))
    # `assigned`, `answered`, or `closed` once the appeal window after the answer is over (SPEC section 12); an
    # appeal turns an answered application `assigned` again, at the information review board.
    status: Mapped[str] = mapped_column(String(16), default="assigned", server_default="assigned")
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[str | None] = mapped_column(String(16))
    extended: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The deadline watch sends each notice once; an extension clears `approaching_notified_at` for the new deadline.
    approaching_notified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    passed_notified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The appeal (one at most): when it reached the board, and the institution whose refusal was appealed, which
    # the board may order to answer.
    appealed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    appealed_from: Mapped[str | None] = mapped_column(String(64))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    # The deadline watch reads the unanswered applications by deadline, the closing watch the answered by answer.
    __table_args__ = (
        Index("ix_assignments_open_deadline", "deadline", postgresql_where=text("status = 'assigned'")),
        Index("ix_assignments_answered", "answered_at", postgresql_where=text("status = 'answered'")),
    )


class AssignmentHistory(Base):
    """Every move of an application between institutions: the first destination, forwards and returns."""

    __tablename__ = "assignment_history"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("assignments.application_id"))
    from_institution: Mapped[str | None] = mapped_column(String(64))
    to_institution: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # What the officer wrote with the move: the reason a governorship sends a matter up to the Presidency (which
    # it must give), the board's order; kept with the move, not only in the event that announced it.
    note: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_assignment_history_application", "application_id", "id"),)


# mypy sees cimer_common as untyped while it ships no `py.typed`, hence the ignores.
class OutboxMessage(OutboxMessageMixin, Base):  # type: ignore[misc]
    pass


class ProcessedEvent(ProcessedEventMixin, Base):  # type: ignore[misc]
    pass


class DirectoryVersion(Base):
    """One row: a token that every change to `institutions` replaces (a trigger, migration 0004), however it is
    made (the admin RPCs, the seed, psql). A routing process keeps the directory in memory and reloads it when the
    token it loaded with is no longer the one here."""

    __tablename__ = "directory_version"

    id: Mapped[int] = mapped_column(primary_key=True)  # always 1
    token: Mapped[uuid.UUID] = mapped_column(UUID, nullable=False)


class InstitutionCommand(Base):
    """A command an institution's system sent on the bus (SPEC section 10), kept with its outcome: the same
    `command_id` again is answered with the same outcome and acts on nothing."""

    __tablename__ = "institution_commands"

    institution: Mapped[str] = mapped_column(String(64), primary_key=True)
    command_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    command: Mapped[str] = mapped_column(String(16))
    tracking_number: Mapped[str | None] = mapped_column(String(20))
    outcome: Mapped[dict[str, Any]] = mapped_column(JSONB)  # the reply sent: command_accepted or command_refused
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AnswerTemplate(Base):
    """An institution's answer template (SPEC section 12): a text with placeholders its officers fill in when
    answering (`cimer_common.answer_templates`), for one subject or, with `subject` null, for any. Never deleted:
    a template is retired with `active = false`."""

    __tablename__ = "answer_templates"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    institution: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str | None] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_by: Mapped[str] = mapped_column(String(64))  # the username of whoever wrote it
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    # Listed per institution, narrowed by subject.
    __table_args__ = (Index("ix_answer_templates_institution_subject", "institution", "subject"),)
