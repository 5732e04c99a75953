"""Events that cannot be lost: a transactional outbox on the producer's side, idempotent consumers on the other.

Producer: `self.outbox.add(session, "application_received", payload)` writes the event row in the same transaction
as the change it describes. After the worker ends, a relay green thread of the same container is woken; it takes
unpublished rows with `FOR UPDATE SKIP LOCKED` (so replicas of one service can run side by side), publishes them
persistent, mandatory and in confirm mode, waits once for the whole batch's confirms, and marks published the ones
the broker confirmed. A crash between publish and mark means the event goes out again, which the consumers'
idempotency absorbs; a crash before publish loses nothing because the row is still there. A poll every few
seconds picks up what a crashed container left behind.

Consumer: `@on_event("intake", "application_received")` validates the envelope and payload against the catalogue
(a message that fails is moved to the `cimer.dead-letters` queue, never silently dropped), and a failing handler's
message is requeued after a pause. Inside the handler, `first_delivery(session, ProcessedEvent, event)` in the
handler's transaction makes a redelivered event change nothing twice.

Busy consumers take events in batches: `@on_events(...)` hands the handler a list of `(envelope, payload)` and
`apply_batch_once` applies the new ones in one transaction (one insert marks them all processed, one commit), acked
together after it; a batch that fails is applied again one event per transaction, so a poisoned event holds back
no other.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache, partial
from typing import Any, TypeVar

import eventlet
import structlog
from eventlet.event import Event
from kombu.connection import Connection
from kombu.entity import Exchange, Queue
from nameko.events import BROADCAST, EventHandler
from nameko.exceptions import ContainerBeingKilled
from nameko.extensions import DependencyProvider
from nameko.standalone.events import get_event_exchange
from pydantic import ValidationError
from sqlalchemy import BigInteger, DateTime, Index, String, bindparam, func, select, update
from sqlalchemy.dialects.postgresql import JSONB, UUID, insert
from sqlalchemy.orm import Mapped, Session, declared_attr, mapped_column

from cimer_common import broker, dead_letters
from cimer_common.bus import ConfirmedBatchPublisher, Outgoing
from cimer_common.db import Compiled, UnitOfWork, make_engine
from cimer_common.dead_letters import NotApplicable
from cimer_common.envelope import Envelope
from cimer_common.errors import NotReady
from cimer_common.events import CATALOGUE, Payload, produced_by, spec
from cimer_common.settings import get_settings

log = structlog.get_logger(__name__)
T = TypeVar("T")
P = TypeVar("P")
# The correlation id of the event a batch's worker is applying now (`apply_batch_once`).
APPLYING_CORRELATION_ID: ContextVar[str | None] = ContextVar("applying_correlation_id", default=None)

INSTITUTIONS_EXCHANGE = Exchange(broker.INSTITUTIONS_EXCHANGE, type="direct", durable=True)
RELAY_BATCH = 200
# Back-pressure (`OutboxWriter.check_room`, the bound in `settings.backlog_bound`): the backlog is measured this
# often.
BACKLOG_WATCH_SECONDS = float(os.environ.get("BACKLOG_WATCH_SECONDS", "1"))
RELAY_POLL_SECONDS = 2.0
REQUEUE_PAUSE_SECONDS = 1.0
# A message whose handler failed this many times in a row, for any reason but an outage (`NotReady`: the database
# or a service away), is a poison: set aside in the dead letters, where an operator can replay it once the cause is
# fixed, instead of coming round for ever.
POISON_AFTER_FAILURES = int(os.environ.get("POISON_AFTER_FAILURES", "5"))


class OutboxMessageMixin:
    """Columns of a service's `outbox` table; the service's models declare `class OutboxMessage(mixin, Base)`."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    event_id: Mapped[uuid.UUID] = mapped_column(UUID, unique=True)
    event_type: Mapped[str] = mapped_column(String(64))
    envelope: Mapped[dict[str, Any]] = mapped_column(JSONB)
    headers: Mapped[dict[str, Any]] = mapped_column(JSONB)
    # A message to an institution's own system (`OutboxWriter.to_institution`) names its exchange and routing
    # key; an event has neither (its producer's exchange, its name).
    exchange: Mapped[str | None] = mapped_column(String(64))
    routing_key: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @declared_attr.directive
    def __table_args__(cls) -> tuple[Any, ...]:
        # The relay only ever looks for unpublished rows; a partial index keeps that cheap as the table grows.
        return (Index("ix_outbox_unpublished", "id", postgresql_where="published_at IS NULL"),)


