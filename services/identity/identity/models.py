"""Identity's tables. A user belongs to one institution, named by its directory code; a password is kept only as
an argon2 hash, a refresh token only as a SHA-256 hash."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, Index, String, func
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from cimer_common.outbox import OutboxMessageMixin, ProcessedEventMixin


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=uuid.uuid4)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    institution: Mapped[str] = mapped_column(String(64))
    roles: Mapped[list[str]] = mapped_column(ARRAY(String(32)))
    # Where notices about the institution's work reach the officer (optional; not unique: a shared mailbox is fine).
    email: Mapped[str | None] = mapped_column(String(320))
    # Users are deactivated, never deleted, so the audit trail keeps naming who did what.
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class UserSession(Base):
    """One login: its id is the `sid` of every access token issued for it. It lives 12 hours at most."""

    __tablename__ = "sessions"

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    refresh_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_reason: Mapped[str | None] = mapped_column(String(32))
    client_address: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(512))

    __table_args__ = (
        Index("ix_sessions_user", "user_id"),
        Index("ix_sessions_revoked_at", "revoked_at", postgresql_where="revoked_at IS NOT NULL"),
        # The sessions whose address or browser is still kept, for the retention job: never the whole table.
        Index(
            "ix_sessions_address_kept",
            "expires_at",
            postgresql_where="client_address IS NOT NULL OR user_agent IS NOT NULL",
        ),
    )


class RetiredRefreshToken(Base):
    """A session's earlier refresh tokens, replaced by rotation: one presented again was copied, and ends the
    session."""

    __tablename__ = "retired_refresh_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sessions.id"))
    retired_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_retired_refresh_tokens_session", "session_id"),)


class LoginFailure(Base):
    """A failed password check, kept for the throttle's window (older rows are deleted as new ones come)."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64))  # as tried, folded to lower case
    client_address: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index("ix_login_failures_username_at", "username", "at"),
        Index("ix_login_failures_address_at", "client_address", "at"),
        Index("ix_login_failures_at", "at"),
    )


class AuditRecord(Base):
    """The audit trail, a hash chain: each record's `hash` covers its fields and the `previous_hash` before it
    (`identity.domain.audit_hash`), so a changed, deleted or inserted record shows (`cimer-audit-verify`)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    event_id: Mapped[uuid.UUID | None] = mapped_column(UUID, unique=True)  # the event it came from, if any
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor_user_id: Mapped[str | None] = mapped_column(String(64))
    actor_username: Mapped[str | None] = mapped_column(String(64))
    actor_institution: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str | None] = mapped_column(String(255))
    # The address and its seal's salt are erased after the retention period; the seal, which the hash covers, stays
    # (`domain.AuditEntry`).
    client_address: Mapped[str | None] = mapped_column(String(64))
    client_address_salt: Mapped[str | None] = mapped_column(String(32))
    client_address_seal: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(64))
    previous_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class OutboxMessage(OutboxMessageMixin, Base):
    pass


class ProcessedEvent(ProcessedEventMixin, Base):
    pass
