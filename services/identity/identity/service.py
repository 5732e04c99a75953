"""Identity's nameko service: the only module here that knows nameko. Each entrypoint opens one transaction."""

from __future__ import annotations

from cimer_common.db import Database, HealthCheck
from cimer_common.worker_context import LogContext


class IdentityService(HealthCheck):
    name = "identity"

    db = Database()
    log_context = LogContext()
