"""The gateway's asyncio RPC client against the real services (the protocol nameko speaks)."""

from __future__ import annotations

import asyncio
import contextlib
import os
from urllib.parse import urlsplit, urlunsplit

import aio_pika
import pytest

from cimer_common.broker import GATEWAY, component_uri
from cimer_common.errors import Forbidden, InvalidApplication, NotFound
from gateway.rpc import Busy, RpcClient, ServiceUnavailable

pytestmark = pytest.mark.e2e


def run(coro):
    return asyncio.run(coro)


async def connected() -> RpcClient:
    client = RpcClient(component_uri(GATEWAY, os.environ["AMQP_URI"]), timeout=10)  # as the gateway
    await client.connect()
    return client


def test_calls_return_results_and_domain_errors_keep_their_class(system):
    async def scenario():
        client = await connected()
        try:
            assert await client.call("intake", "health") == {"service": "intake", "status": "ok"}
            with pytest.raises(NotFound) as missing:
                await client.call("intake", "get_status", tracking_number="260000000018", access_code="NOPE")
            assert missing.value.code == "application_not_found"
            with pytest.raises(InvalidApplication) as invalid:
                await client.call("intake", "file_application", application={"kind": "petition"})
            assert invalid.value.code == "invalid_request"
        finally:
            await client.close()

    run(scenario())


def test_a_call_to_a_service_with_no_queue_is_returned_by_the_broker_not_left_to_time_out(system):
    async def scenario():
        # As the administrator, who may publish any routing key: the gateway's own user may not even name a
        # service that is not the system's (below).
        client = RpcClient(os.environ["AMQP_URI"], timeout=10)
        await client.connect()
        try:
            with pytest.raises(ServiceUnavailable) as caught:
                await client.call("no_such_service", "health", timeout=30)
            return caught.value.__cause__
        finally:
            await client.close()

    # A mandatory publish with no queue to route to comes back from the broker as a DeliveryError at once;
    # without `mandatory` it would be dropped and the call would wait out its timeout.
    assert isinstance(run(scenario()), aio_pika.exceptions.DeliveryError)


def test_the_gateways_own_user_may_only_call_the_systems_services(system):
    async def scenario():
        client = await connected()
        try:
            with pytest.raises(ServiceUnavailable) as refused:
                await client.call("no_such_service", "health", timeout=5)
            return refused.value.__cause__
        finally:
            await client.close()

    assert "ACCESS_REFUSED" in str(run(scenario()))


def test_many_concurrent_calls_share_one_connection_and_each_gets_its_own_reply(system):
    async def scenario():
        client = await connected()
        try:
            return await asyncio.gather(
                *(
                    client.call("routing", "list_institutions", type="governorship", province=f"{p:02d}", limit=5)
                    for p in range(1, 82)
                ),
            )
        finally:
            await client.close()

    results = run(scenario())
    assert [r[0]["code"] for r in results] == [f"GOV-{p:02d}" for p in range(1, 82)]


def test_a_request_its_caller_stopped_waiting_for_is_dropped_not_carried_out_later(system):
    """A service too busy to take a call in time (here: one whose queue nobody consumes) never sees it."""

    async def scenario():
        connection = await aio_pika.connect(os.environ["AMQP_URI"].replace("pyamqp", "amqp", 1))
        channel = await connection.channel()
        queue = await channel.declare_queue("rpc-busy_service", auto_delete=True)
        await queue.purge()  # an earlier run's leftovers
        exchange = await channel.get_exchange("nameko-rpc")
        await queue.bind(exchange, routing_key="busy_service.file_application")
        client = await connected()
        try:
            with pytest.raises(ServiceUnavailable):
                await client.call("busy_service", "file_application", timeout=0.3)
            await asyncio.sleep(0.5)
            waiting = await channel.declare_queue("rpc-busy_service", auto_delete=True, passive=True)
            return waiting.declaration_result.message_count
        finally:
            await queue.delete(if_unused=False, if_empty=False)
            await client.close()
            await connection.close()

    assert run(scenario()) == 0


def test_beyond_its_limit_of_calls_in_flight_a_client_refuses_at_once(system):
    """Two calls wait on a service that does not answer; the third is refused before it is sent."""

    async def scenario():
        connection = await aio_pika.connect(os.environ["AMQP_URI"].replace("pyamqp", "amqp", 1))
        channel = await connection.channel()
        queue = await channel.declare_queue("rpc-silent_service", auto_delete=True)  # nobody consumes it
        await queue.bind(await channel.get_exchange("nameko-rpc"), routing_key="silent_service.health")
        client = RpcClient(os.environ["AMQP_URI"], timeout=1.0, max_in_flight=2)
        await client.connect()
        try:
            waiting = [asyncio.create_task(client.call("silent_service", "health")) for _ in range(2)]
            await asyncio.sleep(0.2)  # both sent, both waiting for a reply that will not come
            started = asyncio.get_running_loop().time()
            with pytest.raises(Busy):
                await client.call("intake", "health")
            refused_after = asyncio.get_running_loop().time() - started
            await asyncio.gather(*waiting, return_exceptions=True)
            # Room again: the call is sent and answered (by a refusal: this client is the administrator, not the
            # gateway, and intake answers the gateway alone).
            with pytest.raises(Forbidden):
                await client.call("intake", "health")
            return refused_after
        finally:
            await client.close()
            await queue.delete(if_unused=False, if_empty=False)
            await connection.close()

    assert run(scenario()) < 0.1


class Relay:
    """A node of the broker that can be lost: a TCP relay to the real one, closed with every connection through it."""

    def __init__(self, target_port: int):
        self.target_port = target_port
        self.server: asyncio.Server | None = None
        self.writers: list[asyncio.StreamWriter] = []

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return int(self.server.sockets[0].getsockname()[1])

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        self.writers += [writer, upstream_writer]

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            with contextlib.suppress(ConnectionError):
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            sink.close()

        await asyncio.gather(pipe(reader, upstream_writer), pipe(upstream_reader, writer))

    async def lose(self) -> None:
        assert self.server is not None
        self.server.close()
        for writer in self.writers:
            writer.transport.abort()


def _through(uri: str, port: int) -> str:
    parts = urlsplit(uri)
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit(":", 1)[0] + f":{port}"))


def test_with_several_broker_addresses_the_client_passes_over_one_down_and_moves_on_when_its_node_is_lost(system):
    """AMQP_URI naming several nodes of a cluster: the first that answers is used, and when the connection's node
    is lost, it reconnects to another (a relay stands for the node lost; a closed port for one that is down)."""
    uri = component_uri(GATEWAY, os.environ["AMQP_URI"])
    port = urlsplit(uri).port or 5672

    async def scenario():
        relay, gone = Relay(port), Relay(port)
        down = await gone.start()
        await gone.lose()  # a port nothing listens on any more: a node that is down
        relayed = await relay.start()
        client = RpcClient(f"{_through(uri, down)};{_through(uri, relayed)};{uri}", timeout=10)
        await client.connect()
        try:
            assert client._connection.url.port == relayed  # the first that answered
            assert (await client.call("intake", "health"))["status"] == "ok"
            await relay.lose()
            for _ in range(100):  # the robust connection tries again; the follower points it elsewhere
                await asyncio.sleep(0.1)
                with contextlib.suppress(ServiceUnavailable):
                    if (await client.call("intake", "health", timeout=1))["status"] == "ok":
                        break
            assert (await client.call("intake", "health"))["status"] == "ok"
            assert client._connection.url.port == port
        finally:
            await client.close()

    run(scenario())