class ProcessedEventMixin:
    __tablename__ = "processed_events"

    event_id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True)
    event_type: Mapped[str] = mapped_column(String(64))
    processed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


@cache
def _mark_processed(table: Any) -> Any:
    # Built once per service, run on the table: building it anew and the ORM's insert path cost more than the
    # insert itself, for every event every consumer takes.
    return (
        insert(table)
        .values(event_id=bindparam("event_id"), event_type=bindparam("event_type"))
        .on_conflict_do_nothing(index_elements=["event_id"])
        .returning(table.c.event_id)
    )


STAGED = ("event_id", "event_type", "envelope", "headers", "exchange", "routing_key")


def _staging(table: Any, prefix: str = "") -> Any:
    """The insert of an outbox row, its parameters named `<prefix><column>`."""
    return insert(table).values({name: bindparam(f"{prefix}{name}") for name in STAGED})


@cache
def _stage(table: Any) -> Compiled:
    return Compiled(_staging(table))


def staged_cte(table: Any) -> Any:
    """An outbox row (`OutboxWriter.staging`) as a data-modifying CTE, for the statement that makes the change it
    announces: one round trip for both. Its parameters are named `staged_<column>`."""
    return _staging(table, "staged_").cte("staged")


def first_delivery(session: Session, model: type[ProcessedEventMixin], event: Envelope) -> bool:
    """True the first time `event` is seen; a concurrent second delivery waits on the row lock, then sees it."""
    table = model.__table__  # type: ignore[attr-defined]
    found = session.execute(_mark_processed(table), {"event_id": event.id, "event_type": event.type})
    return found.first() is not None


def apply_once(
    db: UnitOfWork, processed: type[ProcessedEventMixin], event: Envelope, apply: Callable[[Session], T]
) -> T | None:
    """Run `apply(session)` in the transaction that records `event` as handled; a redelivery runs nothing."""
    with db.transaction() as session:
        if first_delivery(session, processed, event):
            return apply(session)
    return None


def consumer_queue(producer: str, event_type: str, consumer: str) -> Queue:
    """The queue nameko's `event_handler` consumes from, declared identically so either side may create it. A
    retired consumer's queue (`EventType.retired_consumers`) is bound to nothing: it only gives back what it held."""
    event = CATALOGUE.get((producer, event_type))
    retired = event is not None and consumer in event.retired_consumers
    bound = {} if retired else {"exchange": get_event_exchange(producer, {}), "routing_key": event_type}
    return Queue(
        broker.event_queue(producer, event_type, consumer),
        durable=True,
        auto_delete=False,
        queue_arguments=broker.QUEUE_ARGUMENTS,
        **bound,
    )


def declare_topology(amqp_uri: str, producer: str) -> None:
    """Declare the producer's exchange and its consumers' queues, so no event is published into the void."""
    exchange = get_event_exchange(producer, {})
    with Connection(amqp_uri) as connection:
        channel = connection.default_channel
        exchange(channel).declare()
        dead_letters.queue_of(producer)(channel).declare()
        for event in produced_by(producer):
            for consumer in event.consumers:
                consumer_queue(producer, event.name, consumer)(channel).declare()
        if producer in ("intake", "routing"):  # they write to institutions' own systems
            INSTITUTIONS_EXCHANGE(channel).declare()


