"""Test fixtures shared by every service's tests and the cross-service tests (pytest plugin `cimer_common.testing`).

Tests talk to the real RabbitMQ and PostgreSQL: a vhost and databases of their own (`make test` sets `AMQP_URI`
and `DATABASE_PREFIX`), migrated once per session and emptied before each test.

Besides the fixtures, plain functions to build, publish and read events as the services do:
`from cimer_common.testing import received_event, publish, next_event`.
"""

from __future__ import annotations

import json
import os
import queue
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from kombu import Connection, Exchange, Queue
from nameko.standalone.events import get_event_exchange
from pydantic_core import to_jsonable_python
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from cimer_common import broker, dead_letters
from cimer_common.envelope import Envelope
from cimer_common.events import CATALOGUE, Payload, spec
from cimer_common.migrate import drop_database, upgrade
from cimer_common.outbox import consumer_queue
from cimer_common.settings import SERVICES, get_settings, nameko_config, service_class
from cimer_common.tokens import Principal, generate_key_pair, issue_access_token, read_key

# Never the databases or vhost of a running system: a test run gets its own unless told otherwise.
os.environ.setdefault("DATABASE_PREFIX", "cimer_test_")
os.environ.setdefault("AMQP_URI", "pyamqp://guest:guest@127.0.0.1:5672/cimer_test")


def pytest_configure(config: Any) -> None:
    """Interface tests run intake's scan for duplicates by calling its entrypoint; its timer, every second, would
    check some of a test's applications first whenever filing them took longer than that. Set when pytest starts,
    before intake is imported (its timer's interval is read then), and only for pytest: the benchmark imports this
    module's helpers and runs intake as it runs anywhere."""
    os.environ.setdefault("DUPLICATE_SCAN_SECONDS", "3600")


_migrated: set[str] = set()


def reset_database(service: str) -> str:
    """A migrated, empty database for `service`; dropped and migrated from scratch once per session (its roles and
    rights made as `cimer-migrate` makes them), truncated after that. Only a database whose name says `test` or
    `bench` is ever emptied. Returns the running service's URL (its runtime role's)."""
    settings = get_settings()
    url = settings.database_url(service)
    name = make_url(url).database or ""
    if "test" not in name and "bench" not in name:
        raise RuntimeError(f"refusing to empty {url}: not a test or benchmark database")
    if service not in _migrated:
        drop_database(url)
        upgrade(service)
        _migrated.add(service)
        return url
    # TRUNCATE is the owner's right: the runtime role may only delete rows.
    engine = create_engine(settings.owner_database_url(service))
    with engine.begin() as connection:
        tables = (
            connection.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'")
            )
            .scalars()
            .all()
        )
        if tables:
            connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return url


def purge_queues(amqp_uri: str) -> None:
    """Empty every queue of the catalogue, so one test's leftover events never reach the next."""
    with Connection(amqp_uri) as connection:
        channel = connection.default_channel
        for event in CATALOGUE.values():
            for consumer in (*event.consumers, *event.retired_consumers):
                queue = consumer_queue(event.producer, event.name, consumer)(channel)
                queue.declare()
                queue.purge()
        for service in SERVICES:
            dead = dead_letters.queue_of(service)(channel)
            dead.declare()
            dead.purge()


@pytest.fixture(scope="session", autouse=True)
def signing_keys() -> None:
    """Officers' tokens are signed and checked with the key pair the settings name; a test run makes one."""
    _ensure_keys()


def _ensure_keys() -> None:
    settings = get_settings()
    generate_key_pair(Path(settings.jwt_private_key_file), Path(settings.jwt_public_key_file))


def token_for(
    username: str, institution: str, *roles: str, user_id: str | None = None, session_id: str | None = None
) -> str:
    """A valid access token for an officer, signed with the test run's key, without going through identity."""
    _ensure_keys()  # tests may make tokens at import time, before any fixture runs
    settings = get_settings()
    principal = Principal(
        user_id=user_id or str(uuid.uuid4()),
        username=username,
        institution=institution,
        roles=frozenset(roles),
        session_id=session_id or str(uuid.uuid4()),
    )
    return issue_access_token(read_key(settings.jwt_private_key_file), principal)


