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

from cimer_common import broker
from cimer_common.outbox import RetriedLater, set_aside

log = structlog.get_logger(__name__)

COMMANDS_EXCHANGE = Exchange(broker.COMMANDS_EXCHANGE, type="topic", durable=True)
COMMANDS_QUEUE = Queue(
    broker.COMMANDS_QUEUE,
    exchange=COMMANDS_EXCHANGE,
    bindings=[binding(COMMANDS_EXCHANGE, routing_key=f"*.{command}") for command in broker.COMMANDS],
    durable=True,
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
        set_aside(self.amqp_uri, message.body, f"undecodable: {error}", provider.queue.name)
        message.ack()


class InstitutionCommandConsumer(RetriedLater, Consumer):  # type: ignore[misc]
    queue_consumer = TolerantQueueConsumer()

    def __init__(self, **kwargs: Any):
        super().__init__(COMMANDS_QUEUE, requeue_on_error=True, **kwargs)

    def handle_message(self, body: Any, message: Any) -> None:
        sender = message.properties.get("user_id")
        institution = broker.institution_of(sender)
        code, _, command = message.delivery_info["routing_key"].partition(".")
        if institution is None or code != institution:
            reason = f"command {message.delivery_info['routing_key']!r} not from its institution (user_id {sender!r})"
            log.warning("institution command refused", reason=reason)
            set_aside(self.container.config["AMQP_URI"], body, reason, self.queue.name)
            self.queue_consumer.ack_message(message)
            return
        self.work_on(message, (institution, command, body))


on_institution_command = InstitutionCommandConsumer.decorator