class OutboxWriter:
    """What a worker gets: stages events in the worker's own transaction."""

    def __init__(self, provider: Outbox, correlation_id: str | None):
        self._provider = provider
        self._correlation_id = correlation_id
        self.staged = 0

    def check_room(self) -> None:
        """Refuse new work (`NotReady("service_busy")`, so 503 with `Retry-After`) while the service's backlog is
        over its bound: what was accepted is still all kept and worked off; what would come on top is not taken."""
        # A service not bounded (or a bound of 0) never measures: its backlog stays 0 and never exceeds the bound.
        provider = self._provider
        if max(provider.backlog.unpublished, provider.backlog.waiting) > provider.bound:
            raise NotReady("service_busy", str(BUSY_RETRY_AFTER_SECONDS))

    def add(self, session: Session, event_type: str, payload: Payload) -> Envelope:
        envelope, values = self._row(event_type, payload)
        _stage(self._provider.model.__table__).execute(session, values)
        return envelope

    def staging(self, event_type: str, payload: Payload) -> dict[str, Any]:
        """`add`, by the parameters of a statement that carries `staged_cte`."""
        _, values = self._row(event_type, payload)
        return {f"staged_{name}": value for name, value in values.items()}

    def _row(self, event_type: str, payload: Payload) -> tuple[Envelope, dict[str, Any]]:
        event = spec(self._provider.service, event_type)  # KeyError: this service does not produce it
        if type(payload) is not event.payload:  # another model with the same fields: hold it to the catalogue's
            payload = event.payload.model_validate(payload.model_dump())
        envelope = Envelope(
            type=event_type,
            version=event.version,
            producer=event.producer,
            correlation_id=self.correlation_id,
            payload=payload.model_dump(mode="json"),
        )
        values = {
            "event_id": envelope.id,
            "event_type": event_type,
            "envelope": envelope.model_dump(mode="json"),
            "headers": self._headers(),
            "exchange": None,
            "routing_key": None,
        }
        self.staged += 1
        return envelope, values

    def to_institution(self, session: Session, institution: str, message: dict[str, Any]) -> uuid.UUID:
        """Stage `message` (JSON, with its `type`) for the institution's own system (SPEC section 10), in this
        transaction. It reaches the institution's queue when its system is plugged in, and is dropped otherwise.
        Its `message_id` is returned (and added to the message): a redelivered message keeps it."""
        message_id = uuid.uuid4()
        values = {
            "event_id": message_id,
            "event_type": message["type"],
            "envelope": {**message, "message_id": str(message_id)},
            "headers": self._headers(),
            "exchange": broker.INSTITUTIONS_EXCHANGE,
            "routing_key": institution,
        }
        _stage(self._provider.model.__table__).execute(session, values)
        self.staged += 1
        return message_id

    @property
    def correlation_id(self) -> str | None:
        # In a batch, the event being applied's own: what it causes is followed back to its request, not the
        # batch's first.
        return APPLYING_CORRELATION_ID.get() or self._correlation_id

    def _headers(self) -> dict[str, Any]:
        return {"nameko.correlation_id": self.correlation_id} if self.correlation_id else {}


@dataclass(frozen=True)
class Backlog:
    unpublished: int  # outbox rows not yet published (counted up to just past the bound)
    waiting: int  # messages in the fullest queue of the service's events' consumers


BUSY_RETRY_AFTER_SECONDS = 30


