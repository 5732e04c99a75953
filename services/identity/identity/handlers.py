"""Identity's use cases: plain functions over a SQLAlchemy session, called by `service.py` inside a transaction.

A refused login or refresh must still leave its trace (the failure the throttle counts, the audit line, the
revocation of a session whose refresh token was reused), so those use cases do not raise: they return an
`Outcome` whose refusal the service raises once the transaction has committed.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from cimer_common import retention
from cimer_common.errors import Conflict, DomainError, NotFound, TooManyRequests, Unauthorized
from cimer_common.events import ActivityRecorded, SessionRevoked
from cimer_common.outbox import OutboxWriter
from cimer_common.retention import Retention
from cimer_common.schemas import page_window
from cimer_common.tokens import ACCESS_TOKEN_SECONDS, Principal
from identity import domain, passwords
from identity.models import AuditRecord, LoginFailure, OutboxMessage, RetiredRefreshToken, User, UserSession

# Advisory locks, held to the end of the transaction that takes them.
AUDIT_LOCK = 0x43494D4552415544  # one key (bigint): the audit chain has one writer at a time
LOGIN_LOCK = 0x4C4F47  # class of the two-key locks (class, hashtext(username)): one login check per username

Sign = Callable[[Principal, datetime], str]


@dataclass(frozen=True)
class Outcome:
    result: dict[str, Any] | None = None
    refusal: DomainError | None = None

    def unwrap(self) -> dict[str, Any]:
        if self.refusal is not None:
            raise self.refusal
        assert self.result is not None
        return self.result


# --- The audit trail -------------------------------------------------------------------------------------------


def audit(session: Session, entry: domain.AuditEntry) -> AuditRecord:
    """Append `entry` to the chain. The lock makes concurrent writers (workers, replicas) take turns, so each
    record links to the one committed before it; it is held until commit, so append last in a transaction."""
    session.execute(select(func.pg_advisory_xact_lock(AUDIT_LOCK)))
    previous = (
        session.scalars(select(AuditRecord.hash).order_by(AuditRecord.id.desc()).limit(1)).first()
        or domain.GENESIS_HASH
    )
    record = AuditRecord(
        event_id=uuid.UUID(entry.event_id) if entry.event_id else None,
        at=entry.at,
        actor_user_id=entry.actor_user_id,
        actor_username=entry.actor_username,
        actor_institution=entry.actor_institution,
        action=entry.action,
        target=entry.target,
        client_address=entry.client_address,
        client_address_salt=entry.client_address_salt,
        client_address_seal=entry.client_address_seal,
        outcome=entry.outcome,
        previous_hash=previous,
        hash=domain.audit_hash(previous, entry),
    )
    session.add(record)
    session.flush()
    return record


def audit_by(
    session: Session,
    actor: User | Principal | None,
    action: str,
    now: datetime,
    target: str | None = None,
    outcome: str = "ok",
    client_address: str | None = None,
) -> AuditRecord:
    if isinstance(actor, User):
        user_id, username, institution = str(actor.id), actor.username, actor.institution
    elif isinstance(actor, Principal):
        user_id, username, institution = actor.user_id, actor.username, actor.institution
    else:
        user_id = username = institution = None
    return audit(
        session,
        domain.audit_entry(
            at=now,
            action=action,
            outcome=outcome,
            actor_user_id=user_id,
            actor_username=username,
            actor_institution=institution,
            target=target,
            client_address=client_address,
        ),
    )


def record_activity(session: Session, event_id: uuid.UUID, activity: ActivityRecorded) -> None:
    """An `activity_recorded` event from another service, as one record of the trail."""
    audit(
        session,
        domain.audit_entry(
            at=activity.at,
            action=activity.action,
            outcome=activity.outcome,
            actor_user_id=activity.actor_user_id,
            actor_username=activity.actor_username,
            actor_institution=activity.actor_institution,
            target=activity.target,
            client_address=activity.client_address,
            event_id=str(event_id),
        ),
    )


# --- Login, refresh, logout ------------------------------------------------------------------------------------


def login(
    session: Session,
    sign: Sign,
    username: str,
    password: str,
    client_address: str | None,
    user_agent: str | None,
    now: datetime,
) -> Outcome:
    """Throttle first, then the password; an unknown user, a wrong password and a disabled user are one answer,
    reached by the same work (an argon2 check against a dummy hash when there is no user)."""
    key = domain.fold_username(username)
    address = domain.clean_text(client_address, 64)
    # One attempt per username at a time, from the throttle check to the recorded failure: concurrent guesses
    # cannot all slip in under the limit.
    session.execute(select(func.pg_advisory_xact_lock(LOGIN_LOCK, func.hashtext(key))))
    cutoff = now - domain.LOGIN_WINDOW
    by_username = session.scalars(
        select(LoginFailure.at)
        .where(LoginFailure.username == key, LoginFailure.at > cutoff)
        .order_by(LoginFailure.at.desc())
        .limit(domain.MAX_FAILURES_PER_USERNAME)
    ).all()
    by_address: list[datetime] = []
    if address is not None:
        by_address = list(
            session.scalars(
                select(LoginFailure.at)
                .where(LoginFailure.client_address == address, LoginFailure.at > cutoff)
                .order_by(LoginFailure.at.desc())
                .limit(domain.MAX_FAILURES_PER_ADDRESS)
            )
        )
    wait = domain.login_retry_after(by_username, by_address, now)
    if wait is not None:
        audit_by(session, None, "login_failed", now, key, "too_many_attempts", address)
        return Outcome(refusal=TooManyRequests("too_many_attempts", str(wait)))

    user = session.scalars(select(User).where(User.username == key)).first()
    matches = passwords.verify_password(user.password_hash if user else None, password)
    if user is None or not matches or not user.active:
        session.add(LoginFailure(username=key, client_address=address, at=now))
        session.execute(delete(LoginFailure).where(LoginFailure.at <= cutoff))  # the throttle forgets them anyway
        audit_by(session, None, "login_failed", now, key, "invalid_credentials", address)
        return Outcome(refusal=Unauthorized("invalid_credentials"))

    session.execute(delete(LoginFailure).where(LoginFailure.username == key))
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    refresh_token = domain.new_refresh_token()
    row = UserSession(
        id=uuid.uuid4(),
        user_id=user.id,
        refresh_token_hash=domain.hash_refresh_token(refresh_token),
        created_at=now,
        expires_at=domain.session_expires_at(now),
        client_address=address,
        user_agent=domain.clean_text(user_agent, 512),
    )
    session.add(row)
    session.flush()
    audit_by(session, user, "login", now, user.username, "ok", address)
    return Outcome(result=_token_pair(sign, user, row, refresh_token, now))


def refresh(
    session: Session, outbox: OutboxWriter, sign: Sign, refresh_token: str, client_address: str | None, now: datetime
) -> Outcome:
    """A new pair for a refresh token, which is replaced. An earlier, already replaced token means the token was
    copied: the session ends for whoever holds it."""
    refused = Outcome(refusal=Unauthorized("invalid_refresh_token"))
    address = domain.clean_text(client_address, 64)
    digest = domain.hash_refresh_token(refresh_token)
    row = session.scalars(select(UserSession).where(UserSession.refresh_token_hash == digest).with_for_update()).first()
    if row is None:
        retired = session.get(RetiredRefreshToken, digest)
        if retired is None:
            return refused
        row = session.get(UserSession, retired.session_id, with_for_update=True)
        assert row is not None
        user = session.get(User, row.user_id)
        revoke(session, outbox, row, "refresh_reused", now)
        audit_by(session, user, "refresh_failed", now, str(row.id), "refresh_reused", address)
        return refused

    user = session.get(User, row.user_id)
    assert user is not None
    if row.revoked_at is not None or row.expires_at <= now or not user.active:
        audit_by(session, user, "refresh_failed", now, str(row.id), "invalid_refresh_token", address)
        return refused
    session.add(RetiredRefreshToken(token_hash=row.refresh_token_hash, session_id=row.id, retired_at=now))
    new_token = domain.new_refresh_token()
    row.refresh_token_hash = domain.hash_refresh_token(new_token)
    session.flush()
    audit_by(session, user, "refresh", now, str(row.id), "ok", address)
    return Outcome(result=_token_pair(sign, user, row, new_token, now))


def _token_pair(sign: Sign, user: User, row: UserSession, refresh_token: str, now: datetime) -> dict[str, Any]:
    principal = Principal(
        user_id=str(user.id),
        username=user.username,
        institution=user.institution,
        roles=frozenset(user.roles),
        session_id=str(row.id),
    )
    return {
        "access_token": sign(principal, now),
        "token_type": "bearer",
        "expires_in": ACCESS_TOKEN_SECONDS,
        "refresh_token": refresh_token,
        "refresh_expires_in": domain.seconds_left(row.expires_at, now),
    }


def logout(session: Session, outbox: OutboxWriter, principal: Principal, now: datetime) -> None:
    """Ends the session the token names; a session already ended, or unknown, is left as it is."""
    row = _session_of(session, principal, lock=True)
    if row is not None and str(row.user_id) == principal.user_id and revoke(session, outbox, row, "logout", now):
        audit_by(session, principal, "logout", now, str(row.id))


def revoke(session: Session, outbox: OutboxWriter, row: UserSession, reason: str, now: datetime) -> bool:
    """End a session and tell every gateway (`session_revoked`); False when it had already ended."""
    if row.revoked_at is not None:
        return False
    row.revoked_at = now
    row.revoked_reason = reason
    outbox.add(
        session,
        "session_revoked",
        SessionRevoked(session_id=str(row.id), user_id=str(row.user_id), reason=reason, revoked_at=now),
    )
    return True


def revoke_user_sessions(session: Session, outbox: OutboxWriter, user: User, reason: str, now: datetime) -> int:
    """End every session of `user` whose access tokens may still be valid."""
    rows = session.scalars(
        select(UserSession)
        .where(
            UserSession.user_id == user.id,
            UserSession.revoked_at.is_(None),
            UserSession.expires_at > now - domain.ACCESS_TOKEN_LIFETIME,
        )
        .order_by(UserSession.created_at)
        .with_for_update()
    ).all()
    return sum(revoke(session, outbox, row, reason, now) for row in rows)


def revoked_sessions(session: Session, now: datetime) -> list[dict[str, str]]:
    """Sessions ended so recently that some of their access tokens may not have expired yet."""
    rows = session.execute(
        select(UserSession.id, UserSession.revoked_at)
        .where(UserSession.revoked_at > now - domain.REVOCATION_MEMORY)
        .order_by(UserSession.revoked_at)
    ).all()
    return [
        {"session_id": str(row.id), "until": domain.revoked_until(row.revoked_at).isoformat()}
        for row in rows
        if row.revoked_at is not None
    ]


def _session_of(session: Session, principal: Principal, lock: bool = False) -> UserSession | None:
    try:
        session_id = uuid.UUID(principal.session_id)
    except ValueError:
        return None
    return session.get(UserSession, session_id, with_for_update=lock)


def check_session(session: Session, principal: Principal) -> None:
    """A signed token whose session has ended is refused here too, not only at the gateway."""
    row = _session_of(session, principal)
    if row is not None and row.revoked_at is not None:
        raise Unauthorized("session_revoked")


# --- Users -----------------------------------------------------------------------------------------------------


def user_view(user: User) -> dict[str, Any]:
    """A user as administrators see one: never a hash."""
    return {
        "id": str(user.id),
        "username": user.username,
        "institution": user.institution,
        "roles": list(user.roles),
        "active": user.active,
        "email": user.email,
        "created_at": user.created_at.isoformat() if user.created_at else None,
    }


def create_user(
    session: Session,
    actor: Principal | None,
    username: str,
    password_hash: str,
    institution: str,
    roles: list[str],
    now: datetime,
    actor_name: str | None = None,
    email: str | None = None,
) -> dict[str, Any]:
    """Store a user whose fields have been checked; `Conflict("username_taken")` when the name is in use."""
    user_id = session.scalars(
        insert(User)
        .values(
            id=uuid.uuid4(),
            username=username,
            password_hash=password_hash,
            institution=institution,
            roles=roles,
            email=email,
            active=True,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["username"])
        .returning(User.id)
    ).first()
    if user_id is None:
        raise Conflict("username_taken", "username")
    user = session.get(User, user_id)
    assert user is not None
    if actor is None:  # the demo seed: no officer acts, the command does
        audit(session, domain.audit_entry(at=now, action="user_created", actor_username=actor_name, target=username))
    else:
        audit_by(session, actor, "user_created", now, username)
    return user_view(user)


def find_user(session: Session, username: str, lock: bool = False) -> User:
    statement = select(User).where(User.username == username)
    if lock:
        statement = statement.with_for_update()
    user = session.scalars(statement).first()
    if user is None:
        raise NotFound("user_not_found", "username")
    return user


def update_user(
    session: Session,
    outbox: OutboxWriter,
    actor: Principal,
    username: str,
    now: datetime,
    roles: list[str] | None = None,
    active: bool | None = None,
    institution: str | None = None,
    password_hash: str | None = None,
    email: str | None = None,
    clear_email: bool = False,
) -> dict[str, Any]:
    """Apply checked changes. Disabling a user, changing their roles or institution, or resetting their password
    ends their sessions; a new e-mail address (`email`, or none with `clear_email`) does not."""
    user = find_user(session, username, lock=True)
    oneself = actor.user_id == str(user.id)
    changes: list[str] = []
    if roles is not None and roles != list(user.roles):
        if oneself and "admin" in user.roles and "admin" not in roles:
            raise Conflict("cannot_lock_out_self", "roles")
        user.roles = roles
        changes.append("user_roles_changed")
    if institution is not None and institution != user.institution:
        user.institution = institution
        changes.append("user_institution_changed")
    if active is not None and active != user.active:
        if oneself and not active:
            raise Conflict("cannot_lock_out_self", "active")
        user.active = active
        changes.append("user_enabled" if active else "user_disabled")
    if password_hash is not None:
        user.password_hash = password_hash
        changes.append("user_password_reset")
    new_email = None if clear_email else email
    if (clear_email or email is not None) and new_email != user.email:
        user.email = new_email
        changes.append("user_email_changed")

    # The first reason that applies: each ends the sessions, whose tokens name the old roles and institution,
    # and a reset password must shut out whoever learnt the old one.
    reasons = {
        "user_disabled": "user_disabled",
        "user_roles_changed": "roles_changed",
        "user_institution_changed": "institution_changed",
        "user_password_reset": "credentials_changed",
    }
    reason = next((reasons[change] for change in reasons if change in changes), None)
    if reason is not None:
        revoke_user_sessions(session, outbox, user, reason, now)
    session.flush()
    for action in changes:
        audit_by(session, actor, action, now, user.username)
    return user_view(user)


def list_users(
    session: Session, institution: str | None = None, limit: int = 100, offset: int = 0
) -> list[dict[str, Any]]:
    statement = select(User)
    if institution:
        statement = statement.where(User.institution == institution)
    limit, offset = page_window(limit, offset, domain.MAX_PAGE)
    statement = statement.order_by(User.username).limit(limit).offset(offset)
    return [user_view(user) for user in session.scalars(statement)]


# Roles whose holders work an institution's applications, and so are told of its notices.
COORDINATOR = "coordinator"
NOTICE_ROLES = ("officer", "board", COORDINATOR)


def officer_contacts(session: Session, wanted: list[tuple[str, bool]]) -> list[list[dict[str, str]]]:
    """For each `(institution, coordinators only)`, in one query: the active users of the institution who hold
    `officer`, `board` or `coordinator` (only `coordinator` when coordinators only) and have an e-mail address, by
    username: whom notification tells about the institution's applications (its coordinators: about those it
    coordinates, and its monthly reports)."""
    rows = session.execute(
        select(User.institution, User.username, User.email, User.roles)
        .where(
            User.institution.in_({institution for institution, _ in wanted}),
            User.active.is_(True),
            User.email.is_not(None),
            User.roles.overlap(list(NOTICE_ROLES)),
        )
        .order_by(User.username)
    ).all()
    return [
        [
            {"username": row.username, "email": str(row.email)}  # never NULL: filtered
            for row in rows
            if row.institution == institution and (not coordinators_only or COORDINATOR in row.roles)
        ]
        for institution, coordinators_only in wanted
    ]


# --- Retention (KVKK) -------------------------------------------------------------------------------------------


def erase_client_addresses(session: Session, now: datetime, policy: Retention) -> dict[str, int]:
    """Once the retention period after the act is over: the client address of an audit line (and its seal's salt,
    so the seal the chain covers reveals nothing; the chain still verifies), a session's address and browser,
    and login failures, which the throttle forgot long before. Delivered outbox rows go after theirs. What was
    erased is itself a line of the trail."""
    cutoff = now - policy.client_addresses
    lines = retention.due(
        session, AuditRecord.id, AuditRecord.id, AuditRecord.client_address.is_not(None), AuditRecord.at < cutoff
    )
    if lines:
        session.execute(
            update(AuditRecord)
            .where(AuditRecord.id.in_(lines))
            .values(client_address=None, client_address_salt=None)
            .execution_options(synchronize_session=False)
        )
    sessions = session.execute(
        update(UserSession)
        .where(
            UserSession.expires_at < cutoff,
            (UserSession.client_address.is_not(None)) | (UserSession.user_agent.is_not(None)),
        )
        .values(client_address=None, user_agent=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    failures = session.execute(delete(LoginFailure).where(LoginFailure.at < cutoff)).rowcount
    erased = {
        "audit_addresses": len(lines),
        "sessions": int(sessions or 0),
        "login_failures": int(failures or 0),
        "outbox": retention.erase_delivered_outbox(session, OutboxMessage, now, policy),
    }
    if any(count for kind, count in erased.items() if kind != "outbox"):  # (the outbox alone: `retention`)
        audit(session, domain.audit_entry(at=now, action="client_addresses_erased", target=retention.summary(erased)))
    return erased
