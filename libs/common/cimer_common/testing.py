"""Test fixtures shared by every service's tests and the cross-service tests (pytest plugin `cimer_common.testing`).

Tests talk to the real RabbitMQ and PostgreSQL: a vhost and databases of their own (`make test` sets `AMQP_URI`
and `DATABASE_PREFIX`), migrated once per session and emptied before each test.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from kombu import Connection
from sqlalchemy import create_engine, text

from cimer_common.events import CATALOGUE
from cimer_common.migrate import drop_database, upgrade
from cimer_common.outbox import DEAD_LETTERS, consumer_queue
from cimer_common.settings import get_settings, nameko_config, service_class

# Never the databases or vhost of a running system: a test run gets its own unless told otherwise.
os.environ.setdefault("DATABASE_PREFIX", "cimer_test_")
os.environ.setdefault("AMQP_URI", "pyamqp://guest:guest@127.0.0.1:5672/cimer_test")

_migrated: set[str] = set()


def reset_database(service: str) -> str:
    """A migrated, empty database for `service`; migrated from scratch once per session, truncated after that."""
    url = get_settings().database_url(service)
    if "test" not in url.rsplit("/", 1)[-1]:
        raise RuntimeError(f"refusing to empty {url}: not a test database")
    if service not in _migrated:
        drop_database(url)
        upgrade(service, url)
        _migrated.add(service)
        return url
    engine = create_engine(url)
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
            for consumer in event.consumers:
                queue = consumer_queue(event.producer, event.name, consumer)(channel)
                queue.declare()
                queue.purge()
        dead = connection.SimpleQueue(DEAD_LETTERS)
        dead.clear()
        dead.close()


@pytest.fixture(scope="session")
def amqp_uri() -> str:
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


@pytest.fixture
def start_service(container_factory: Any, clean_bus: None) -> Iterator[Callable[..., Any]]:
    """`start_service("intake")`: an empty database and a running container of the real service class."""
    started: dict[str, Any] = {}

    def start(service: str, fresh_database: bool = True, **config: Any) -> Any:
        if fresh_database:
            reset_database(service)
        container = container_factory(service_class(service), {**nameko_config(service), **config})
        container.start()
        started[service] = container
        return container

    yield start
