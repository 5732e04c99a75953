"""Passwords, hashed with argon2id (argon2-cffi's defaults, RFC 9106's low-memory choice).

A hash costs tens of milliseconds of CPU in C code; under eventlet that would stall every other green thread of
the service, so inside a service it runs in eventlet's pool of real threads (argon2-cffi releases the GIL).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from eventlet import patcher, tpool

T = TypeVar("T")

_hasher = PasswordHasher()


def _off_the_hub(function: Callable[..., T], *args: object) -> T:
    if patcher.is_monkey_patched("thread"):
        return tpool.execute(function, *args)  # type: ignore[no-any-return]
    return function(*args)


@cache
def _dummy_hash() -> str:
    # Checked against when there is no such user, so an unknown username takes as long as a wrong password.
    return _hasher.hash("no such user: this hash matches nothing anyone types")


def warm_up() -> None:
    """Make the dummy hash now, at start, so the first login for an unknown user costs no more than any other."""
    _dummy_hash()


def hash_password(password: str) -> str:
    return _off_the_hub(_hasher.hash, password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when `password` matches `stored_hash`; with no hash, the same work is done against a dummy one."""
    try:
        return _off_the_hub(_hasher.verify, stored_hash or _dummy_hash(), password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's: it is replaced at the next login."""
    return _hasher.check_needs_rehash(stored_hash)
