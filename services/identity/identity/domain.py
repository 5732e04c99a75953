"""The rules of identity, as plain functions: no framework, no database.

- the roles an officer may hold (SPEC section 1; the names are `cimer_common.access.ROLES`, the one master list);
- what makes a username and a password acceptable;
- the login throttle: how many failures, in which window, and how long the caller must wait;
- sessions and refresh tokens;
- the audit trail's hash chain: the hash of a record, and the check of a whole sequence of them.

Each refusal is a `cimer_common.errors` class with a snake_case code that the gateway turns into a message.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from cimer_common.access import ROLES as ROLES  # re-exported: identity's rules speak of these names
from cimer_common.errors import InvalidRequest
from cimer_common.logs import mask_national_ids
from cimer_common.tokens import ACCESS_TOKEN_SECONDS

# --- Roles -----------------------------------------------------------------------------------------------------


def check_roles(roles: Iterable[str]) -> list[str]:
    """The roles once each, in the order of `ROLES`; refuses an empty list and a name that is not a role."""
    given = set(roles)
    if not given:
        raise InvalidRequest("roles_required", "roles")
    if given - ROLES.keys():
        raise InvalidRequest("unknown_role", "roles")
    return [role for role in ROLES if role in given]


# --- Users -----------------------------------------------------------------------------------------------------

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
PASSWORD_MIN_LENGTH = 12
PASSWORD_MAX_LENGTH = 256  # argon2 takes any length; this only stops a megabyte "password" from costing anything
MAX_PAGE = 500  # users listed at most at once; out-of-range paging is clamped, as the directory does


def check_username(username: object) -> str:
    """A new username: lower-case letters, digits, `.`, `_`, `-`, 3 to 64 characters, starting with a letter or
    digit; never something that could be a national ID (a username is written to the audit trail)."""
    if not isinstance(username, str) or not USERNAME.fullmatch(username) or mask_national_ids(username) != username:
        raise InvalidRequest("invalid_username", "username")
    return username


def check_password(password: object) -> str:
    if not isinstance(password, str):
        raise InvalidRequest("invalid_request", "password")
    if len(password) < PASSWORD_MIN_LENGTH:
        raise InvalidRequest("password_too_short", "password")
    if len(password) > PASSWORD_MAX_LENGTH:
        raise InvalidRequest("password_too_long", "password")
    return password


EMAIL_MAX_LENGTH = 320


def check_email(email: object) -> str | None:
    """An officer's e-mail address, checked simply: one `@` with text on both sides, at most 320 characters, no
    blank or control character (it goes into a mail header). Surrounding blanks are trimmed; `""` means none."""
    if not isinstance(email, str):
        raise InvalidRequest("invalid_email", "email")
    email = email.strip()
    if not email:
        return None
    local, _, domain = email.partition("@")
    if (
        len(email) > EMAIL_MAX_LENGTH
        or email.count("@") != 1
        or not local
        or not domain
        or any(ch.isspace() or not ch.isprintable() for ch in email)
    ):
        raise InvalidRequest("invalid_email", "email")
    return email


def fold_username(username: str) -> str:
    """What a login attempt is known by, for the lookup and the throttle: trimmed, lower case, at most 64
    characters, with anything that could be a national ID masked (people type theirs into the username box)."""
    return clean_text(username.strip().lower(), 64) or ""


def clean_text(value: str | None, max_length: int) -> str | None:
    """A caller's text as it may be stored: no NUL (PostgreSQL refuses it), no national ID, bounded length."""
    if value is None:
        return None
    cleaned: str = mask_national_ids(value.replace("\x00", ""))
    return cleaned[:max_length]


# --- The login throttle ----------------------------------------------------------------------------------------

LOGIN_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_USERNAME = 5  # a lockout of that username, whether or not it exists
MAX_FAILURES_PER_ADDRESS = 20  # one address trying many usernames


def retry_after(
    failures: Sequence[datetime], limit: int, now: datetime, window: timedelta = LOGIN_WINDOW
) -> int | None:
    """None when fewer than `limit` of `failures` are inside the window that ends at `now` (a
    failure stamped a little after `now`, by a replica whose clock runs ahead, counts); otherwise the whole
    seconds (at least 1) until enough of them have left it for one more attempt: with exactly `limit` failures,
    until the oldest leaves; with more, until the `limit`-th most recent leaves."""
    recent = sorted((at for at in failures if at > now - window), reverse=True)
    if len(recent) < limit:
        return None
    leaves_at = recent[limit - 1] + window
    return max(1, math.ceil((leaves_at - now).total_seconds()))


def login_retry_after(
    username_failures: Sequence[datetime], address_failures: Sequence[datetime], now: datetime
) -> int | None:
    """The throttle of one attempt: None to go ahead and check the password, or the seconds to wait."""
    waits = [
        wait
        for wait in (
            retry_after(username_failures, MAX_FAILURES_PER_USERNAME, now),
            retry_after(address_failures, MAX_FAILURES_PER_ADDRESS, now),
        )
        if wait is not None
    ]
    return max(waits) if waits else None


# --- Sessions --------------------------------------------------------------------------------------------------

SESSION_LIFETIME = timedelta(hours=12)  # a working day; refreshing never extends it
ACCESS_TOKEN_LIFETIME = timedelta(seconds=ACCESS_TOKEN_SECONDS)
REVOCATION_MEMORY = ACCESS_TOKEN_LIFETIME  # after this, every access token of a revoked session has expired


