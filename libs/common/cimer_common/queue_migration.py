"""`cimer-broker migrate-queues`: a running deployment's classic queues made quorum queues without losing a message.

A queue's type cannot be changed in place, and a service of this version declaring its queue as quorum over a
classic one of the same name is refused by the broker (PRECONDITION_FAILED). So, with the services stopped (no
consumer on a queue: it is refused otherwise), each classic queue the system now declares as quorum
(`broker.replicated_queue`) is drained into a stand-in and declared again:

1. `<queue>.migrating`, a quorum queue, takes over the queue's bindings. The queue is unbound before the stand-in
   is bound, so a message published in that instant is returned to its publisher rather than kept twice: the
   gateway's requests and institutions' commands are mandatory and confirmed (the gateway answers 503, the
   institution's client raises and sends again), where a second copy of a request would be carried out twice. What
   the services publish is theirs to hold back: they are stopped (the outboxes keep their events; an event to an
   institution's queue is not mandatory, and would be dropped in that instant).
2. Every message moves to the stand-in, each acked at the source only once the broker confirmed its copy, with its
   properties as they were, `user_id` included (what consumers trust). The broker lets only an impersonator set
   another user's `user_id`, so the moving is done by a user made for it, with rights on these queues alone, and
   deleted once it is done. A message with an expiration (the gateway's request, which its caller waits for only
   so long) is dropped instead: moved, its time to live would start again, and it could be carried out after
   its caller was told it was not (503).
3. The queue, now empty, is deleted and declared again as a quorum queue; the messages come back from the stand-in
   (still bound, so what arrives meanwhile comes behind them, in order), then the bindings, then what arrived in
   between, and the stand-in is deleted. The queue ends with at least the bindings the system gives it
   (`broker.bindings_of`), whatever an interruption lost.

An interruption leaves every message in the queue or its stand-in (one cut between its copy and its ack, in both:
consumers recognise a second delivery): running it again finishes the work (a queue whose stand-in is still there
is taken up where it stopped).
"""

from __future__ import annotations

import contextlib
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import amqp

from cimer_common import broker
from cimer_common.broker_admin import BrokerAdminError, Management

STAND_IN_SUFFIX = ".migrating"
MOVER = "cimer-queue-migration"  # the user that moves messages, for as long as a migration runs


@dataclass
class Migrated:
    """What one queue's migration did."""

    queue: str
    messages: int = 0
    expired_requests: int = 0  # dropped: see the module's step 2
    bindings: list[dict[str, Any]] = field(default_factory=list)


def pending(management: Management) -> list[str]:
    """The queues of the vhost still to migrate: classic ones the system declares as quorum, and any stand-in an
    interrupted run left."""
    found = []
    for queue in management.queues():
        name = queue["name"]
        if name.endswith(STAND_IN_SUFFIX) and broker.replicated_queue(name.removesuffix(STAND_IN_SUFFIX)):
            found.append(name.removesuffix(STAND_IN_SUFFIX))
        elif broker.replicated_queue(name) and queue.get("type") != "quorum":
            found.append(name)
    return sorted(set(found))


def migrate(management: Management, queues: list[str] | None = None) -> list[Migrated]:
    """Migrate `queues` (default: every pending one); refused, before anything changes, while any has consumers."""
    names = pending(management) if queues is None else queues
    if not names:
        return []
    with _mover(management, names) as mover:
        busy = [name for name in names if _consumers(mover, name)]
        if busy:
            raise BrokerAdminError(f"stop the consumers of these queues first: {', '.join(busy)}")
        return [_migrate_queue(management, mover, name) for name in names]


def retire(management: Management) -> list[str]:
    """Unbind the queues of the consumers this version retired (`broker.retired_queues`), so that nothing new
    reaches them; their consumers still apply what they hold. Returns the queues unbound now."""
    unbound = []
    for name in broker.retired_queues():
        bindings = [b for b in management.bindings(name) if b["source"]] if management.queue(name) else []
        for binding in bindings:
            management.unbind(binding)
        if bindings:
            unbound.append(name)
    return unbound


def _consumers(mover: Any, name: str) -> int:
    """Consumers on `name` now; 0 if it is gone."""
    found = _counts(mover, name)
    return int(found.consumer_count) if found is not None else 0


