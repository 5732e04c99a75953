"""Password checks hold 64 MiB each while they run: no more run at once than the pod's memory holds."""

import time

import eventlet
import pytest

from cimer_common.errors import Unauthorized
from cimer_common.testing import wait_until
from identity import passwords

MIB = 1024 * 1024


def test_as_many_checks_at_once_as_the_memory_limit_holds_beside_the_service(tmp_path):
    assert passwords.HASH_BYTES == 64 * MIB
    # The identity pod's limit (deploy/k8s/base/identity.yaml): 320 MiB, 160 of them the service's own.
    assert passwords.hashes_at_once(None, 320 * MIB) == 2
    assert passwords.hashes_at_once(None, 200 * MIB) == 1  # at least one, or nobody could log in
    assert passwords.hashes_at_once(None, 8192 * MIB) == passwords.MOST_AT_ONCE
    assert passwords.hashes_at_once(None, None) == passwords.MOST_AT_ONCE
    assert passwords.hashes_at_once("3", 200 * MIB) == 3  # PASSWORD_HASHES_AT_ONCE: the operator's word wins
    assert passwords.hashes_at_once("zero", 320 * MIB) == 2

    v2, v1 = tmp_path / "memory.max", tmp_path / "memory.limit_in_bytes"
    v2.write_text(f"{320 * MIB}\n")
    assert passwords.memory_limit((v2, v1)) == 320 * MIB
    v2.write_text("max\n")
    assert passwords.memory_limit((v2, v1)) is None
    v1.write_text("9223372036854771712\n")  # cgroup v1's "no limit"
    assert passwords.memory_limit((tmp_path / "absent", v1)) is None
    assert passwords.memory_limit((tmp_path / "absent",)) is None


@pytest.fixture
def two_at_once(monkeypatch):
    monkeypatch.setenv("PASSWORD_HASHES_AT_ONCE", "2")
    passwords._slots.cache_clear()
    yield
    passwords._slots.cache_clear()


@pytest.mark.interface
def test_simultaneous_logins_with_made_up_usernames_check_no_more_than_the_bound_at_once(
    two_at_once, identity, call, monkeypatch
):
    spans = []  # (start, end) of each check, taken in the real thread that runs it
    hasher = passwords._hasher

    class Timed:
        def verify(self, stored, password):
            start = time.monotonic()
            try:
                return hasher.verify(stored, password)
            finally:
                spans.append((start, time.monotonic()))

        def __getattr__(self, name):
            return getattr(hasher, name)

    monkeypatch.setattr(passwords, "_hasher", Timed())
    logins = [eventlet.spawn(call, identity, "login", f"nobody-{n}", "guess", f"192.0.2.{n}") for n in range(8)]
    for login in logins:
        with pytest.raises(Unauthorized):
            login.wait()
    # A hook's answer is the next login to finish, not necessarily its own: wait for every check to be done.
    wait_until(lambda: len(spans) == 8)  # each made-up username cost a full check, as a wrong password does
    edges = sorted([(start, 1) for start, _ in spans] + [(end, -1) for _, end in spans])
    running = most = 0
    for _, step in edges:
        running += step
        most = max(most, running)
    assert most == 2