@pytest.fixture(scope="session")
def amqp_uri() -> str:
    """The test vhost, with every component's own broker user set up in it (as `make up` does for its own), and
    the queues an earlier version's run left there migrated (and retired consumers' unbound) as `make up` does."""
    from cimer_common import queue_migration
    from cimer_common.broker_admin import Management, provision

    management = Management()
    queue_migration.migrate(management)
    queue_migration.retire(management)
    provision(management)
    return get_settings().amqp_uri


@pytest.fixture
def container_factory() -> Iterator[Callable[[type, dict[str, Any]], Any]]:
    """nameko's own fixture, without the rest of its plugin (which wants RabbitMQ's management API)."""
    from nameko.containers import ServiceContainer

    containers: list[ServiceContainer] = []

    def make(service_cls: type, config: dict[str, Any]) -> ServiceContainer:
        container = ServiceContainer(service_cls, config)
        containers.append(container)
        return container

    yield make
    for container in containers:
        container.kill()


@pytest.fixture
def clean_bus(amqp_uri: str) -> None:
    purge_queues(amqp_uri)


@pytest.fixture
def service_config() -> Callable[[str], dict[str, Any]]:
    return nameko_config


def wait_until(condition: Callable[[], Any], timeout: float = 15.0, interval: float = 0.05) -> Any:
    """Poll `condition` until it gives something true, and return that; fail after `timeout` seconds. The sleep
    is the standard library's, so a test under eventlet's patches yields while it waits."""
    deadline = time.monotonic() + timeout
    while not (found := condition()):
        assert time.monotonic() < deadline, f"not met within {timeout} s"
        time.sleep(interval)
    return found


@pytest.fixture
def start_service(container_factory: Any, clean_bus: None) -> Iterator[Callable[..., Any]]:
    """`start_service("intake")`: an empty database and a running container of the real service class."""
    started: dict[str, Any] = {}

    def start(service: str, fresh_database: bool = True, revocations_known: bool = True, **config: Any) -> Any:
        """`revocations_known`: identity is not running in most of these tests, so a service that follows the
        revoked sessions is told there are none, as identity would answer (`revocations_known=False` leaves it
        waiting for identity, as a real process does)."""
        from nameko.testing.utils import get_extension

        from cimer_common.authentication import Authentication

        if fresh_database:
            reset_database(service)
        container = container_factory(service_class(service), {**nameko_config(service), **config})
        container.start()
        authentication = get_extension(container, Authentication)
        revocations = authentication.authenticator.revocations if authentication is not None else None
        if revocations_known and revocations is not None:
            revocations.load([])
        started[service] = container
        return container

    yield start


# --- Applications ------------------------------------------------------------------------------------------------

# What most tests file: a web petition to Ankara by an applicant the receipt reaches by e-mail; a test that needs
# otherwise says so with `{**PETITION, ...}`.
PETITION: dict[str, Any] = {
    "kind": "petition",
    "petition_type": "complaint",
    "subject": "transport",
    "title": "Yol bozuk",
    "body": "Mahallemizdeki yol aylardır bozuk.",
    "province": "06",
    "district": "Çankaya",
    "applicant": {"national_id": "10000000146", "first_name": "Ayşe", "last_name": "Yılmaz", "email": "a@example.org"},
}


# --- Events on the bus -----------------------------------------------------------------------------------------


def _envelope(producer: str, event_type: str, payload: dict[str, Any], event_id: uuid.UUID | None) -> Envelope:
    return Envelope(
        id=event_id or uuid.uuid4(),
        type=event_type,
        version=spec(producer, event_type).version,
        producer=producer,
        # As it goes on the wire: a test may pass a UUID, date or datetime and compare with what a consumer sends.
        payload=to_jsonable_python(payload),
    )


def event(
    producer: str,
    name: str,
    payload: Payload,
    event_id: uuid.UUID | None = None,
    occurred_at: datetime | None = None,
) -> Envelope:
    """`payload` in the envelope `producer` publishes it in as the event `name`."""
    envelope = _envelope(producer, name, payload.model_dump(mode="json"), event_id)
    return envelope if occurred_at is None else envelope.model_copy(update={"occurred_at": occurred_at})