class Outbox(DependencyProvider):
    def __init__(self, model: Any, bounded: bool = False):
        # A service's mapped `OutboxMessage` class (the mixin plus the service's declarative base).
        self.model = model
        # Whether the service refuses new work over its backlog (`OutboxWriter.check_room`; intake), and so
        # measures it.
        self.bounded = bounded

    def setup(self) -> None:
        self.service = self.container.service_name
        config = self.container.config
        self.amqp_uri = config["AMQP_URI"]
        url = config.get("DATABASE_URL") or get_settings().database_url(self.service)
        self.engine = make_engine(url, pool_size=2)
        self.exchange = get_event_exchange(self.service, config)
        self.publisher = ConfirmedBatchPublisher(self.amqp_uri)
        self._wake = Event()
        self._running = False
        self._relay: Any = None
        self.bound = int(config.get("BACKLOG_BOUND", get_settings().backlog_bound))
        self.backlog = Backlog(0, 0)
        self.watched_queues = [
            consumer_queue(self.service, event.name, consumer).name
            for event in CATALOGUE.values()
            if event.producer == self.service
            for consumer in event.consumers
        ]

    def start(self) -> None:
        declare_topology(self.amqp_uri, self.service)
        self._running = True
        self._relay = self.container.spawn_managed_thread(self._run, identifier="outbox_relay")
        if self.bounded and self.bound:
            self.container.spawn_managed_thread(self._watch_backlog, identifier="outbox_backlog")

    def waiting(self) -> tuple[int, float]:
        """The rows not yet published and the age in seconds of the oldest (0 when none): for the metrics."""
        table = self.model.__table__  # type: ignore[attr-defined]
        with self.engine.connect() as db:
            count, oldest = db.execute(
                select(func.count(), func.min(table.c.created_at)).where(table.c.published_at.is_(None))
            ).one()
        return int(count), (datetime.now(UTC) - oldest).total_seconds() if oldest is not None else 0.0

    def _watch_backlog(self) -> None:
        """Measure the backlog every BACKLOG_WATCH_SECONDS, so that checking it costs a request nothing. The two
        measures are taken apart: with the broker away its queues cannot be read, and count for nothing (stale
        figures would refuse filings for good), while the outbox, which then grows, is still counted."""
        connection: Connection | None = None
        table = self.model.__table__  # type: ignore[attr-defined]
        # Counted up to just past the bound: the answer needed is "over or not", not the exact number.
        unpublished = select(func.count()).select_from(
            select(table.c.id).where(table.c.published_at.is_(None)).limit(self.bound + 1).subquery()
        )
        while self._running:
            try:
                with self.engine.connect() as db:
                    rows = int(db.scalar(unpublished) or 0)
            except Exception as error:  # the database away: nothing can be filed anyway; the last count stands
                log.warning("outbox backlog not measured", error=f"{type(error).__name__}: {error}")
                rows = self.backlog.unpublished
            try:
                if connection is None:
                    connection = Connection(self.amqp_uri, connect_timeout=2)
                    connection.ensure_connection(max_retries=1)
                channel = connection.default_channel
                waiting = max(
                    (channel.queue_declare(queue=name, passive=True).message_count for name in self.watched_queues),
                    default=0,
                )
            except Exception as error:
                log.warning("queue backlog not measured", error=f"{type(error).__name__}: {error}")
                waiting = 0
                if connection is not None:
                    connection.release()
                    connection = None
            self.backlog = Backlog(rows, waiting)
            eventlet.sleep(BACKLOG_WATCH_SECONDS)
        if connection is not None:
            connection.release()

    def stop(self) -> None:
        self._running = False
        self.wake()
        if self._relay is not None:
            self._relay.wait()
        self.publisher.close()
        self.engine.dispose()

    def kill(self) -> None:
        self._running = False
        if self._relay is not None:
            self._relay.kill()
        self.publisher.close()
        self.engine.dispose()

    def get_dependency(self, worker_ctx) -> OutboxWriter:  # type: ignore[no-untyped-def]
        return OutboxWriter(self, worker_ctx.data.get("correlation_id"))

    def worker_teardown(self, worker_ctx) -> None:  # type: ignore[no-untyped-def]
        # The worker's transaction has ended by now; if it staged events, publish them without waiting for a poll.
        writer = worker_ctx.service.__dict__.get(self.attr_name)
        if writer is not None and writer.staged:
            self.wake()

    def wake(self) -> None:
        if not self._wake.ready():
            self._wake.send(True)

    def _run(self) -> None:
        structlog.contextvars.bind_contextvars(entrypoint="outbox_relay")
        while self._running:
            with eventlet.Timeout(RELAY_POLL_SECONDS, False):
                self._wake.wait()
            self._wake = Event()
            try:
                while self.relay_batch() == RELAY_BATCH:
                    pass
            except Exception:
                log.exception("outbox relay failed; will retry")
                eventlet.sleep(RELAY_POLL_SECONDS)

    def relay_batch(self) -> int:
        """Publish up to one batch of unpublished events, waiting once for all their confirms; returns how many
        were published."""
        table = self.model.__table__  # type: ignore[attr-defined]
        with self.engine.begin() as connection:
            rows = connection.execute(
                select(
                    table.c.id,
                    table.c.event_id,
                    table.c.event_type,
                    table.c.envelope,
                    table.c.headers,
                    table.c.exchange,
                    table.c.routing_key,
                )
                .where(table.c.published_at.is_(None))
                .order_by(table.c.id)
                .limit(RELAY_BATCH)
                .with_for_update(skip_locked=True)
            ).all()
            confirmed = self.publisher.publish([self._outgoing(row) for row in rows])
            published = [row.id for row in rows if str(row.event_id) in confirmed]
            for row in rows:
                if str(row.event_id) not in confirmed:
                    # No queue is bound for it (or the broker refused it): kept, it goes once a consumer exists.
                    log.warning("event not taken by the broker, kept in outbox", event_type=row.event_type)
            if published:
                connection.execute(
                    update(table).where(table.c.id.in_(published)).values(published_at=datetime.now(UTC))
                )
        return len(published)

    def _outgoing(self, row: Any) -> Outgoing:
        if row.exchange is None:  # an event: its producer's exchange, its name; mandatory when someone consumes it
            return Outgoing(
                body=row.envelope,
                exchange=self.exchange.name,
                routing_key=row.event_type,
                message_id=str(row.event_id),
                headers=row.headers,
                mandatory=bool(spec(self.service, row.event_type).consumers),
            )
        # To an institution's system: not mandatory, an institution not plugged in gets nothing.
        return Outgoing(
            body=row.envelope,
            exchange=row.exchange,
            routing_key=row.routing_key,
            message_id=str(row.event_id),
            headers=row.headers,
            mandatory=False,
        )


