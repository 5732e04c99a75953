"""`@on_institution_command`: routing's entrypoint for the commands institutions' own systems send on the bus
(SPEC section 10), through the topic exchange `cimer.commands` with routing keys `<CODE>.<command>`.

The broker vouches for the sender (`user_id`, checked against the connection's user): a command is taken only
from `institution-<CODE>` for its own code, and the worker gets `(institution, command, body)`. Anything else, and
any message that is not JSON, is set aside in the dead letters: an institution cannot stop routing by sending
something it cannot read. A worker that fails (the database is down) puts the command back after a pause.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import structlog
from kombu import Exchange, Queue, binding
from nameko.messaging import Consumer, QueueConsumer

from cimer_common import broker, dead_letters
from cimer_common.dead_letters import NotApplicable
from cimer_common.outbox import RetriedLater

log = structlog.get_logger(__name__)

COMMANDS_EXCHANGE = Exchange(broker.COMMANDS_EXCHANGE, type="topic", durable=True)
COMMANDS_QUEUE = Queue(
    broker.COMMANDS_QUEUE,
    exchange=COMMANDS_EXCHANGE,
    bindings=[binding(COMMANDS_EXCHANGE, routing_key=f"*.{command}") for command in broker.COMMANDS],
    durable=True,
    queue_arguments=broker.QUEUE_ARGUMENTS,
)


class TolerantQueueConsumer(QueueConsumer):  # type: ignore[misc]
    """nameko's queue consumer, except that a message it cannot decode (no or another content type, bad JSON) is
    set aside instead of stopping the container."""

    def get_consumers(self, consumer_cls: Any, channel: Any) -> Any:
        consumers = super().get_consumers(consumer_cls, channel)
        for provider, consumer in self._consumers.items():
            consumer.on_decode_error = partial(self._undecodable, provider)
        return consumers

    def _undecodable(self, provider: Any, message: Any, error: Exception) -> None:
        log.error("undecodable message set aside", queue=provider.queue.name, error=str(error))
        reason = f"undecodable: {error}"
        dead_letters.set_aside(
            self.amqp_uri, self.container.service_name, message, message.body, reason, provider.queue.name
        )
        message.ack()


class InstitutionCommandConsumer(RetriedLater, Consumer):  # type: ignore[misc]
    queue_consumer = TolerantQueueConsumer()

    def __init__(self, **kwargs: Any):
        super().__init__(COMMANDS_QUEUE, requeue_on_error=True, **kwargs)

    def handle_message(self, body: Any, message: Any) -> None:
        try:
            args = self.check(body, message.properties.get("user_id"), message.delivery_info["routing_key"])
        except NotApplicable as refusal:
            log.warning("institution command refused", reason=str(refusal))
            self.set_aside(body, message, str(refusal))
            return
        self.work_on(message, args)

    def check(self, body: Any, sender: str | None, routing_key: str) -> tuple[str, str, Any]:
        """(institution, command, body) of a command its institution sent; `NotApplicable` for anything else."""
        institution = broker.institution_of(sender)
        code, _, command = routing_key.partition(".")
        if institution is None or code != institution:
            raise NotApplicable(f"command {routing_key!r} not from its institution (user_id {sender!r})")
        return institution, command, body

    def replayed(self, letter: dict[str, Any]) -> tuple[Any, ...]:
        if not isinstance(letter["body"], dict):  # it was never JSON
            raise NotApplicable(letter["reason"])
        return self.check(letter["body"], letter.get("sender"), letter.get("routing_key") or "")


on_institution_command = InstitutionCommandConsumer.decorator
