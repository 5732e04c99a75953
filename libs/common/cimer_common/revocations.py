"""Sessions ended early (logout, a disabled user), as every process that checks officers' tokens keeps them: the
gateway, and each service that takes a token (intake, routing, reporting; identity reads its own sessions).

A token is checked with identity's public key, with no round trip, so a revoked session's tokens would otherwise
work until they expire. Each process hears `session_revoked` as it happens (a broadcast: every instance hears it)
and also loads the recent revocations from identity when it starts and then now and again, so that one missed
while it was starting or while its broker connection was down is still refused within `RELOAD_SECONDS`. Until
the first load has succeeded, nothing that needs a token is served: a process that does not know yet which
sessions were revoked cannot tell a revoked token from a good one.

No nameko, no asyncio here: the gateway (asyncio) and the services (eventlet) share it.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping

from cimer_common.errors import NotReady, Unauthorized
from cimer_common.tokens import ACCESS_TOKEN_SECONDS

RELOAD_SECONDS = 30.0
RETRY_SECONDS = 0.5  # until the first load has succeeded, and after a failed one


class Revocations:
    def __init__(self) -> None:
        self._until: dict[str, float] = {}
        self._loaded_at = float("-inf")  # when identity's list last came; never yet

    def revoke(self, session_id: str, seconds_left: float = ACCESS_TOKEN_SECONDS) -> None:
        """Refuse the session's tokens for as long as any of them can still be valid."""
        self._until[session_id] = max(self._until.get(session_id, 0.0), time.monotonic() + seconds_left)

    def load(self, revoked: Iterable[Mapping[str, str]]) -> None:
        """What identity answers to `revoked_sessions`: every session revoked while its tokens may still be valid."""
        for entry in revoked:
            self.revoke(entry["session_id"])
        self._loaded_at = time.monotonic()

    @property
    def loaded(self) -> bool:
        """Whether identity's list has come at least once."""
        return self._loaded_at > float("-inf")

    def reload_due(self) -> bool:
        """Whether it is time to ask identity again: never loaded yet, or `RELOAD_SECONDS` since the last load."""
        return time.monotonic() - self._loaded_at >= RELOAD_SECONDS

    def is_revoked(self, session_id: str) -> bool:
        until = self._until.get(session_id)
        if until is None:
            return False
        if until < time.monotonic():  # every token of that session has expired by now: forget it
            del self._until[session_id]
            return False
        return True

    def check(self, session_id: str) -> None:
        """`NotReady` before the first load; `Unauthorized("session_revoked")` for a revoked session."""
        if not self.loaded:
            raise NotReady("service_unavailable")
        if self.is_revoked(session_id):
            raise Unauthorized("session_revoked")