class RetriedLater:
    """What every consumer of ours does with a message it can work on: a worker for it, acked when the worker
    succeeds, back to its queue after a pause when it fails (a database outage loses nothing), back at once when
    the container is dying; set aside in the dead letters after `POISON_AFTER_FAILURES` failures in a row that
    were not an outage.

    The failures are counted in the process (by message id), so a restart gives a poison a few more rounds: a
    bound, not an exact count. The quorum queues count deliveries themselves (`x-delivery-count`), but they count
    an outage's returns too, which must not count here (their delivery limit is only a backstop, `broker.py`)."""

    def work_on(self, message: Any, args: tuple[Any, ...]) -> None:
        try:
            self.container.spawn_worker(  # type: ignore[attr-defined]
                self,
                args,
                {},
                context_data=self.unpack_message_headers(message),  # type: ignore[attr-defined]
                handle_result=partial(self.handle_result, message),  # type: ignore[attr-defined]
            )
        except ContainerBeingKilled:
            self.queue_consumer.requeue_message(message)  # type: ignore[attr-defined]

    def handle_message_processed(self, message: Any, result: Any = None, exc_info: Any = None) -> None:
        if exc_info is None:
            self.forget_failures(message)
        elif self.poisoned(message, exc_info[1]):
            return
        else:  # not at once and round again
            eventlet.sleep(REQUEUE_PAUSE_SECONDS)
        super().handle_message_processed(message, result, exc_info)  # type: ignore[misc]

    def poisoned(self, message: Any, error: BaseException) -> bool:
        """Count a failure of `message`; when it is the last one allowed, set it aside (acked) and say so."""
        if isinstance(error, NotReady):  # an outage: it goes round until the outage ends, however long
            return False
        failures: dict[str, int] = self.__dict__.setdefault("_failures", {})
        key = _identity(message)
        failures[key] = failures.pop(key, 0) + 1
        while len(failures) > 10_000:  # the oldest first: a poison fails again within seconds
            del failures[next(iter(failures))]
        if failures[key] < POISON_AFTER_FAILURES:
            return False
        del failures[key]
        reason = f"failed {POISON_AFTER_FAILURES} times: {type(error).__name__}: {error}"
        self.set_aside(message.payload, message, reason)
        return True

    def set_aside(self, body: Any, message: Any, reason: str) -> None:
        queue, container = self.queue.name, self.container  # type: ignore[attr-defined]
        log.error("message set aside in the dead letters", queue=queue, reason=reason)
        dead_letters.set_aside(container.config["AMQP_URI"], container.service_name, message, body, reason, queue)
        self.queue_consumer.ack_message(message)  # type: ignore[attr-defined]

    def forget_failures(self, message: Any) -> None:
        failures = self.__dict__.get("_failures")
        if failures:
            failures.pop(_identity(message), None)


