"""nameko on a bus where the broker vouches for every sender (see `broker.py` for who may do what).

- `VouchedPublisher`: every message a service publishes (events, RPC requests and replies, dead letters) carries
  `user_id`, the connection's own user, which RabbitMQ refuses to let anyone forge.
- `rpc`: nameko's entrypoint, answering only callers entitled to the method (`broker.may_call`); anyone else
  gets `Forbidden` and the method does not run.
"""

from __future__ import annotations

from typing import Any

import nameko.rpc
import structlog
from nameko.amqp.publish import Publisher
from nameko.rpc import Rpc

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


class EntitledRpc(Rpc):  # type: ignore[misc]
    def handle_message(self, body: Any, message: Any) -> None:
        service = self.container.service_name
        sender = message.properties.get("user_id")
        if not broker.may_call(broker.component_of(sender), service, self.method_name):
            log.warning("rpc refused", method=f"{service}.{self.method_name}", sender=sender)
            # Raised here, nameko's RPC consumer answers the caller with the error and runs nothing.
            raise Forbidden("caller_not_entitled")
        super().handle_message(body, message)


rpc = EntitledRpc.decorator


def cluster_rpc(component: str, amqp_uri: str | None = None, timeout: float = 30) -> Any:
    """nameko's standalone RPC proxy acting as `component` (its own broker user and a reply queue named as the
    component's own, which its permissions allow): `with cluster_rpc("operator") as cluster: cluster.routing...`."""
    from nameko.standalone.rpc import ClusterRpcProxy

    class Container(ClusterRpcProxy.ServiceContainer):  # type: ignore[misc,name-defined]
        service_name = component

    class Proxy(ClusterRpcProxy):  # type: ignore[misc]
        ServiceContainer = Container

    return Proxy({"AMQP_URI": broker.component_uri(component, amqp_uri)}, timeout=timeout)