def routing_event(
    name: str, payload: Payload, event_id: uuid.UUID | None = None, occurred_at: datetime | None = None
) -> Envelope:
    """What routing publishes: an answer, an extension, a deadline approaching or passed."""
    return event("routing", name, payload, event_id, occurred_at)


def received_event(event_id: uuid.UUID | None = None, **payload_overrides: Any) -> Envelope:
    """An `application_received` envelope: a web petition to Ankara, a new application each call."""
    payload = {
        "application_id": str(uuid.uuid4()),
        "tracking_number": "260000000018",
        "kind": "petition",
        "petition_type": "request",
        "channel": "web",
        "subject": "transport",
        "province": "06",
        "district": "Çankaya",
        "anonymous": False,
        "confidential": False,
        "reachable": True,
        "language": "tr",
        "received_at": datetime.now(UTC),
        "deadline": date(2026, 4, 1),
        **payload_overrides,
    }
    return _envelope("intake", "application_received", payload, event_id)


def assigned_event(
    application_id: uuid.UUID | str,
    tracking_number: str,
    institution: str = "GOV-06",
    reason: str = "initial",
    event_id: uuid.UUID | None = None,
    **overrides: Any,
) -> Envelope:
    """An `application_assigned` envelope: `institution` holds the application now."""
    payload = {
        "application_id": application_id,
        "tracking_number": tracking_number,
        "institution": institution,
        "previous_institution": None,
        "reason": reason,
        "assigned_at": datetime.now(UTC),
        **overrides,
    }
    return _envelope("routing", "application_assigned", payload, event_id)


def first_assignment(received: Envelope, institution: str = "GOV-06", **overrides: Any) -> Envelope:
    """The first `application_assigned` of the application `received` announced, carrying it as routing does: what
    notification and reporting learn of a new application from."""
    payload = received.payload
    return assigned_event(
        payload["application_id"], payload["tracking_number"], institution, "initial", received=payload, **overrides
    )


def publish_raw(amqp_uri: str, producer: str, event_type: str, body: Any, sender: str | None = None) -> None:
    """Publish `body`, whatever it is, where `producer` publishes its `event_type` events, as `sender` (by default
    the producer itself, as its own broker user, which the consumers check)."""
    uri = broker.component_uri(sender or producer, amqp_uri)
    with Connection(uri) as connection:
        connection.Producer().publish(
            body,
            exchange=get_event_exchange(producer, {}),
            routing_key=event_type,
            serializer="json",
            user_id=broker.user_in(uri),
        )


def publish(amqp_uri: str, envelope: Envelope) -> None:
    """Publish `envelope` as its producer does: on the producer's events exchange, the event's name as routing key;
    and into the queue of each consumer this version retired from its event (`EventType.retired_consumers`), as an
    earlier version left it there, since those consumers still apply it (their tests test that)."""
    publish_raw(amqp_uri, envelope.producer, envelope.type, envelope.model_dump(mode="json"))
    for consumer in spec(envelope.producer, envelope.type).retired_consumers:
        leave_in_queue(amqp_uri, envelope, consumer)


def leave_in_queue(amqp_uri: str, envelope: Envelope, consumer: str) -> None:
    """Put `envelope` into `consumer`'s queue of its event as its producer publishes (its broker user, so its
    `user_id`), through a binding of the test's own (the administrator's `amqp_uri` makes it): the producer may
    publish only to its events exchange, to which a retired consumer's queue is not bound."""
    key = f"test-only.{consumer}"
    exchange = get_event_exchange(envelope.producer, {})
    with Connection(amqp_uri) as admin:
        queue = consumer_queue(envelope.producer, envelope.type, consumer)(admin.default_channel)
        queue.declare()
        queue.bind_to(exchange(admin.default_channel), routing_key=key)
    publish_raw(amqp_uri, envelope.producer, key, envelope.model_dump(mode="json"))


def next_event(amqp_uri: str, queue_name: str, timeout: float = 5) -> dict[str, Any]:
    """The next message of `queue_name`, acked and decoded from the JSON it must be; `queue.Empty` if none comes."""
    with Connection(amqp_uri) as connection:
        # The queue as it is (its declarer chose its type): read, never declared here.
        simple = connection.SimpleQueue(Queue(queue_name, no_declare=True))
        try:
            message = simple.get(block=True, timeout=timeout)
            message.ack()
            assert message.content_type == "application/json", message.content_type
            body: dict[str, Any] = message.payload
            return body
        finally:
            simple.close()