def _identity(message: Any) -> str:
    """What a message is known by from one delivery to the next: its `message_id` (our outbox sets the event's id),
    else the event id in its body."""
    body = message.payload
    return str(message.properties.get("message_id") or (body.get("id") if isinstance(body, dict) else None) or body)


class EventConsumer(RetriedLater, EventHandler):
    """`@on_event(producer, event_type)`: the handler gets `(envelope, payload)`, validated by the catalogue.

    A message that is not a valid event goes to the dead-letter queue, with the reason; a handler that fails is
    retried: the message goes back to its queue after a pause, so a database outage loses nothing.
    """

    queue: Queue  # nameko's `setup` makes it; ours replaces it (`consumer_queue`)

    def __init__(self, source_service: str, event_type: str, **kwargs: Any):
        kwargs.setdefault("requeue_on_error", True)
        super().__init__(source_service, event_type, **kwargs)

    def setup(self) -> None:
        super().setup()
        if not (self.queue.exclusive or self.queue.auto_delete):  # a broadcast's queue is the process's own
            consumer = f"{self.container.service_name}.{self.method_name}"  # type: ignore[attr-defined]
            self.queue = consumer_queue(self.source_service, self.event_type, consumer)

    def handle_message(self, body: Any, message: Any) -> None:
        event = self.read(body, message)
        if event is not None:
            self.work_on(message, event)

    def read(self, body: Any, message: Any) -> tuple[Envelope, Any] | None:
        """The message as (envelope, payload); None when it was set aside in the dead letters instead."""
        try:
            return self.check(body, message.properties.get("user_id"))
        except NotApplicable as refusal:
            self.set_aside(body, message, str(refusal))
            return None

    def check(self, body: Any, sender: str | None) -> tuple[Envelope, Any]:
        """(envelope, payload) of an event `sender` sent; `NotApplicable` with the reason when it is not one."""
        if sender != broker.user_of(self.source_service):
            # Only the producer may announce its events, and the broker vouches for `user_id`: anything else is a
            # forgery or a mistake, set aside and never applied.
            raise NotApplicable(f"not sent by {self.source_service} (user_id {sender!r})")
        try:
            envelope = Envelope.model_validate(body)
            event = spec(self.source_service, self.event_type)
            if envelope.type != self.event_type or envelope.version > event.version:
                raise ValueError(f"cannot handle {envelope.type} v{envelope.version}")
            payload = event.payload.model_validate(envelope.payload)
        except (ValidationError, ValueError, TypeError) as error:
            raise NotApplicable(str(error)) from error
        return envelope, payload

    def replayed(self, letter: dict[str, Any]) -> tuple[Any, ...]:
        """The handler's arguments for a dead letter's message, checked as when it came (`dead_letters`)."""
        return self.check(letter["body"], letter.get("sender"))


