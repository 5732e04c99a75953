"""Binds each nameko worker's context to its log lines.

The correlation id that came in at the gateway travels as the `nameko.correlation_id` AMQP header; nameko turns
it into worker context data and passes it on to every RPC call and event the worker makes, and the outbox relay
copies it into the headers of the events it publishes.
"""

from __future__ import annotations

import structlog
from nameko.extensions import DependencyProvider


class LogContext(DependencyProvider):
    """Binds entrypoint, call id and correlation id for the life of each worker (one green thread each)."""

    def worker_setup(self, worker_ctx) -> None:  # type: ignore[no-untyped-def]
        structlog.contextvars.bind_contextvars(
            entrypoint=worker_ctx.entrypoint.method_name,
            call_id=worker_ctx.call_id,
            correlation_id=worker_ctx.data.get("correlation_id"),
        )

    def worker_teardown(self, worker_ctx) -> None:  # type: ignore[no-untyped-def]
        structlog.contextvars.unbind_contextvars("entrypoint", "call_id", "correlation_id")
