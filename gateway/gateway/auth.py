"""Officers at the gateway: their bearer token checked with identity's public key (no round trip), and sessions
ended early (logout, a disabled user) refused at once.

Revocations reach every gateway instance as `session_revoked` events; at start it also asks identity for the
sessions revoked recently, so a gateway that was down misses none whose tokens could still be in use.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

import structlog

from cimer_common.errors import Unauthorized
from cimer_common.tokens import ACCESS_TOKEN_SECONDS, Principal, read_key, verify_access_token
from gateway.rpc import RemoteError, RpcClient, ServiceUnavailable

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Officer:
    principal: Principal
    token: str  # passed on, so the service that owns the data checks it again


class Revocations:
    def __init__(self) -> None:
        self._until: dict[str, float] = {}

    def revoke(self, session_id: str, seconds_left: float = ACCESS_TOKEN_SECONDS) -> None:
        self._until[session_id] = time.monotonic() + seconds_left

    def is_revoked(self, session_id: str) -> bool:
        until = self._until.get(session_id)
        if until is None:
            return False
        if until < time.monotonic():  # every token of that session has expired by now: forget it
            del self._until[session_id]
            return False
        return True

    async def follow(self, rpc: RpcClient) -> None:
        """Listen first, then load what was revoked before, so nothing falls between the two."""

        async def on_revoked(envelope: dict[str, Any]) -> None:
            self.revoke(envelope["payload"]["session_id"])

        await rpc.subscribe("identity", "session_revoked", on_revoked)
        asyncio.get_running_loop().create_task(self._load_recent(rpc))

    async def _load_recent(self, rpc: RpcClient) -> None:
        while True:
            try:
                for revoked in await rpc.call("identity", "revoked_sessions"):
                    self.revoke(revoked["session_id"])
                return
            except (ServiceUnavailable, RemoteError):
                log.warning("identity not answering; revoked sessions will be loaded when it does")
                await asyncio.sleep(5)


class Verifier:
    def __init__(self, public_key_file: str, revocations: Revocations):
        self._public_key = read_key(public_key_file)
        self._revocations = revocations

    def officer(self, token: str) -> Officer:
        principal = verify_access_token(self._public_key, token)
        if self._revocations.is_revoked(principal.session_id):
            raise Unauthorized("session_revoked")
        return Officer(principal, token)