class EventBatchConsumer(EventConsumer):
    """`@on_events(producer, event_type)`: the handler gets a list of `(envelope, payload)`, the messages that
    arrived within `BATCH_WAIT_SECONDS` of the first, up to the consumer's prefetch (the container's max_workers),
    in the order they came. One worker for the batch, so one transaction (`apply_batch_once`) and one commit for
    all of them; every message is acked only after that worker succeeded, and all go back to the queue (after the
    usual pause) when it failed, where the ones already applied are recognised and skipped.

    A quiet system pays at most `BATCH_WAIT_SECONDS` of latency; a busy one fills batches at once."""

    def setup(self) -> None:
        super().setup()
        self._pending: list[tuple[Any, tuple[Envelope, Any]]] = []
        self._timer: Any = None
        # At most the consumer's prefetch (nameko's is max_workers); EVENT_BATCH_MAX lowers it (1: a message each).
        prefetch = int(self.container.max_workers)  # type: ignore[attr-defined]
        self.batch_size = max(1, min(int(os.environ.get("EVENT_BATCH_MAX", "0")) or prefetch, prefetch))

    def handle_message(self, body: Any, message: Any) -> None:
        event = self.read(body, message)
        if event is None:
            return
        self._pending.append((message, event))
        if len(self._pending) >= self.batch_size:
            self.flush()
        elif self._timer is None:
            self._timer = eventlet.spawn_after(BATCH_WAIT_SECONDS, self.flush)

    def flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()  # harmless when it is the timer itself that is running
            self._timer = None
        batch, self._pending = self._pending, []
        if not batch:
            return
        messages = [message for message, _ in batch]
        try:
            self.container.spawn_worker(  # type: ignore[attr-defined]
                self,
                ([event for _, event in batch],),
                {},
                context_data=self.unpack_message_headers(messages[0]),  # type: ignore[attr-defined]
                handle_result=partial(self.handle_batch_result, batch),
            )
        except ContainerBeingKilled:
            for message in messages:
                self.queue_consumer.requeue_message(message)  # type: ignore[attr-defined]

    def handle_batch_result(self, batch: list[tuple[Any, Any]], worker_ctx: Any, result: Any, exc_info: Any) -> Any:
        """Each message acked once its event is applied; the ones that failed back to the queue after a pause, or
        set aside when they are poison (`RetriedLater`)."""
        error = exc_info[1] if exc_info is not None else None
        failures = error.failures if isinstance(error, PartlyApplied) else None
        retried = []
        for message, (envelope, _) in batch:
            failure = error if failures is None else failures.get(envelope.id)
            if failure is None:
                self.forget_failures(message)
                EventHandler.handle_message_processed(self, message, result, None)
            elif not self.poisoned(message, failure):
                retried.append(message)
        if retried:  # not at once and round again
            eventlet.sleep(REQUEUE_PAUSE_SECONDS)
        for message in retried:
            EventHandler.handle_message_processed(self, message, result, exc_info)
        return result, exc_info

    def replayed(self, letter: dict[str, Any]) -> tuple[Any, ...]:
        return ([self.check(letter["body"], letter.get("sender"))],)

    def stop(self) -> None:
        # What waits for a batch was never acked: it goes back to the queue for whoever consumes it next.
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        pending, self._pending = self._pending, []
        for message, _ in pending:
            self.queue_consumer.requeue_message(message)  # type: ignore[attr-defined]
        super().stop()


BATCH_WAIT_SECONDS = 0.005


def apply_batch_once(
    db: UnitOfWork,
    processed: type[ProcessedEventMixin],
    events: list[tuple[Envelope, P]],
    apply: Callable[[Session, Envelope, P], T],
) -> list[tuple[Envelope, P, T]]:
    """Apply each event of a batch that was not applied before, in one transaction that records them all as
    handled (one insert for the batch); returns each event applied now with its payload and what `apply`
    returned. Each event is applied by itself, as if it alone had come (`applying`): `apply_batch_together`
    otherwise."""

    def each(session: Session, fresh: list[tuple[Envelope, P]]) -> list[T]:
        applied = []
        for event, payload in fresh:
            with applying(event):
                applied.append(apply(session, event, payload))
        return applied

    return apply_batch_together(db, processed, events, each)


