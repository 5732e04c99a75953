"""Dead letters: the messages a service will never apply as they came, kept with why, and what an operator does
with them.

A consumer sets a message aside (`set_aside`) when it cannot be an event it may apply (not vouched for by its
producer, not valid for the catalogue, a command not from its institution) or when applying it failed
`POISON_AFTER_FAILURES` times for a reason other than an outage (`outbox.RetriedLater`). Each service keeps its
own: `cimer.dead-letters.<service>`, bound to a topic exchange with the service's name as the routing key, which
its broker user alone may publish and bind with (topic permissions, `broker.py`). A letter records the message's
body and what the broker vouched for when it came: who sent it (`user_id`), the queue and the routing key.

An operator (`cimer-dead-letters`, as `cimer-operator`) lists the letters, shows one, discards one, or replays one.
A replay is not a re-publication: nobody but the producer may publish its events, and the broker checks that. The
operator asks the service that set the letter aside (`replay_dead_letter`, an RPC only the operator may call); the
service takes the letter from its own queue, trusts it only when the broker vouches the service itself wrote it,
and applies the body through the same checks and the same handler as when it first came, with the sender recorded
then. What still cannot be applied stays where it was, and the operator is told why.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import amqp.exceptions
import structlog
from kombu.connection import Connection
from kombu.entity import Exchange, Queue
from nameko.constants import PERSISTENT
from nameko.extensions import DependencyProvider

from cimer_common import broker
from cimer_common.bus import VouchedPublisher, rpc
from cimer_common.errors import EXPECTED, Forbidden, InvalidRequest, NotFound
from cimer_common.settings import SERVICES

log = structlog.get_logger(__name__)

EXCHANGE = Exchange(broker.DEAD_LETTER_EXCHANGE, type="topic", durable=True)
# What a listing reads at most from one service's letters (the rest stay, and are counted).
LIST_LIMIT = 1000


def queue_of(service: str) -> Queue:
    return Queue(
        broker.dead_letter_queue(service),
        exchange=EXCHANGE,
        routing_key=service,
        durable=True,
        queue_arguments=broker.QUEUE_ARGUMENTS,
    )


class NotApplicable(Exception):
    """The message cannot be applied as it is; the text says why (it becomes the letter's reason)."""


def set_aside(amqp_uri: str, service: str, message: Any, body: Any, reason: str, queue: str) -> None:
    """Keep `message` (its decoded `body`, or the raw one) in `service`'s dead letters, with why, where it came
    from and who the broker says sent it; published in confirm mode before the message is acked."""
    if isinstance(body, bytes):
        body = body.decode("utf-8", errors="replace")
    letter = {
        "id": uuid.uuid4().hex,
        "set_aside_at": datetime.now(UTC).isoformat(),
        "service": service,
        "queue": queue,
        "routing_key": (getattr(message, "delivery_info", None) or {}).get("routing_key"),
        "sender": (getattr(message, "properties", None) or {}).get("user_id"),
        "reason": reason,
        "body": body,
    }
    VouchedPublisher(amqp_uri, use_confirms=True, delivery_mode=PERSISTENT).publish(
        letter, exchange=EXCHANGE, routing_key=service, serializer="json", declare=[queue_of(service)]
    )


# --- The service's side: taking a letter back ---------------------------------------------------------------------


class DeadLetterBox(DependencyProvider):  # type: ignore[misc]
    """`self.dead_letters.take(letter_id)`: the service's own letter and the entrypoint of the queue it came from."""

    def get_dependency(self, worker_ctx: Any) -> _Box:
        return _Box(self.container)


class _Box:
    def __init__(self, container: Any):
        self.container = container

    @contextmanager
    def take(self, letter_id: str) -> Iterator[tuple[dict[str, Any], Any]]:
        """The letter `letter_id` and its queue's consumer; removed from the dead letters only when the block
        ends without an error (otherwise it, and every letter looked at on the way, stays as it was)."""
        service = self.container.service_name
        with Connection(self.container.config["AMQP_URI"]) as connection:
            channel = connection.channel()
            queue = queue_of(service)(channel)
            queue.declare()
            for message in _letters(queue):
                if message.payload.get("id") == letter_id:
                    break
            else:
                raise NotFound("dead_letter_not_found", letter_id)
            # Only what the broker vouches this service wrote is trusted: the recorded sender is the reason a
            # replayed event may be applied at all.
            if message.properties.get("user_id") != broker.user_of(service):
                raise Forbidden("dead_letter_not_vouched", letter_id)
            letter = message.payload
            consumer = next(
                (
                    e
                    for e in self.container.entrypoints
                    if getattr(getattr(e, "queue", None), "name", "") == letter["queue"]
                ),
                None,
            )
            if consumer is None or not hasattr(consumer, "replayed"):
                raise InvalidRequest("dead_letter_refused", f"no consumer of {letter['queue']} here")
            yield letter, consumer
            message.ack()
            channel.close()


def _letters(queue: Any, limit: int | None = None) -> Iterator[Any]:
    """The queue's letters in order, each held unacked (they go back when the channel closes)."""
    taken = 0
    while limit is None or taken < limit:
        message = queue.get(no_ack=False, accept=["json"])
        if message is None:
            return
        taken += 1
        yield message


class ReplaysDeadLetters:
    """Mixed into every service class: the operator's replay of one of its dead letters."""

    dead_letters = DeadLetterBox()

    @rpc(expected_exceptions=EXPECTED)
    def replay_dead_letter(self, letter_id: str) -> dict[str, Any]:
        """Apply the letter's message as if it came now from its recorded sender, in this worker (the handler's
        own transaction and idempotency); `InvalidRequest` with the reason when it still cannot be applied."""
        with self.dead_letters.take(letter_id) as (letter, consumer):
            try:
                args = consumer.replayed(letter)
            except NotApplicable as refusal:
                raise InvalidRequest("dead_letter_refused", str(refusal)) from None
            getattr(self, consumer.method_name)(*args)
            log.warning("dead letter replayed", letter=letter_id, queue=letter["queue"], reason=letter["reason"])
        return {"id": letter_id, "service": letter["service"], "replayed": True}


# --- The operator's side ------------------------------------------------------------------------------------------


def summary(letter: dict[str, Any]) -> dict[str, Any]:
    """A letter without its body (which may hold personal data): what a listing shows."""
    body = letter.get("body")
    event_type = body.get("type") if isinstance(body, dict) else None
    return {key: letter.get(key) for key in ("id", "set_aside_at", "service", "queue", "sender", "reason")} | {
        "event_type": event_type
    }


def list_letters(
    amqp_uri: str, services: tuple[str, ...] = SERVICES, limit: int | None = LIST_LIMIT
) -> list[dict[str, Any]]:
    """Every service's letters (up to `limit` each), left where they are."""
    return [message.payload for message in _messages(amqp_uri, services, limit)]


def discard(amqp_uri: str, letter_id: str) -> dict[str, Any]:
    """Remove one letter for good; returns it."""
    for message in _messages(amqp_uri, SERVICES):
        if message.payload.get("id") == letter_id:
            message.ack()
            return dict(message.payload)
    raise LookupError(f"no dead letter {letter_id}")


def _messages(amqp_uri: str, services: tuple[str, ...], limit: int | None = None) -> Iterator[Any]:
    """Each service's letters in order (up to `limit` each), held unacked on a channel of that service's: what is
    not acked goes back when the channel closes. A service that never set anything aside has no queue: nothing."""
    with Connection(amqp_uri) as connection:
        for service in services:
            channel = connection.channel()
            try:
                yield from _letters(queue_of(service)(channel), limit)
            except amqp.exceptions.NotFound:
                continue
            finally:
                if channel.is_open:
                    channel.close()


def find(amqp_uri: str, letter_id: str) -> dict[str, Any]:
    """One letter, left where it is; `LookupError` when none has that id."""
    for letter in list_letters(amqp_uri, limit=None):
        if letter.get("id") == letter_id:
            return letter
    raise LookupError(f"no dead letter {letter_id}")


def replay(amqp_uri: str, letter_id: str) -> dict[str, Any]:
    """Ask the service that set the letter aside to apply it."""
    letter = find(amqp_uri, letter_id)
    from cimer_common.bus import cluster_rpc

    with cluster_rpc(broker.OPERATOR, amqp_uri) as cluster:
        result: dict[str, Any] = getattr(cluster, letter["service"]).replay_dead_letter(letter_id=letter_id)
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="cimer-dead-letters",
        description="What waits in the services' dead letters: list them, show one, replay or discard one.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("list", help="every letter, without its body (one JSON object a line)")
    listing.add_argument("--service", choices=SERVICES, help="only this service's letters")
    commands.add_parser("show", help="one letter, with its body").add_argument("id")
    commands.add_parser("replay", help="the service that set it aside applies it now").add_argument("id")
    commands.add_parser("discard", help="remove it for good").add_argument("id")
    args = parser.parse_args(argv)
    amqp_uri = broker.component_uri(broker.OPERATOR, os.environ.get("AMQP_URI"))
    try:
        if args.command == "list":
            letters = list_letters(amqp_uri, (args.service,) if args.service else SERVICES)
            for letter in letters:
                print(json.dumps(summary(letter), ensure_ascii=False))
            print(f"{len(letters)} dead letter(s)", file=sys.stderr)
        elif args.command == "show":
            print(json.dumps(find(amqp_uri, args.id), ensure_ascii=False, indent=2))
        elif args.command == "replay":
            print(json.dumps(replay(amqp_uri, args.id)))
        else:
            gone = discard(amqp_uri, args.id)
            log.warning("dead letter discarded", letter=args.id, queue=gone.get("queue"), reason=gone.get("reason"))
            print(json.dumps({"id": args.id, "discarded": True}))
    except LookupError as error:
        sys.exit(f"cimer-dead-letters: {error}")
    except Exception as error:  # a service's refusal comes back as nameko's RemoteError, with the reason
        sys.exit(f"cimer-dead-letters: {type(error).__name__}: {error}")
