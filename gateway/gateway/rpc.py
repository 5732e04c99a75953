"""An asyncio client for nameko's RPC protocol, over one long-lived AMQP connection (aio-pika).

Why not nameko's own proxies: they are eventlet-bound, and FastAPI runs on asyncio; a pool of blocking proxies
measured ~500 req/s against ~800 for this client. The protocol, as nameko speaks it: a JSON request
`{"args": [], "kwargs": {...}}` published to the topic exchange `nameko-rpc` with routing key `service.method`,
`correlation_id` and `reply_to`; the reply `{"result": ..., "error": ...}` comes back through the same exchange
with our reply queue's name as routing key. Publishing is confirmed and mandatory, so a call to a service whose
queue does not exist fails at once instead of waiting for its timeout.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any

import aio_pika
from aio_pika.abc import AbstractIncomingMessage, AbstractRobustChannel
from prometheus_client import Counter
from yarl import URL

from cimer_common import broker
from cimer_common.errors import BY_NAME, DomainError

RPC_EXCHANGE = "nameko-rpc"
# How soon a lost connection is made again (aio-pika's default is 5 s: requests answered 503 all that while), and
# how long an attempt may take (a node gone without a word, its packets dropped, would hold one for minutes).
RECONNECT_SECONDS = 1.0
CONNECT_TIMEOUT_SECONDS = 3.0

# The correlation id of the HTTP request being served; it travels as the `nameko.correlation_id` header.
correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)


class ServiceUnavailable(Exception):
    """The service did not answer: not running, unreachable, or too slow."""


class Busy(ServiceUnavailable):
    """This gateway already waits on as many calls as it may: refused at once rather than queued behind them."""


REFUSED = Counter(
    "cimer_gateway_refused", "Requests refused at once, by why (in_flight: the limit of calls)", ["reason"]
)


class RemoteError(Exception):
    """The service failed in a way it did not expect; the gateway answers 500 and the service's log has why."""

    def __init__(self, exc_type: str, value: str):
        super().__init__(f"{exc_type}: {value}")
        self.exc_type = exc_type


