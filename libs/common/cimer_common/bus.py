"""nameko on a bus where the broker vouches for every sender (see `broker.py` for who may do what).

- `VouchedPublisher`: every message a service publishes (events, RPC requests and replies, dead letters) carries
  `user_id`, the connection's own user, which RabbitMQ refuses to let anyone forge.
- `rpc`: nameko's entrypoint, answering only callers entitled to the method (`broker.may_call`); anyone else
  gets `Forbidden` and the method does not run.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import nameko.rpc
import structlog
from kombu.connection import Connection
from kombu.messaging import Producer
from nameko.amqp.publish import Publisher
from nameko.constants import PERSISTENT
from nameko.rpc import ReplyListener, Rpc, RpcConsumer

from cimer_common import broker
from cimer_common.errors import Forbidden

# structlog itself, not `cimer_common.logs`: that imports logging.config and with it socketserver, which must not be
# imported before eventlet patches the standard library (the test plugin imports this module before the patch).
log = structlog.get_logger(__name__)


class VouchedPublisher(Publisher):  # type: ignore[misc]
    def __init__(self, amqp_uri: str, *args: Any, **kwargs: Any):
        kwargs.setdefault("user_id", broker.user_in(amqp_uri))
        super().__init__(amqp_uri, *args, **kwargs)


# nameko builds its RPC requests (MethodProxy) and replies (Responder) with the class named here: its intended
# extension point, set once for every container of the process.
nameko.rpc.MethodProxy.publisher_cls = VouchedPublisher
nameko.rpc.Responder.publisher_cls = VouchedPublisher


class ReplicatedRpcConsumer(RpcConsumer):  # type: ignore[misc]
    """nameko's consumer of a service's RPC queue, declaring it a quorum queue (`broker.QUEUE_ARGUMENTS`)."""

    def setup(self) -> None:
        super().setup()
        self.queue.queue_arguments = broker.QUEUE_ARGUMENTS  # read when the consumer starts, after every setup


class EntitledRpc(Rpc):  # type: ignore[misc]
    rpc_consumer = ReplicatedRpcConsumer()

    def handle_message(self, body: Any, message: Any) -> None:
        service = self.container.service_name
        sender = message.properties.get("user_id")
        if not broker.may_call(broker.component_of(sender), service, self.method_name):
            log.warning("rpc refused", method=f"{service}.{self.method_name}", sender=sender)
            # Raised here, nameko's RPC consumer answers the caller with the error and runs nothing.
            raise Forbidden("caller_not_entitled")
        super().handle_message(body, message)


rpc = EntitledRpc.decorator


class NodeLocalReplyListener(ReplyListener):  # type: ignore[misc]
    """nameko's listener for the replies to a service's own calls, on a queue of its connection's own. nameko
    declares it durable; on a cluster, a durable classic queue whose node is down cannot be declared again on
    another (NOT_FOUND, "home node ... is down"), and that failed the whole container's consumer, every entrypoint
    with it, until the node came back. An exclusive queue goes with its connection (and its node) and is declared
    anew where the consumer reconnects (the replies then in flight are lost, as the calls' timeouts allow); not
    merely transient, which RabbitMQ 4.3 refuses for a queue that is not exclusive."""

    def setup(self) -> None:
        super().setup()
        self.queue.durable, self.queue.exclusive = False, True


class RpcProxy(nameko.rpc.RpcProxy):  # type: ignore[misc]
    """`RpcProxy("identity")`, nameko's, with its replies on a queue that cannot hold its container back when a
    node is lost."""

    rpc_reply_listener = NodeLocalReplyListener()


@dataclass(frozen=True)
class Outgoing:
    """One message of a batch: a JSON body for `exchange` with `routing_key`, identified by `message_id`."""

    body: Any
    exchange: str
    routing_key: str
    message_id: str
    mandatory: bool = True
    headers: dict[str, Any] = field(default_factory=dict)


class ConfirmedBatchPublisher:
    """Publishes a batch of persistent messages on a channel in confirm mode and waits once for all their confirms,
    rather than a round trip per message as nameko's publisher does (`confirm_publish`). `publish` says which
    messages the broker took: confirmed (so written where it keeps them) and, when mandatory, routed to a queue.
    A nack, a return or a confirm that does not come in time leaves that message unconfirmed, to publish again.

    One connection of its own, kept between batches and made again after an error; one user at a time (the outbox
    relay's green thread)."""

    def __init__(self, amqp_uri: str, confirm_timeout: float = 10.0):
        self.amqp_uri = amqp_uri
        self.confirm_timeout = confirm_timeout
        self.user_id = broker.user_in(amqp_uri)
        self._connection: Any = None
        self._producer: Any = None
        self._next_tag = 1
        self._waiting: dict[int, str] = {}  # delivery tag → message id, until confirmed
        self._confirmed: set[str] = set()
        self._refused: set[str] = set()  # nacked or returned

    def publish(self, messages: list[Outgoing]) -> set[str]:
        """The ids of the messages the broker confirmed (and routed, for mandatory ones)."""
        if not messages:
            return set()
        try:
            producer = self._open()
            self._confirmed, self._refused = set(), set()
            for message in messages:
                producer.publish(
                    message.body,
                    exchange=message.exchange,
                    routing_key=message.routing_key,
                    headers=message.headers,
                    mandatory=message.mandatory,
                    message_id=message.message_id,
                    user_id=self.user_id,
                    delivery_mode=PERSISTENT,
                    serializer="json",
                )
                self._waiting[self._next_tag] = message.message_id
                self._next_tag += 1
            deadline = time.monotonic() + self.confirm_timeout
            while self._waiting:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"{len(self._waiting)} publisher confirms not received")
                self._connection.drain_events(timeout=remaining)
        except BaseException:
            self.close()  # a channel or connection in doubt is not used again
            raise
        return self._confirmed - self._refused

    def close(self) -> None:
        connection, self._connection, self._producer = self._connection, None, None
        self._waiting.clear()
        if connection is not None:
            try:
                connection.release()
            except Exception:  # already broken: nothing more to release
                log.debug("closing a broken publisher connection", exc_info=True)

    def _open(self) -> Any:
        if self._producer is None:
            connection = Connection(self.amqp_uri)  # type: ignore[no-untyped-call]
            channel = connection.channel()  # type: ignore[no-untyped-call]
            channel.confirm_select()
            channel.events["basic_ack"].add(self._on_ack)
            channel.events["basic_nack"].add(self._on_nack)
            channel.events["basic_return"].add(self._on_return)
            self._connection, self._producer, self._next_tag = connection, Producer(channel), 1  # type: ignore[no-untyped-call]
            self._waiting.clear()
        return self._producer

    def _settle(self, delivery_tag: int, multiple: bool, into: set[str]) -> None:
        tags = [tag for tag in self._waiting if tag <= delivery_tag] if multiple else [delivery_tag]
        for tag in tags:
            message_id = self._waiting.pop(tag, None)
            if message_id is not None:
                into.add(message_id)

    def _on_ack(self, delivery_tag: int, multiple: bool) -> None:
        self._settle(delivery_tag, multiple, self._confirmed)

    def _on_nack(self, delivery_tag: int, multiple: bool) -> None:
        self._settle(delivery_tag, multiple, self._refused)

    def _on_return(self, exc: Exception, exchange: str, routing_key: str, message: Any) -> None:
        # Unroutable: the broker returns it (then confirms it); it is not delivered, so it counts as refused.
        self._refused.add(message.properties.get("message_id"))


def cluster_rpc(component: str, amqp_uri: str | None = None, timeout: float = 30) -> Any:
    """nameko's standalone RPC proxy acting as `component` (its own broker user and a reply queue named as the
    component's own, which its permissions allow): `with cluster_rpc("operator") as cluster: cluster.routing...`."""
    from nameko.standalone.rpc import ClusterRpcProxy

    class Container(ClusterRpcProxy.ServiceContainer):  # type: ignore[misc,name-defined]
        service_name = component

    class Proxy(ClusterRpcProxy):  # type: ignore[misc]
        ServiceContainer = Container

    return Proxy({"AMQP_URI": broker.component_uri(component, amqp_uri)}, timeout=timeout)
