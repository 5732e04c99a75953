"""Services check officers' tokens themselves: the gateway's check is for early refusal, not the only one."""

from __future__ import annotations

from nameko.extensions import DependencyProvider

from cimer_common.errors import Unauthorized
from cimer_common.tokens import Principal, read_key, verify_access_token


class Authenticator:
    def __init__(self, public_key_pem: bytes):
        self._public_key_pem = public_key_pem

    def __call__(self, token: str | None) -> Principal:
        """The officer a token names; `Unauthorized` when there is no valid token."""
        if not token:
            raise Unauthorized("login_required")
        return verify_access_token(self._public_key_pem, token)


class Authentication(DependencyProvider):
    """`self.authenticate(token) -> Principal`, with the public key read once, at setup."""

    def setup(self) -> None:
        self.authenticator = Authenticator(read_key(self.container.config["JWT_PUBLIC_KEY_FILE"]))

    def get_dependency(self, worker_ctx) -> Authenticator:  # type: ignore[no-untyped-def]
        return self.authenticator