class RpcClient:
    def __init__(self, amqp_url: str, timeout: float = 10.0, health_timeout: float = 2.0, max_in_flight: int = 0):
        # One AMQP_URI for kombu and aio-pika alike; several addresses for the nodes of one cluster.
        self._addresses = [url.replace("pyamqp://", "amqp://") for url in broker.addresses(amqp_url)]
        if not self._addresses:
            raise ValueError("AMQP_URI names no broker")
        self._timeout = timeout
        self._max_in_flight = max_in_flight  # 0: no limit
        self.health_timeout = health_timeout
        self._connection: aio_pika.RobustConnection | None = None
        self._channel: AbstractRobustChannel | None = None
        self._exchange: aio_pika.abc.AbstractExchange | None = None
        self._reply_queue_name = f"rpc.reply-gateway-{uuid.uuid4()}"
        self._user = broker.user_in(amqp_url)  # every request says who sent it; the broker checks it is true
        # call id → (the reply's future, the broker user the reply must come from)
        self._pending: dict[str, tuple[asyncio.Future[Any], str]] = {}
        self._follower: asyncio.Task[None] | None = None
        self._address = 0  # which of the addresses the connection is (or will next be) made to

    async def connect(self) -> None:
        """Connect to the first of the addresses that answers. aio-pika's robust connection then restores the
        channel, the reply queue and the broadcast queues after a loss; with several addresses the address it
        reconnects to moves on to the next while it stays down (`_follow_the_cluster`)."""
        for index, url in enumerate(self._addresses):
            try:
                connection = await aio_pika.connect_robust(
                    url,
                    client_properties={"connection_name": "gateway"},
                    reconnect_interval=RECONNECT_SECONDS,
                    timeout=CONNECT_TIMEOUT_SECONDS,
                )
                self._connection, self._address = connection, index  # type: ignore[assignment]
                break
            except (ConnectionError, TimeoutError, aio_pika.exceptions.AMQPConnectionError):
                if index == len(self._addresses) - 1:
                    raise
        assert self._connection is not None
        if len(self._addresses) > 1:
            self._follower = asyncio.get_running_loop().create_task(self._follow_the_cluster())
        self._channel = await self._connection.channel(publisher_confirms=True, on_return_raises=True)
        self._exchange = await self._existing_exchange(RPC_EXCHANGE)
        queue = await self._channel.declare_queue(self._reply_queue_name, exclusive=True, auto_delete=True)
        await queue.bind(self._exchange, routing_key=self._reply_queue_name)
        await queue.consume(self._on_reply, no_ack=True)

    async def subscribe(
        self, producer: str, event_type: str, handler: Callable[[dict[str, Any]], Awaitable[None]]
    ) -> None:
        """Hear every `event_type` event of `producer` on a queue of this process's own, which lives as long as it
        does (a broadcast: every gateway instance hears each event)."""
        if self._channel is None:
            raise ServiceUnavailable("not connected")
        exchange = await self._existing_exchange(f"{producer}.events")
        # Named by us, in the gateway's own space of queue names (`broker.permissions_of`).
        name = f"{broker.GATEWAY_BROADCAST_PREFIX}{event_type}.{uuid.uuid4().hex}"
        queue = await self._channel.declare_queue(name, exclusive=True, auto_delete=True)
        await queue.bind(exchange, routing_key=event_type)

        async def on_message(message: AbstractIncomingMessage) -> None:
            async with message.process(ignore_processed=True):
                if message.user_id != broker.user_of(producer):
                    return  # not vouched for as the producer's: ignored
                await handler(json.loads(message.body))

        await queue.consume(on_message)

    async def _existing_exchange(self, name: str, wait: float = 60.0) -> aio_pika.abc.AbstractExchange:
        """The exchange its owner declares (a passive declare: the gateway may not create or delete exchanges);
        waited for while the services are still starting."""
        assert self._connection is not None
        deadline = asyncio.get_running_loop().time() + wait
        while True:
            channel = await self._connection.channel()
            try:
                await channel.get_exchange(name, ensure=True)
            except aio_pika.exceptions.ChannelClosed:  # NOT_FOUND closes the channel it was asked on
                if asyncio.get_running_loop().time() > deadline:
                    raise
                await asyncio.sleep(0.5)
                continue
            await channel.close()
            assert self._channel is not None
            return await self._channel.get_exchange(name, ensure=False)

    async def _follow_the_cluster(self) -> None:
        """While the connection is down, point its next attempts at the next node (its node may be the one gone):
        once an attempt's time, so every address gets an attempt of its own whether it refuses at once or says
        nothing until the timeout."""
        while self._connection is not None and not self._connection.is_closed:
            await asyncio.sleep(RECONNECT_SECONDS + CONNECT_TIMEOUT_SECONDS)
            if not self._connection.connected.is_set():
                self._address = (self._address + 1) % len(self._addresses)
                self._connection.url = URL(self._addresses[self._address])

    @property
    def connected(self) -> bool:
        return self._connection is not None and not self._connection.is_closed

    async def close(self) -> None:
        if self._follower is not None:
            self._follower.cancel()
        for future, _ in self._pending.values():
            future.cancel()
        if self._connection is not None:
            await self._connection.close()

    async def _on_reply(self, message: AbstractIncomingMessage) -> None:
        future, sender = self._pending.get(message.correlation_id or "", (None, ""))
        if future is None or future.done() or message.user_id != sender:
            return  # late, or not from the service that was called: never taken as its answer
        self._pending.pop(message.correlation_id or "", None)
        future.set_result(json.loads(message.body))

    async def call(self, service: str, method: str, timeout: float | None = None, **kwargs: Any) -> Any:
        if self._exchange is None:
            raise ServiceUnavailable("not connected")
        if self._max_in_flight and len(self._pending) >= self._max_in_flight:
            # A flood beyond what the services take: answer now, with a hint to come back, instead of letting
            # every request wait in line until it times out and the ones behind it with it.
            REFUSED.labels("in_flight").inc()
            raise Busy(f"{service}.{method}: {len(self._pending)} calls in flight")
        call_id = str(uuid.uuid4())
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[call_id] = (future, broker.user_of(service))
        headers: dict[str, Any] = {"nameko.call_id_stack": [f"gateway.{service}.{method}.{call_id}"]}
        if (cid := correlation_id.get()) is not None:
            headers["nameko.correlation_id"] = cid
        wait = timeout or self._timeout
        message = aio_pika.Message(
            body=json.dumps({"args": [], "kwargs": kwargs}).encode(),
            content_type="application/json",
            correlation_id=call_id,
            reply_to=self._reply_queue_name,
            headers=headers,
            delivery_mode=aio_pika.DeliveryMode.NOT_PERSISTENT,  # an RPC is answered now or not at all
            user_id=self._user,
            # A request still queued when its caller stops waiting is dropped by the broker, not carried out
            # later: under a flood, a 503 then means the application was not filed (bar one taken in the last
            # instant), so the citizen who tries again does not file it twice.
            expiration=wait,
        )
        try:
            await self._exchange.publish(message, routing_key=f"{service}.{method}", mandatory=True)
            reply = await asyncio.wait_for(future, wait)
        except (
            TimeoutError,
            aio_pika.exceptions.DeliveryError,
            aio_pika.exceptions.AMQPError,
            # The channel while the robust connection is being remade (the broker restarted): not yet usable.
            aio_pika.exceptions.ChannelInvalidStateError,
            ConnectionError,
        ) as error:
            raise ServiceUnavailable(f"{service}.{method}: {type(error).__name__}") from error
        finally:
            self._pending.pop(call_id, None)
        error = reply.get("error")
        if error:
            raise _remote_exception(error)
        return reply.get("result")


def _remote_exception(error: dict[str, Any]) -> Exception:
    """A domain error comes back as the class it was raised as; anything else as a RemoteError."""
    exc_type = error.get("exc_type", "")
    cls = BY_NAME.get(exc_type)
    if cls is not None:
        args = error.get("exc_args") or []
        code = args[0] if args else "unknown_error"
        # nameko sends every argument as text: a domain error raised without a field arrives as "None".
        field = args[1] if len(args) > 1 and args[1] != "None" else None
        domain_error: DomainError = cls(code, field)
        return domain_error
    return RemoteError(exc_type, str(error.get("value", "")))
