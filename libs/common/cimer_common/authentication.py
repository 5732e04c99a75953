"""Services check officers' tokens themselves: the gateway's check is for early refusal, not the only one.

A service that takes tokens also refuses those of sessions ended early (logout, a disabled user), as the gateway
does (`cimer_common.revocations`): `FollowsRevocations`, mixed into its class, hears every `session_revoked` on a
queue of the process's own and loads identity's list of recent revocations at start and every `RELOAD_SECONDS`;
until that first load, a call with a token is answered `NotReady`. Identity needs none of this: it reads its own
sessions.
"""

from __future__ import annotations

from typing import Any

import eventlet
from nameko.exceptions import RemoteError, UnknownService
from nameko.extensions import DependencyProvider
from nameko.timer import timer

from cimer_common.bus import RpcProxy
from cimer_common.errors import Unauthorized
from cimer_common.events import SessionRevoked
from cimer_common.logs import get_logger
from cimer_common.outbox import on_broadcast
from cimer_common.revocations import RETRY_SECONDS, Revocations
from cimer_common.tokens import Principal, read_key, verify_access_token

log = get_logger(__name__)
LOAD_TIMEOUT_SECONDS = 5


class Authenticator:
    def __init__(self, public_key_pem: bytes, revocations: Revocations | None = None):
        self._public_key_pem = public_key_pem
        self.revocations = revocations

    def __call__(self, token: str | None) -> Principal:
        """The officer a token names; `Unauthorized` when there is no valid token or its session was revoked,
        `NotReady` while the revoked sessions are not known yet."""
        if not token:
            raise Unauthorized("login_required")
        principal = verify_access_token(self._public_key_pem, token)
        if self.revocations is not None:
            self.revocations.check(principal.session_id)
        return principal


class Authentication(DependencyProvider):
    """`self.authenticate(token) -> Principal`, with the public key read once, at setup. `follow_revocations`:
    whether the service keeps the revoked sessions itself (with `FollowsRevocations`); identity does not."""

    def __init__(self, follow_revocations: bool = True):
        self.follow_revocations = follow_revocations

    def setup(self) -> None:
        revocations = Revocations() if self.follow_revocations else None
        self.authenticator = Authenticator(read_key(self.container.config["JWT_PUBLIC_KEY_FILE"]), revocations)

    def get_dependency(self, worker_ctx: Any) -> Authenticator:
        return self.authenticator


class FollowsRevocations:
    """Mixed into a service class with `authenticate = Authentication()`: keeps its revoked sessions current."""

    authenticate: Authenticator
    revocations_from = RpcProxy("identity")

    @on_broadcast("identity", "session_revoked")
    def hear_session_revoked(self, event: Any, payload: SessionRevoked) -> None:
        assert self.authenticate.revocations is not None
        self.authenticate.revocations.revoke(payload.session_id)
        log.info("session revoked", session_id=payload.session_id, reason=payload.reason)

    # Not eager: at the very start the reply listener may not be consuming yet, and identity's answer would be lost.
    @timer(interval=RETRY_SECONDS)
    def load_revoked_sessions(self) -> int:
        """At start (again every RETRY_SECONDS until it succeeds), then every RELOAD_SECONDS: what identity knows,
        which covers any broadcast missed while this process was starting or its broker connection was down.
        Returns how many were loaded, 0 when it was not time yet, -1 when identity did not answer."""
        assert self.authenticate.revocations is not None
        if not self.authenticate.revocations.reload_due():
            return 0
        try:
            # Not waited on for ever: identity's queue takes the call even while identity is down.
            with eventlet.Timeout(LOAD_TIMEOUT_SECONDS):
                revoked = self.revocations_from.revoked_sessions()
        except (eventlet.Timeout, UnknownService, RemoteError) as error:
            log.warning("revoked sessions not loaded; tried again soon", error=f"{type(error).__name__}: {error}")
            return -1
        self.authenticate.revocations.load(revoked)
        return len(revoked)