def _counts(mover: Any, name: str) -> Any:
    """`name`'s messages and consumers now, as the broker counts them (the management API's figures lag by
    seconds); None if there is no such queue."""
    with contextlib.closing(mover.channel()) as channel:
        try:
            return channel.queue_declare(name, passive=True)
        except amqp.exceptions.NotFound:
            return None


def _migrate_queue(management: Management, mover: Any, name: str) -> Migrated:
    stand_in = name + STAND_IN_SUFFIX
    done = Migrated(name)
    queue = management.queue(name)
    if queue is not None and queue.get("type") != "quorum":
        management.declare_queue(stand_in)
        done.bindings = _move_bindings(management, name, stand_in)
        done.expired_requests += _move_messages(mover, name, stand_in).expired
        management.delete_queue(name, if_empty=True)
        queue = None
    if queue is None:
        management.declare_queue(name)
    if management.queue(stand_in) is not None:
        moved = _move_messages(mover, stand_in, name)
        given_back = _move_bindings(management, stand_in, name)
        done.bindings = done.bindings or given_back
        late = _move_messages(mover, stand_in, name)  # what arrived while it was bound
        done.messages = moved.copied + late.copied
        done.expired_requests += moved.expired + late.expired
        # Unbound, and found empty: nothing reaches it any more (a quorum queue has no delete-if-empty).
        if _counts(mover, stand_in).message_count:
            raise BrokerAdminError(f"{stand_in} is not empty after its messages were moved; run again")
        management.delete_queue(stand_in)
    for exchange, routing_key in broker.bindings_of(name):  # (binding again is harmless)
        management.bind(exchange, name, routing_key)
    return done


def _move_bindings(management: Management, source: str, target: str) -> list[dict[str, Any]]:
    """`source`'s bindings (but the default exchange's) given to `target`: all removed from `source` first."""
    bindings = [b for b in management.bindings(source) if b["source"]]
    for binding in bindings:
        management.unbind(binding)
    for binding in bindings:
        management.bind(binding["source"], target, binding["routing_key"], binding.get("arguments") or {})
    return bindings


@dataclass
class Moved:
    copied: int = 0
    expired: int = 0


def _move_messages(mover: Any, source: str, target: str) -> Moved:
    """Every message of `source` to `target`, in order, but a request with an expiration (dropped). A channel for
    each move: RabbitMQ 3.10's channel keeps what type a queue was, and fails publishing to one deleted and declared
    again as another type."""
    moved = Moved()
    with contextlib.closing(mover.channel()) as channel:
        while (message := channel.basic_get(source, no_ack=False)) is not None:
            if message.properties.get("expiration") is not None:
                moved.expired += 1
            else:
                copy = amqp.Message(message.body, **message.properties)
                channel.basic_publish(copy, exchange="", routing_key=target, mandatory=True)  # waits for the confirm
                moved.copied += 1
            channel.basic_ack(message.delivery_tag)
    return moved


@contextlib.contextmanager
def _mover(management: Management, queues: list[str]) -> Iterator[Any]:
    """A connection, publishing in confirm mode, of a user that exists only while the messages are moved: an
    impersonator (it may publish with another user's `user_id`) that may read and write `queues` and their
    stand-ins (through the default exchange), and nothing else."""
    password = secrets.token_urlsafe(24)
    names = [re.escape(name) for queue in queues for name in (queue, queue + STAND_IN_SUFFIX)]
    only = f"^({'|'.join(names)})$"
    address = broker.first_address(management.amqp_uri)
    connection = amqp.Connection(
        host=f"{address.hostname or '127.0.0.1'}:{address.port or 5672}",
        userid=MOVER,
        password=password,
        virtual_host=management.vhost,
        confirm_publish=True,
    )
    try:
        management.put_user(MOVER, password, tags="impersonator")
        management.grant(MOVER, broker.Permissions(only, f"^(amq\\.default|{'|'.join(names)})$", only, {}))
        connection.connect()
        yield connection
    finally:
        with contextlib.suppress(Exception):
            connection.close()
        management.delete_user(MOVER)


def report(migrated: list[Migrated]) -> str:
    if not migrated:
        return "queues: every queue is already what this version declares"
    lines = [
        f"{m.queue}: quorum, {m.messages} messages moved, {m.expired_requests} expired requests dropped, "
        f"{len(m.bindings)} bindings"
        for m in migrated
    ]
    return "\n".join(lines)