def no_event(amqp_uri: str, queue_name: str, timeout: float = 1.5) -> None:
    """Nothing arrives on `queue_name` within `timeout`."""
    with pytest.raises(queue.Empty):
        next_event(amqp_uri, queue_name, timeout=timeout)


@contextmanager
def service_database(container: Any, as_owner: bool = False) -> Iterator[Session]:
    """A session on a running container's own database, in one transaction, for a test to arrange or inspect: as the
    service's runtime role, or as the owner for what only an owner may do (ANALYZE, TRUNCATE)."""
    url = get_settings().owner_database_url(container.service_name) if as_owner else container.config["DATABASE_URL"]
    engine = create_engine(url)
    try:
        with Session(engine) as session, session.begin():
            yield session
    finally:
        engine.dispose()


# --- Institutions' systems on the bus (SPEC section 10) ----------------------------------------------------------


def send_command(
    amqp_uri: str, code: str, command: str, body: Any, vouched: bool = True, routing_code: str | None = None
) -> None:
    """Publish a command as an institution's system does, over `amqp_uri` (its own credentials), with confirms:
    a refusal by the broker raises. `vouched=False` leaves out `user_id`; `routing_code` names another code."""
    properties = {"user_id": broker.user_in(amqp_uri)} if vouched else {}
    publish_as(
        amqp_uri,
        Exchange(broker.COMMANDS_EXCHANGE, type="topic", durable=True),
        f"{routing_code or code}.{command}",
        body,
        delivery_mode=2,
        **properties,
    )


def publish_as(amqp_uri: str, exchange: Exchange, routing_key: str, body: Any, **properties: Any) -> None:
    """Publish `body` (JSON) over `amqp_uri`, whoever's credentials it holds, with confirms: a refusal by the broker
    raises (AccessRefused). Declares nothing: the exchange is someone else's."""
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as connection:
        connection.Producer().publish(
            body, exchange=exchange, routing_key=routing_key, serializer="json", declare=[], **properties
        )


def take_message(amqp_uri: str, queue_name: str, timeout: float = 10.0) -> dict[str, Any]:
    """The next message on `queue_name`, taken over `amqp_uri` (an institution's own credentials may read only its
    own queue) and acked; `queue.Empty` if none comes in time."""
    with Connection(amqp_uri) as connection:
        channel = connection.channel()
        return _poll(channel, queue_name, timeout)


def _poll(channel: Any, queue_name: str, timeout: float) -> dict[str, Any]:
    """The next message on `queue_name` (JSON), taken and acked; `queue.Empty` if none comes within `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        message = channel.basic_get(queue_name, no_ack=True)
        if message is not None:
            body: dict[str, Any] = json.loads(message.body)
            return body
        time.sleep(0.05)
    raise queue.Empty(queue_name)


def gateway_call(amqp_uri: str, service: str, method: str, timeout: float = 10.0, **kwargs: Any) -> dict[str, Any]:
    """An RPC over the bus as the gateway makes it (its own broker user, a reply queue of its own named as its
    permissions allow, the RPC exchange only checked, not declared); returns the raw reply `{result, error}`."""
    uri = broker.component_uri(broker.GATEWAY, amqp_uri)
    rpc_exchange = Exchange(broker.RPC_EXCHANGE, type="topic", durable=True, no_declare=True)
    reply_name = f"rpc.reply-gateway-{uuid.uuid4()}"
    with Connection(uri, transport_options={"confirm_publish": True}) as connection:
        channel = connection.channel()
        replies = Queue(reply_name, exchange=rpc_exchange, routing_key=reply_name, exclusive=True)(channel)
        replies.declare()
        connection.Producer(channel).publish(
            {"args": [], "kwargs": kwargs},
            exchange=rpc_exchange,
            routing_key=f"{service}.{method}",
            serializer="json",
            reply_to=reply_name,
            correlation_id=str(uuid.uuid4()),
            user_id=broker.user_in(uri),
            mandatory=True,
            declare=[],
        )
        return _poll(channel, reply_name, timeout)
