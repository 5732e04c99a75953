"""Fixtures for the client's tests: the real RabbitMQ, in the test vhost, with a private exchange and queue per test.

Test modules cannot import this file (pytest runs with `--import-mode=importlib`): what they need comes as fixtures.
The test connects as guest. The institution's queue is stood in for by `test.institution.<id>`, the system's
commands exchange by the topic exchange `test.commands.<id>`, with a queue bound to `#` that records every command.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pika
import pytest

from cimer_institution import InstitutionClient

VHOST = "cimer_test"


def amqp_uri() -> str:
    """The test vhost: `AMQP_URI` as `make test` sets it (kombu's `pyamqp://` is plain AMQP to pika)."""
    uri = os.environ.get("AMQP_URI") or f"amqp://guest:guest@127.0.0.1:5672/{VHOST}"
    return "amqp://" + uri.split("://", 1)[1]


def wait_until(predicate: Callable[[], Any], timeout: float = 5.0, interval: float = 0.02) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {predicate}")
        time.sleep(interval)


@dataclass(frozen=True)
class Command:
    routing_key: str
    properties: pika.BasicProperties
    body: dict[str, Any]


class Bus:
    """The broker as the system sees it, opened as guest on the test's own exchange and queues."""

    def __init__(self, uri: str) -> None:
        self.uri = uri
        self.id = uuid.uuid4().hex[:12]
        self.exchange = f"test.commands.{self.id}"
        self.empty_exchange = f"test.nowhere.{self.id}"  # no queue bound: everything published there is returned
        self.queue = f"test.institution.{self.id}"
        self.observed = f"test.observed.{self.id}"
        self.connection = pika.BlockingConnection(pika.URLParameters(uri))
        self.channel = self.connection.channel()
        self.channel.exchange_declare(self.exchange, "topic")
        self.channel.exchange_declare(self.empty_exchange, "topic")
        self.channel.queue_declare(self.queue, durable=True)
        self.channel.queue_declare(self.observed)
        self.channel.queue_bind(self.observed, self.exchange, "#")

    def publish(self, message: dict[str, Any] | bytes, **properties: Any) -> None:
        """One message on the institution's queue, as the system sends it."""
        body = message if isinstance(message, bytes) else json.dumps(message).encode()
        properties = {"content_type": "application/json", "delivery_mode": 2, **properties}
        self.channel.basic_publish("", self.queue, body, pika.BasicProperties(**properties))

    def next_command(self, timeout: float = 5.0) -> Command:
        def get() -> Command | None:
            method, properties, body = self.channel.basic_get(self.observed, auto_ack=True)
            return None if method is None else Command(method.routing_key, properties, json.loads(body))

        return wait_until(get, timeout)

    def no_command(self, wait: float = 0.3) -> bool:
        time.sleep(wait)
        return self.channel.queue_declare(self.observed, passive=True).method.message_count == 0

    def depth(self) -> int:
        """Messages ready in the institution's queue (not those delivered and unacknowledged)."""
        return self.channel.queue_declare(self.queue, passive=True).method.message_count

    def consumers(self) -> int:
        return self.channel.queue_declare(self.queue, passive=True).method.consumer_count

    def plug_output(self, institution: str = "MIN-TEST") -> dict[str, str]:
        return {
            "institution": institution,
            "amqp_uri": self.uri,
            "queue": self.queue,
            "commands_exchange": self.exchange,
        }

    def close(self) -> None:
        for name in (self.queue, self.observed):
            self.channel.queue_delete(name)
        for name in (self.exchange, self.empty_exchange):
            self.channel.exchange_delete(name)
        self.connection.close()


@pytest.fixture
def bus() -> Iterator[Bus]:
    bus = Bus(amqp_uri())
    yield bus
    bus.close()


@pytest.fixture
def make_client(bus: Bus) -> Iterator[Callable[..., InstitutionClient]]:
    """Clients on the test's queue and exchange, quick to retry; each closed at the end of the test."""
    clients: list[InstitutionClient] = []

    def make(**options: Any) -> InstitutionClient:
        defaults: dict[str, Any] = {
            "institution": "MIN-TEST",
            "connection_name": f"test-{bus.id}-{len(clients)}",
            "retry_delay": 0.05,
            "reconnect_delay": 0.05,
            "reconnect_max_delay": 0.5,
            "handle_signals": False,
        }
        client = InstitutionClient(bus.uri, bus.queue, bus.exchange, **{**defaults, **options})
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


class Running:
    """`client.run()` in a thread; `stop()` ends it and re-raises what it raised."""

    def __init__(self, client: InstitutionClient) -> None:
        self.client = client
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            self.client.run()
        except BaseException as exc:
            self.error = exc

    def stop(self, timeout: float = 5.0) -> None:
        if self.thread.is_alive():  # a stop() after run() returned would end the next run() at once
            self.client.stop()
        self.thread.join(timeout)
        assert not self.thread.is_alive(), "run() did not return after stop()"
        if self.error is not None:
            raise self.error


@contextmanager
def running(client: InstitutionClient, bus: Bus) -> Iterator[Running]:
    """The client consuming (the broker counts its consumer) for the length of the block."""
    runner = Running(client)
    runner.thread.start()
    wait_until(lambda: bus.consumers() >= 1 or runner.error)
    if runner.error is not None:
        raise runner.error
    try:
        yield runner
    finally:
        runner.stop()


def collector() -> tuple[queue.Queue[Any], Callable[[Any], None]]:
    received: queue.Queue[Any] = queue.Queue()
    return received, received.put


def rabbitmqctl(*arguments: str) -> str:
    if shutil.which("rabbitmqctl") is None or os.geteuid() != 0:
        pytest.skip("needs rabbitmqctl, as root")
    result = subprocess.run(["rabbitmqctl", "-q", *arguments], capture_output=True, text=True, check=True, timeout=30)
    return result.stdout


def close_connection_named(name: str) -> None:
    """Close, from the broker's side, the connection whose client-provided name is `name`."""
    # Not --formatter json: the pids it prints are not ones close_connection accepts.
    marker = f'{{"connection_name","{name}"}}'
    pids = [
        line.split("\t", 1)[0]
        for line in rabbitmqctl("-s", "list_connections", "pid", "client_properties").splitlines()
        if marker in line
    ]
    assert len(pids) == 1, f"expected one connection named {name!r}, found {len(pids)}"
    rabbitmqctl("close_connection", pids[0], "closed by a test")


def assignment(**fields: Any) -> dict[str, Any]:
    """An `application_assigned` message as the system sends it."""
    message: dict[str, Any] = {
        "type": "application_assigned",
        "message_id": str(uuid.uuid4()),
        "occurred_at": "2025-03-10T09:15:00+03:00",
        "tracking_number": "2025-000123",
        "kind": "petition",
        "petition_type": "request",
        "channel": "web",
        "subject": "health",
        "title": "Hastane randevusu",
        "body": "Randevu sistemine ulaşamıyorum.",
        "province": "06",
        "district": "Çankaya",
        "received_at": "2025-03-10T09:00:00+03:00",
        "deadline": "2025-04-09",
        "from_institution": None,
        "reason": "initial",
        "note": None,
        "applicant": {
            "national_id": "10*******46",
            "first_name": "Ayşe",
            "last_name": "Yılmaz",
            "email": "ayse@example.org",
            "phone": None,
            "address": None,
        },
    }
    message.update(fields)
    return message


# The helpers above, as fixtures.


@pytest.fixture
def make_assignment() -> Callable[..., dict[str, Any]]:
    return assignment


@pytest.fixture(name="wait_until")
def wait_until_fixture() -> Callable[..., Any]:
    return wait_until


@pytest.fixture
def run_client(bus: Bus) -> Callable[[InstitutionClient], Any]:
    return lambda client: running(client, bus)


@pytest.fixture(name="collector")
def collector_fixture() -> Callable[[], tuple[queue.Queue[Any], Callable[[Any], None]]]:
    return collector


@pytest.fixture(name="close_connection_named")
def close_connection_named_fixture() -> Callable[[str], None]:
    return close_connection_named


@pytest.fixture(name="rabbitmqctl")
def rabbitmqctl_fixture() -> Callable[..., str]:
    return rabbitmqctl
