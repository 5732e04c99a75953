"""Intake's tables. Personal data sits in `applicants`, apart from the application, so that every read of it is
a deliberate join (and, later, one place to encrypt or to erase)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Sequence,
    SmallInteger,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from cimer_common.outbox import OutboxMessageMixin, ProcessedEventMixin


class Base(DeclarativeBase):
    pass


tracking_sequence = Sequence("tracking_number_seq", metadata=Base.metadata)


class Application(Base):
    __tablename__ = "applications"

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=uuid.uuid4)
    tracking_number: Mapped[str] = mapped_column(String(12), unique=True)
    access_code_hash: Mapped[str] = mapped_column(String(64))
    # The code itself, sealed (`domain.seal_access_code`), only for an applicant who can be told, and only until
    # the receipt that carries it is done with (`receipts_done`) or a day has passed: then NULL, and only the hash
    # is left.
    access_code_sealed: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(32))
    petition_type: Mapped[str | None] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    province: Mapped[str | None] = mapped_column(String(2))
    district: Mapped[str | None] = mapped_column(String(100))
    target_institution: Mapped[str | None] = mapped_column(String(64))
    recorded_by: Mapped[str | None] = mapped_column(String(64))
    recorded_by_user: Mapped[str | None] = mapped_column(String(64))
    anonymous: Mapped[bool] = mapped_column(Boolean)
    confidential: Mapped[bool] = mapped_column(Boolean)
    language: Mapped[str] = mapped_column(String(2))
    official_name: Mapped[str | None] = mapped_column(String(200))
    official_rank: Mapped[str | None] = mapped_column(String(32))
    official_institution: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    institution: Mapped[str | None] = mapped_column(String(64))
    # Access (cimer_common.access): every institution that has held it, and the institutions coordinating those.
    held_by: Mapped[list[str]] = mapped_column(ARRAY(String(64)), default=list, server_default="{}")
    coordinators: Mapped[list[str]] = mapped_column(ARRAY(String(64)), default=list, server_default="{}")
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    deadline: Mapped[date] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # The answer, as routing announced it (`application_answered`): shown to the applicant on the public status.
    answer_outcome: Mapped[str | None] = mapped_column(String(16))
    answer_text: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    answered_by: Mapped[str | None] = mapped_column(String(64))
    # An information request's one extension (`deadline_extended`); `deadline` holds the extended date.
    extension_reason: Mapped[str | None] = mapped_column(Text)
    extended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # After the answer (SPEC section 12): `closed` once the appeal window is over (routing's `application_closed`);
    # the applicant's one appeal to the information review board; the applicant's one rating of the answer.
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    appealed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    appeal_reason: Mapped[str | None] = mapped_column(Text)
    appeal_decision: Mapped[str | None] = mapped_column(String(16))  # `upheld` or `answer_ordered`, once decided
    feedback_rating: Mapped[int | None] = mapped_column(SmallInteger)
    feedback_solved: Mapped[bool | None] = mapped_column(Boolean)
    feedback_comment: Mapped[str | None] = mapped_column(Text)
    feedback_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # When the retention period after the answer ended (`handlers.erase_personal_data`): the applicant and the
    # texts are gone, the facts that are counted stay.
    personal_data_erased_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # When the scan for duplicates (SPEC section 12, `handlers.find_duplicates`) checked it; NULL until then.
    duplicates_checked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    # An institution's inbox: what it holds now, the nearest deadline first. A coordinator's overview counts what
    # is open (`assigned`) now: by holder and deadline, for the Presidency, from the partial index alone; in a
    # subtree, the open applications that name the coordinator's institution in `held_by || coordinators`
    # (`handlers.overview` compares that very expression, or the planner could not use the GIN index).
    __table_args__ = (
        Index("ix_applications_inbox", "institution", "deadline", "received_at"),
        Index("ix_applications_open", "institution", "deadline", postgresql_where=text("status = 'assigned'")),
        Index(
            "ix_applications_open_scope",
            text("(held_by || coordinators)"),
            postgresql_using="gin",
            postgresql_where=text("status = 'assigned'"),
        ),
        # The codes still sealed, oldest first, for `handlers.forget_stale_access_codes`: a few at any time.
        Index("ix_applications_sealed", "received_at", postgresql_where=text("access_code_sealed IS NOT NULL")),
        # The answered applications whose personal data is still kept, oldest answer first, for the retention job.
        Index(
            "ix_applications_to_erase",
            "answered_at",
            postgresql_where=text("answered_at IS NOT NULL AND personal_data_erased_at IS NULL"),
        ),
        # The scan for duplicates: the applications not checked yet, oldest first (a few at any time); and the open
        # applications of a subject and province, newest first, among which it compares texts.
        Index(
            "ix_applications_duplicates_unchecked",
            "received_at",
            postgresql_where=text("duplicates_checked_at IS NULL"),
        ),
        Index(
            "ix_applications_open_subject_place",
            "subject",
            "province",
            "received_at",
            postgresql_where=text("status IN ('received', 'assigned')"),
        ),
    )

    applicant: Mapped[Applicant | None] = relationship(back_populates="application", uselist=False)
    # In the order things happened, not the order their events arrived in.
    history: Mapped[list[HistoryEntry]] = relationship(order_by=lambda: (HistoryEntry.at, HistoryEntry.id))


class Applicant(Base):
    __tablename__ = "applicants"

    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applications.id"), primary_key=True)
    national_id: Mapped[str] = mapped_column(String(11))
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(20))
    address: Mapped[str | None] = mapped_column(String(500))

    application: Mapped[Application] = relationship(back_populates="applicant")

    # The scan for duplicates finds an applicant's other applications by national ID.
    __table_args__ = (Index("ix_applicants_national_id", "national_id"),)


class Attachment(Base):
    """A file with an application (its applicant's) or with its answer (the holder's officers'), SPEC section 12;
    the bytes are kept outside the database (`intake.attachments.Store`), by their SHA-256."""

    __tablename__ = "attachments"

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True)
    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applications.id"))
    side: Mapped[str] = mapped_column(String(16))  # `applicant` or `institution` (with the answer)
    institution: Mapped[str | None] = mapped_column(String(64))  # whose officer attached it
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by: Mapped[str | None] = mapped_column(String(64))  # the officer's username; None: the applicant
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_attachments_application", "application_id", "uploaded_at"),)


class HistoryEntry(Base):
    """What the public status shows: when the application changed state and at which institution."""

    __tablename__ = "application_history"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applications.id"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16))
    institution: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (Index("ix_application_history_application", "application_id", "id"),)


class StatusLookupFailure(Base):
    """A public status look-up that found nothing (a wrong pair or a missing number), by client address (an IPv6
    /64) and by the tracking number asked for: the throttle against guessing counts them by each
    (`domain.throttle_retry_after`)."""

    __tablename__ = "status_lookup_failures"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    client_address: Mapped[str] = mapped_column(String(64))
    tracking_number: Mapped[str | None] = mapped_column(String(12))  # None: not a tracking number at all
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index("ix_status_lookup_failures_address_at", "client_address", "at"),
        Index("ix_status_lookup_failures_number_at", "tracking_number", "at"),
    )


class FilingMark(Base):
    """One web filing, by each key it counts against (its client address, its e-mail address, its phone number),
    for the limits on web filings (`domain.filing_limits`). The key is stored keyed with the pepper, never as it
    was given; a mark is forgotten a day after its filing."""

    __tablename__ = "filing_marks"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_filing_marks_key_at", "key_hash", "at"), Index("ix_filing_marks_at", "at"))


class OutboxMessage(OutboxMessageMixin, Base):
    pass


class ProcessedEvent(ProcessedEventMixin, Base):
    pass


class DuplicateLink(Base):
    """Two open applications found close to each other (SPEC section 12): the later one (`application_id`) and the
    earlier (`other_id`), stored once, with why (`same_applicant`, `similar_text`: either or both) and how alike
    their texts are; `state` is `flagged` until an officer links them (`linked`) or says they are not
    (`unlinked`), with who and when."""

    __tablename__ = "duplicate_links"

    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applications.id"), primary_key=True)
    other_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applications.id"), primary_key=True)
    same_applicant: Mapped[bool] = mapped_column(Boolean)
    similar_text: Mapped[bool] = mapped_column(Boolean)
    similarity: Mapped[float] = mapped_column(Float)
    state: Mapped[str] = mapped_column(String(16), server_default="flagged")
    flagged_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[str | None] = mapped_column(String(64))  # the officer's username
    decided_institution: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index("ix_duplicate_links_other", "other_id"),
        CheckConstraint("application_id <> other_id", name="ck_duplicate_links_pair"),
        CheckConstraint("same_applicant OR similar_text", name="ck_duplicate_links_reason"),
        CheckConstraint("state IN ('flagged', 'linked', 'unlinked')", name="ck_duplicate_links_state"),
    )
