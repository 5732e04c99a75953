"""Fixtures of identity's interface tests: the running service, users put straight into its database, a queue
that hears its `session_revoked` broadcasts, and routing with its directory for the institution check."""

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from kombu import Connection, Exchange, Queue
from nameko.standalone.events import get_event_exchange
from nameko.testing.services import entrypoint_hook
from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session

from cimer_common.settings import get_settings
from identity import passwords
from identity.models import User

PASSWORD = "correct horse battery"


@pytest.fixture
def identity(start_service) -> Any:
    return start_service("identity")


@pytest.fixture
def call() -> Callable[..., Any]:
    """`call(container, "login", ...)`: one call through the service's real entrypoint."""

    def invoke(container: Any, method: str, *args: Any, **kwargs: Any) -> Any:
        with entrypoint_hook(container, method) as hook:
            return hook(*args, **kwargs)

    return invoke


@pytest.fixture
def identity_db(identity) -> Iterator[Engine]:
    engine = create_engine(get_settings().database_url("identity"))
    yield engine
    engine.dispose()


@pytest.fixture
def add_user(identity_db) -> Callable[..., User]:
    def add(
        username: str = "gov-06",
        institution: str = "GOV-06",
        roles: tuple[str, ...] = ("officer", "coordinator"),
        password: str = PASSWORD,
        active: bool = True,
        email: str | None = None,
    ) -> User:
        with Session(identity_db, expire_on_commit=False) as session, session.begin():
            user = User(
                username=username,
                password_hash=passwords.hash_password(password),
                institution=institution,
                roles=list(roles),
                active=active,
                email=email,
            )
            session.add(user)
        return user

    return add


@pytest.fixture
def revocations(amqp_uri) -> Iterator[str]:
    """The name of a queue bound to identity's events exchange for `session_revoked`, as a gateway binds one."""
    name = f"test-identity-session-revoked-{uuid.uuid4().hex[:8]}"
    exchange = get_event_exchange("identity", {})
    with Connection(amqp_uri) as connection:
        channel = connection.default_channel
        exchange(channel).declare()
        Queue(name, exchange=exchange, routing_key="session_revoked", durable=True)(channel).declare()
    yield name
    with Connection(amqp_uri) as connection:
        channel = connection.default_channel
        Queue(name)(channel).delete()
        Exchange(name)(channel).delete()  # kombu's SimpleQueue, which `next_event` uses, declares one of that name


@pytest.fixture
def routing(start_service) -> Any:
    """Routing running, with the seeded directory: `create_user` asks it whether an institution exists."""
    from routing.directory import seed

    container = start_service("routing")
    engine = create_engine(get_settings().database_url("routing"))
    with Session(engine) as session, session.begin():
        seed(session)
    engine.dispose()
    return container
