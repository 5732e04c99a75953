"""The one SQLAlchemy 2 dependency provider that every service uses.

psycopg 3 waits for the server with a C function that blocks the whole eventlet hub; `wait_select` is the
pure-Python wait that eventlet's patched `select` turns into a green wait. It must be chosen before psycopg is
imported, which is why this module sets it first (the service runner imports this before anything else).
"""

from __future__ import annotations

import os

os.environ.setdefault("PSYCOPG_WAIT_FUNC", "wait_select")

from collections.abc import Iterator  # noqa: E402
from contextlib import contextmanager  # noqa: E402

from nameko.extensions import DependencyProvider  # noqa: E402
from sqlalchemy import Engine, create_engine  # noqa: E402
from sqlalchemy.orm import Session, sessionmaker  # noqa: E402

from cimer_common.settings import get_settings  # noqa: E402


def make_engine(url: str, pool_size: int = 5) -> Engine:
    return create_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,  # a database restart must not fail the next worker
        pool_recycle=1800,
    )


class UnitOfWork:
    """What a worker gets: `with self.db.transaction() as session:` commits on success, rolls back on error."""

    def __init__(self, factory: sessionmaker[Session]):
        self._factory = factory

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        with self._factory.begin() as session:
            yield session


class Database(DependencyProvider):
    """Engine made in `setup()` (never at import), sized to the worker pool, disposed in `stop()`."""

    def setup(self) -> None:
        service = self.container.service_name
        url = self.container.config.get("DATABASE_URL") or get_settings().database_url(service)
        workers = self.container.max_workers
        # +2: the outbox relay and a health check must never wait behind a full pool of workers.
        self.engine = make_engine(url, pool_size=workers + 2)
        self.factory = sessionmaker(self.engine, expire_on_commit=False)

    def stop(self) -> None:
        self.engine.dispose()

    def kill(self) -> None:
        self.engine.dispose()

    def get_dependency(self, worker_ctx) -> UnitOfWork:  # type: ignore[no-untyped-def]
        return UnitOfWork(self.factory)