def apply_batch_together(
    db: UnitOfWork,
    processed: type[ProcessedEventMixin],
    events: list[tuple[Envelope, P]],
    apply: Callable[[Session, list[tuple[Envelope, P]]], list[T]],
) -> list[tuple[Envelope, P, T]]:
    """Apply the events of a batch not applied before all at once, `apply(session, fresh)` in one transaction that
    records them all as handled (one insert for the batch): for a handler whose statements each serve the whole
    batch. `fresh` keeps the order the events came in, each once; `apply` returns what it did for each, in that
    order, and must say itself which event caused what (no one event's correlation id is in effect).

    When the batch fails, it is rolled back and each event is applied again in a transaction of its own (a batch
    of one), so one poisoned event holds back no other; after the rest are done, `PartlyApplied` names the events
    that failed and why (their messages go back to the queue, or to the dead letters; the others are acked)."""
    try:
        with db.transaction() as session:
            new = first_deliveries(session, processed, [event for event, _ in events])
            fresh = []
            for event, payload in events:
                if event.id in new:
                    new.discard(event.id)  # the same event twice in one batch is applied once
                    fresh.append((event, payload))
            return _zipped(fresh, apply(session, fresh) if fresh else [])
    except Exception:
        if len(events) == 1:
            raise
        log.warning("batch failed; applying its events one by one", events=len(events))
    applied, failures = [], {}
    for event, payload in events:
        try:
            with db.transaction() as session:
                if not first_delivery(session, processed, event):
                    continue
                with applying(event):
                    result = _zipped([(event, payload)], apply(session, [(event, payload)]))
            applied += result  # once committed
        except Exception as error:  # kept, and raised once the others are applied
            failures[event.id] = error
    if failures:
        raise PartlyApplied(failures)
    return applied


def _zipped(fresh: list[tuple[Envelope, P]], results: list[T]) -> list[tuple[Envelope, P, T]]:
    if len(results) != len(fresh):
        raise ValueError(f"{len(results)} results for {len(fresh)} events")
    return [(event, payload, result) for (event, payload), result in zip(fresh, results, strict=True)]


class PartlyApplied(Exception):
    """Some events of a batch could not be applied (`failures`: event id → error); the others were."""

    def __init__(self, failures: dict[uuid.UUID, Exception]):
        first = next(iter(failures.values()))
        super().__init__(f"{len(failures)} event(s) of the batch failed, the first: {type(first).__name__}: {first}")
        self.failures = failures


@contextmanager
def applying(event: Envelope) -> Iterator[None]:
    """While one event of a batch is applied, its own correlation id is the one its log lines and the events it
    causes carry."""
    token = APPLYING_CORRELATION_ID.set(event.correlation_id)
    logged = structlog.contextvars.bind_contextvars(correlation_id=event.correlation_id)
    try:
        yield
    finally:
        APPLYING_CORRELATION_ID.reset(token)
        structlog.contextvars.reset_contextvars(**logged)


def first_deliveries(session: Session, model: type[ProcessedEventMixin], events: list[Envelope]) -> set[uuid.UUID]:
    """The ids among `events` seen for the first time, all recorded as seen in one statement."""
    if not events:
        return set()
    table = model.__table__  # type: ignore[attr-defined]
    # In the order of their ids: two consumers' batches that share events then lock them in the same order and wait
    # for each other instead of deadlocking.
    ordered = sorted(events, key=lambda event: event.id)
    rows = session.execute(
        _mark_processed(table), [{"event_id": event.id, "event_type": event.type} for event in ordered]
    )
    return {row[0] for row in rows}


class BroadcastConsumer(EventConsumer):
    """`@on_broadcast(producer, event_type)`: like `on_event`, but every process of the service hears every event,
    on a queue of its own that lives as long as its connection (nameko's broadcast handler): for what each process
    keeps in memory (the revoked sessions), never for what is kept in a database."""

    def __init__(self, source_service: str, event_type: str, **kwargs: Any):
        super().__init__(source_service, event_type, handler_type=BROADCAST, reliable_delivery=False, **kwargs)


on_event = EventConsumer.decorator
on_events = EventBatchConsumer.decorator
on_broadcast = BroadcastConsumer.decorator
# What an `@on_events` handler gets.
Batch = list[tuple[Envelope, P]]
