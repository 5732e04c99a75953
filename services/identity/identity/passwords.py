"""Passwords, hashed with argon2id (argon2-cffi's defaults, RFC 9106's low-memory choice).

A hash costs tens of milliseconds of CPU in C code; under eventlet that would stall every other green thread of
the service, so inside a service it runs in eventlet's pool of real threads (argon2-cffi releases the GIL). Each
also holds 64 MiB while it runs, so no more run at once than the pod's memory holds (`hashes_at_once`); the
others wait their turn.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from eventlet import patcher, tpool

T = TypeVar("T")

_hasher = PasswordHasher()
MIB = 1024 * 1024
HASH_BYTES = _hasher.memory_cost * 1024  # what one hash or check holds while it runs (64 MiB by default)
# What the service needs besides the hashes (measured: about 110 MB idle, more under load), kept free of them.
RESERVED_BYTES = 160 * MIB
MOST_AT_ONCE = 4  # with no memory limit: the cores a pod has, not the memory, are then what bounds them
CGROUP_LIMITS = (Path("/sys/fs/cgroup/memory.max"), Path("/sys/fs/cgroup/memory/memory.limit_in_bytes"))


def memory_limit(files: tuple[Path, ...] = CGROUP_LIMITS) -> int | None:
    """The container's memory limit in bytes (cgroup v2, else v1), or None where there is none."""
    for file in files:
        try:
            text = file.read_text().strip()
        except OSError:
            continue
        if text.isdigit() and int(text) < 2**60:  # v1 writes a huge number for "no limit", v2 writes "max"
            return int(text)
        return None
    return None


def hashes_at_once(explicit: str | None, limit: int | None) -> int:
    """How many hashes may run at once: PASSWORD_HASHES_AT_ONCE if set, else as many as fit in the memory limit
    beside what the service itself needs (at least one), else `MOST_AT_ONCE`. Unbounded, a handful of logins at
    once (any made-up username costs a full check) would take the pod past its limit and get it killed."""
    if explicit and explicit.strip().isdigit() and int(explicit) > 0:
        return int(explicit)
    if limit is None:
        return MOST_AT_ONCE
    return max(1, min(MOST_AT_ONCE, (limit - RESERVED_BYTES) // HASH_BYTES))


@cache
def _slots() -> threading.BoundedSemaphore:
    # Made at first use, after eventlet has patched `threading`: waiting for a slot yields to the other green
    # threads instead of blocking the process.
    return threading.BoundedSemaphore(hashes_at_once(os.environ.get("PASSWORD_HASHES_AT_ONCE"), memory_limit()))


def _off_the_hub(function: Callable[..., T], *args: object) -> T:
    with _slots():
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
