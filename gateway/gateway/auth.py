"""Officers at the gateway: their bearer token checked with identity's public key (no round trip), and sessions
ended early (logout, a disabled user) refused at once.

Revocations reach every gateway instance as `session_revoked` events; at start, and every `RELOAD_SECONDS` after,
it also asks identity for the sessions revoked recently, so a gateway that was down, or lost its broker connection
for a while, misses none whose tokens could still be in use; until the first answer, no officer is served
(`cimer_common.revocations`).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import structlog

from cimer_common.revocations import RELOAD_SECONDS, RETRY_SECONDS, Revocations
from cimer_common.tokens import Principal, read_key, verify_access_token
from gateway.rpc import RpcClient

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Officer:
    principal: Principal
    token: str  # passed on, so the service that owns the data checks it again


class RevocationsFollower:
    """Keeps a gateway's `Revocations` current: every `session_revoked` as it happens, and identity's list of recent
    revocations at start and every `RELOAD_SECONDS` after (which covers any event missed while the broker
    connection was down and its queue gone)."""

    def __init__(self, revocations: Revocations):
        self.revocations = revocations

    async def follow(self, rpc: RpcClient) -> None:
        """Listen first, then load what was revoked before, so nothing falls between the two."""

        async def on_revoked(envelope: dict[str, Any]) -> None:
            self.revocations.revoke(envelope["payload"]["session_id"])

        await rpc.subscribe("identity", "session_revoked", on_revoked)
        self.task = asyncio.get_running_loop().create_task(self._keep_loading(rpc))

    async def _keep_loading(self, rpc: RpcClient) -> None:
        while True:
            try:
                self.revocations.load(await rpc.call("identity", "revoked_sessions"))
                wait = RELOAD_SECONDS
            except Exception as error:  # whatever identity or the bus answered, the loop must go on
                log.warning("revoked sessions not loaded; tried again soon", error=f"{type(error).__name__}: {error}")
                wait = RETRY_SECONDS
            await asyncio.sleep(wait)


class Verifier:
    def __init__(self, public_key_file: str, revocations: Revocations):
        self._public_key = read_key(public_key_file)
        self._revocations = revocations

    def officer(self, token: str) -> Officer:
        principal = verify_access_token(self._public_key, token)
        self._revocations.check(principal.session_id)  # not served before the revocations are known
        return Officer(principal, token)
