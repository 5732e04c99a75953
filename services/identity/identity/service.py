"""Identity's nameko service: the only module here that knows nameko. Each entrypoint opens one transaction."""

from __future__ import annotations

from nameko.rpc import rpc
from sqlalchemy import text

from cimer_common.db import Database
from cimer_common.worker_context import LogContext


class IdentityService:
    name = "identity"

    db = Database()
    log_context = LogContext()

    @rpc
    def health(self) -> dict[str, str]:
        with self.db.transaction() as session:
            session.execute(text("SELECT 1"))
        return {"service": self.name, "status": "ok"}
