"""Identity signs officers' access tokens: the private key is read once, when the service starts."""

from __future__ import annotations

from datetime import datetime

from nameko.extensions import DependencyProvider

from cimer_common.tokens import Principal, issue_access_token, read_key
from identity import passwords


class Signer:
    def __init__(self, private_key_pem: bytes):
        self._private_key_pem = private_key_pem

    def __call__(self, principal: Principal, now: datetime | None = None) -> str:
        return issue_access_token(self._private_key_pem, principal, now)


class TokenSigner(DependencyProvider):
    """`self.sign(principal) -> str`, with the key from `config["JWT_PRIVATE_KEY_FILE"]`."""

    def setup(self) -> None:
        self.signer = Signer(read_key(self.container.config["JWT_PRIVATE_KEY_FILE"]))
        passwords.warm_up()

    def get_dependency(self, worker_ctx) -> Signer:  # type: ignore[no-untyped-def]
        return self.signer