def new_refresh_token() -> str:
    return secrets.token_urlsafe(32)


def hash_refresh_token(token: str) -> str:
    """Refresh tokens are 256 random bits: a plain SHA-256 is enough to keep them out of a stolen database."""
    return hashlib.sha256(token.encode()).hexdigest()


def session_expires_at(created_at: datetime) -> datetime:
    return created_at + SESSION_LIFETIME


def seconds_left(until: datetime, now: datetime) -> int:
    return max(0, int((until - now).total_seconds()))


def revoked_until(revoked_at: datetime) -> datetime:
    """When the last access token issued for a session revoked at `revoked_at` expires."""
    return revoked_at + ACCESS_TOKEN_LIFETIME


def may_still_have_tokens(expires_at: datetime, now: datetime) -> bool:
    """A session whose access tokens may still be valid: a token issued just before the session expired
    outlives it by up to one access-token lifetime, so revoking such a session still matters."""
    return expires_at + ACCESS_TOKEN_LIFETIME > now


# --- The audit trail -------------------------------------------------------------------------------------------

GENESIS_HASH = "0" * 64  # the `previous_hash` of the first record


@dataclass(frozen=True)
class AuditEntry:
    """An audit record's fields. Its hash covers all but the row id, the hashes, and the client address with the
    salt of its seal: the hash covers the address through `client_address_seal`, so the address can be erased once
    its retention period is over (KVKK) and the chain still verifies; while it is there, it must match its seal."""

    at: datetime
    action: str
    outcome: str = "ok"
    actor_user_id: str | None = None
    actor_username: str | None = None
    actor_institution: str | None = None
    target: str | None = None
    client_address_seal: str | None = None
    event_id: str | None = None
    client_address: str | None = field(default=None, compare=False)
    client_address_salt: str | None = field(default=None, compare=False)


ERASABLE = ("client_address", "client_address_salt")


def seal_address(address: str, salt: str) -> str:
    """A commitment to the address that reveals nothing once the salt is gone (an IPv4 address alone would be
    found again from its plain hash in seconds)."""
    return hashlib.sha256(f"{salt}|{address}".encode()).hexdigest()


@dataclass(frozen=True)
class AuditRecord:
    id: int
    previous_hash: str
    hash: str
    entry: AuditEntry


def audit_entry(
    at: datetime,
    action: str,
    outcome: str = "ok",
    actor_user_id: str | None = None,
    actor_username: str | None = None,
    actor_institution: str | None = None,
    target: str | None = None,
    client_address: str | None = None,
    event_id: str | None = None,
    salt: str | None = None,
) -> AuditEntry:
    """An entry as it will be stored, so the hash is computed over exactly what the database keeps: text cleaned
    and bounded to its column, any national ID masked (the trail holds usernames, codes and tracking numbers), the
    client address sealed with a fresh random salt (or `salt`)."""
    address = clean_text(client_address, 64)
    salt = (salt or secrets.token_hex(16)) if address else None
    return AuditEntry(
        at=at,
        action=clean_text(action, 64) or "",
        outcome=clean_text(outcome, 64) or "",
        actor_user_id=clean_text(actor_user_id, 64),
        actor_username=clean_text(actor_username, 64),
        actor_institution=clean_text(actor_institution, 64),
        target=clean_text(target, 255),
        client_address_seal=seal_address(address, salt) if address and salt else None,
        event_id=event_id,
        client_address=address,
        client_address_salt=salt,
    )


def canonical_json(entry: AuditEntry) -> str:
    """Sorted keys, no spaces, the time in UTC ISO 8601 with microseconds: the same text for the same record,
    whichever time zone the database session or the writer was in."""
    fields: dict[str, Any] = asdict(entry)
    for erasable in ERASABLE:
        del fields[erasable]
    fields["at"] = entry.at.astimezone(UTC).isoformat(timespec="microseconds")
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def audit_hash(previous_hash: str, entry: AuditEntry) -> str:
    return hashlib.sha256((previous_hash + canonical_json(entry)).encode()).hexdigest()


@dataclass(frozen=True)
class ChainCheck:
    count: int  # records checked (all of them when intact, up to and including the broken one otherwise)
    head: str  # hash of the last good record
    broken_at: int | None = None  # id of the first record that does not fit the chain
    problem: str | None = None

    @property
    def intact(self) -> bool:
        return self.broken_at is None


def verify_chain(records: Iterable[AuditRecord]) -> ChainCheck:
    """Walk the records in id order. A changed record no longer matches its own hash; a deleted or inserted one
    breaks the link of the record after it (its `previous_hash` is not the hash before it)."""
    previous = GENESIS_HASH
    count = 0
    for record in records:
        count += 1
        if record.previous_hash != previous:
            return ChainCheck(count, previous, record.id, "previous_hash does not match the record before it")
        if audit_hash(previous, record.entry) != record.hash:
            return ChainCheck(count, previous, record.id, "hash does not match the record's fields")
        entry = record.entry
        if entry.client_address is not None and (
            entry.client_address_salt is None
            or seal_address(entry.client_address, entry.client_address_salt) != entry.client_address_seal
        ):
            return ChainCheck(count, previous, record.id, "client address does not match its seal")
        previous = record.hash
    return ChainCheck(count, previous)
