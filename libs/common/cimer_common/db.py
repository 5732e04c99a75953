"""The one SQLAlchemy 2 dependency provider that every service uses."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from time import monotonic
from typing import Any

import eventlet
import psycopg
import structlog
from eventlet import patcher
from eventlet.green import select as green_select
from nameko.extensions import DependencyProvider
from psycopg import waiting
from psycopg.types.json import Jsonb
from sqlalchemy import ARRAY, JSON, Boolean, CursorResult, Engine, bindparam, column, create_engine, func, text
from sqlalchemy.dialects.postgresql import ARRAY as PG_ARRAY
from sqlalchemy.dialects.postgresql import psycopg as postgresql_psycopg
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from cimer_common.bus import rpc
from cimer_common.errors import NotReady
from cimer_common.settings import get_settings

# structlog's own, not cimer_common.logs: this module is imported by the test plugin, before eventlet patches
# what cimer_common.logs imports (logging.config, socketserver).
log = structlog.get_logger(__name__)


# The operating system's `select`, which eventlet leaves as it was: a look at the connection's socket that does not
# go through eventlet's hub.
_native_select = patcher.original("select")
# How long a wait for the server may hold the whole process before it lets the other workers run: about what a
# simple statement takes on a local server, so that most answers are waited for here (`bench/README.md`).
BLOCKING_WAIT_SECONDS = 0.0002
# Answers that each come within that moment never pass through the hub: after this long without it, a wait gives
# the other workers their turn all the same (psycopg's own asyncio wait caps its busy time alike).
MOST_WITHOUT_THE_HUB_SECONDS = 0.005
_through_the_hub = [monotonic()]  # when a wait of this process last went through the hub
_SELECT_LIMIT = 1024  # `select` takes no higher descriptor: those wait through the hub alone


def green_wait(gen: Any, fileno: int, interval: float = 0.1, timeout: float | None = None) -> Any:
    """psycopg's wait for its connection's socket (its `waiting.wait_select`, the same contract), under eventlet.

    Through eventlet's hub a wait cost about twice psycopg's own C wait in CPU (registering the socket, switching
    to the hub and back, unregistering) even when the socket was ready: every statement of a pipeline (an
    `executemany`) waits to write, and a socket is nearly always writable. So the socket is looked at first, and
    waited for up to `BLOCKING_WAIT_SECONDS` outside the hub; only a longer wait (a commit's flush to disk, a lock,
    a long query) goes through the hub, where the other workers run meanwhile."""
    deadline = monotonic() + timeout if timeout is not None else None
    sockets = (fileno,)
    try:
        wanted = next(gen)
        while True:
            reads = sockets if wanted & waiting.WAIT_R else ()
            writes = sockets if wanted & waiting.WAIT_W else ()
            readable = writable = broken = ()
            if fileno < _SELECT_LIMIT:
                readable, writable, broken = _native_select.select(reads, writes, sockets, BLOCKING_WAIT_SECONDS)
            if readable or writable or broken:
                if monotonic() - _through_the_hub[0] > MOST_WITHOUT_THE_HUB_SECONDS:
                    eventlet.sleep(0)  # quick answers one after another: the other workers get their turn
                    _through_the_hub[0] = monotonic()
            else:
                wait = interval if deadline is None else max(0.0, min(interval, deadline - monotonic()))
                readable, writable, broken = green_select.select(reads, writes, sockets, wait)
                _through_the_hub[0] = monotonic()
            if broken:
                raise psycopg.OperationalError("connection socket closed")
            wanted = gen.send((waiting.READY_R if readable else 0) | (waiting.READY_W if writable else 0))
            if deadline is not None and monotonic() >= deadline:
                raise psycopg.errors._WaitTimeout("wait timeout expired")
    except OSError as error:
        raise psycopg.OperationalError("connection socket closed") from error
    except StopIteration as done:
        return done.value


def use_green_waiting() -> None:
    """Under eventlet, psycopg waits for the server with `green_wait`: its C wait would block every other worker
    of the process (see `cimer_common/__init__`)."""
    if patcher.is_monkey_patched("select"):
        waiting.wait = green_wait


def make_engine(url: str, pool_size: int = 5) -> Engine:
    return create_engine(
        url,
        # Exactly as many connections as can be in use at once (the caller sizes the pool), no overflow: what a
        # process may open is then known, and the sum over the processes can be kept under PostgreSQL's limit.
        pool_size=pool_size,
        max_overflow=0,
        # No ping before each checkout: it was a round trip per transaction, a fifth of the services' database
        # work (`make bench`: 50 -> 64 accepted/s). After a database restart the first statement on a dead
        # connection fails, SQLAlchemy sees the disconnect and invalidates the whole pool, and that one worker
        # fails: an event is redelivered after a pause, an RPC is answered `NotReady` (503: come back).
        pool_pre_ping=False,
        pool_recycle=1800,
    )


def unnested(name: str, columns: Iterable[tuple[str, Any]]) -> Any:
    """A batch's rows as a table `name` of `columns` (`(column, type)`), given as one array parameter per column
    (`<name>_<column>`) and `unnest`ed: one statement for all of them."""
    columns = list(columns)
    arrays = [bindparam(f"{name}_{column_name}", type_=PG_ARRAY(kind)) for column_name, kind in columns]
    return (
        func.unnest(*arrays)
        .table_valued(*[column(column_name, kind) for column_name, kind in columns])
        .render_derived(name=name)
    )


class Compiled:
    """A statement of the hot path, built once and compiled once for PostgreSQL, run as its SQL on the session's
    connection (`exec_driver_sql`): what SQLAlchemy otherwise does again at each execution (coercing, the cache
    key, bind processing) cost more than psycopg's own work on it (`bench/README.md`: reporting's upsert 88 µs a
    statement through `Session.execute`, 52 µs so). SQLAlchemy still runs it, so its errors are SQLAlchemy's (an
    outage stays `OperationalError`, `UnitOfWork.transaction`'s `NotReady`). The parameters are passed as psycopg
    takes them: the statement's own literal values added, and JSON ones wrapped as its JSON type serialises them;
    a statement that needs more of SQLAlchemy at each execution is refused when it is built."""

    def __init__(self, statement: Any):
        compiled = statement.compile(dialect=_DIALECT)
        self.sql = str(compiled)
        # What SQLAlchemy works out at each execution, which the SQL alone would leave out: an IN over a list
        # (expanded), a column's Python-side default (computed).
        if "POSTCOMPILE" in self.sql or compiled.insert_prefetch or compiled.update_prefetch:
            raise ValueError("this statement needs SQLAlchemy at each execution: run it with Session.execute")
        binds = compiled.bind_names  # each parameter → its name in the SQL
        self._literals = {name: bind.effective_value for bind, name in binds.items() if not bind.required}
        self._json = frozenset(name for bind, name in binds.items() if isinstance(bind.type, JSON))
        # SQLAlchemy's processing of a parameter is skipped: only where psycopg does the same (a bool; an array of
        # plain items or bools, given as a list) or the JSON wrapping below does (a JSON value).
        processed = [bind.type for bind in binds if _processed(bind.type)]
        if not all(isinstance(kind, JSON | Boolean) or _plain_array(kind) for kind in processed):
            raise ValueError("this statement's parameters need SQLAlchemy's processing: run it with Session.execute")

    def execute(self, session: Session, params: dict[str, Any]) -> CursorResult[Any]:
        values = {**self._literals, **params}
        for name in self._json:
            values[name] = Jsonb(values[name])
        return session.connection().exec_driver_sql(self.sql, values)


_DIALECT = postgresql_psycopg.dialect()


def _processed(kind: Any) -> bool:
    """Whether SQLAlchemy turns a parameter of this type into something else for psycopg."""
    return kind.dialect_impl(_DIALECT).bind_processor(_DIALECT) is not None


def _plain_array(kind: Any) -> bool:
    return isinstance(kind, ARRAY) and (isinstance(kind.item_type, Boolean) or not _processed(kind.item_type))


class UnitOfWork:
    """What a worker gets: `with self.db.transaction() as session:` commits on success, rolls back on error."""

    def __init__(self, factory: sessionmaker[Session]):
        self._factory = factory

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One transaction, committed at the end. The database out of reach (restarting, the connection cut, a
        failover) is `NotReady`: the caller is told to come back (503 at the gateway, an event retried later), not
        handed an internal error. Whether a commit cut short took effect is unknown, as for any lost reply."""
        try:
            with self._factory.begin() as session:
                yield session
        except (OperationalError, InterfaceError) as error:
            # Unreachable, or a transient failure (a deadlock, a serialization failure, a cancelled statement):
            # either way, worth trying again.
            log.warning("database call failed", error=f"{type(error.orig or error).__name__}: {error.orig or error}")
            raise NotReady("service_unavailable", "5") from error


class Database(DependencyProvider):
    """Engine made in `setup()` (never at import), sized to the worker pool, disposed in `stop()`."""

    def setup(self) -> None:
        use_green_waiting()
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


class HealthCheck:
    """Mixed into every service class: `health()` answers once the service's own database does.

    The gateway's `/health` calls it on every service, so "ok" means the broker delivered the call, a worker was
    free to take it, and the database answered, not merely that a process exists; and, for a service that takes
    officers' tokens, that it knows the revoked sessions (`cimer_common.authentication`).
    """

    name: str
    db: UnitOfWork

    @rpc
    def health(self) -> dict[str, str]:
        # A service that takes tokens is not healthy before it knows the revoked sessions (`FollowsRevocations`).
        authenticate = getattr(self, "authenticate", None)
        revocations = getattr(authenticate, "revocations", None)
        if revocations is not None and not revocations.loaded:
            raise NotReady("service_unavailable")
        with self.db.transaction() as session:
            session.execute(text("SELECT 1"))
        return {"service": self.name, "status": "ok"}
