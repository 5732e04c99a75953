"""`InstitutionClient`: consumes the institution's queue and sends its commands, so its developers never touch AMQP.

Two connections, both pika `BlockingConnection`s:

- the consumer, owned by the thread that calls `run()`: prefetch, manual acks (an ack only after the callback
  returned), reconnection with capped, jittered exponential back-off, a clean stop on SIGTERM/SIGINT or `stop()`;
- the publisher, opened on the first command and shared by every thread under a lock (pika connections are not
  thread-safe): publisher confirms, `mandatory=True`, `user_id` set so the broker vouches for the sender. Because
  it is a connection of its own, a callback may send commands while the consumer is in the middle of a delivery,
  and a program may send commands without ever calling `run()`.

Nothing is declared on the broker: the institution's user has no `configure` permission, and the queue and exchange
exist before the institution is plugged in.
"""

from __future__ import annotations

import contextlib
import json
import logging
import random
import signal
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Mapping
from types import FrameType
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit

import pika
import pika.exceptions
from pika.adapters.blocking_connection import BlockingChannel
from pika.spec import Basic, BasicProperties

from cimer_institution._version import __version__
from cimer_institution.errors import AccessRefused, CommandNotDelivered, QueueNotFound
from cimer_institution.messages import (
    ApplicationAssigned,
    CommandAccepted,
    CommandRefused,
    MalformedMessage,
    Message,
    OtherMessage,
    parse_message,
)

__all__ = ["InstitutionClient"]

logger = logging.getLogger("cimer_institution")

QUEUE_PREFIX = "cimer.institution."
USER_PREFIX = "institution-"
OUTCOMES = ("positive", "negative")

F = TypeVar("F", bound=Callable[..., Any])

# Refusals that no retry can cure: wrong or rotated credentials, no access to the vhost.
_CREDENTIALS_REFUSED = (
    pika.exceptions.ProbableAuthenticationError,
    pika.exceptions.AuthenticationError,
    pika.exceptions.ProbableAccessDeniedError,
)


class _ConsumerLost(Exception):
    """The channel closed or the broker cancelled the consumer while the connection stayed up."""


# What makes `run()` reconnect rather than give up.
_RECOVERABLE = (pika.exceptions.AMQPConnectionError, pika.exceptions.AMQPChannelError, _ConsumerLost, OSError)


def _institution_code(queue: str, username: str) -> str:
    for prefix, name in ((QUEUE_PREFIX, queue), (USER_PREFIX, username)):
        if name.startswith(prefix) and len(name) > len(prefix):
            return name[len(prefix) :]
    raise ValueError(
        f"cannot tell the institution's code from queue {queue!r} or user {username!r}: pass institution=..."
    )


def _describe(message: Message) -> str:
    """How a message is named in the logs: never its body or the applicant (personal data)."""
    if isinstance(message, ApplicationAssigned):
        return f"application_assigned {message.tracking_number} (message_id {message.message_id})"
    if isinstance(message, CommandAccepted | CommandRefused):
        return f"{message.TYPE} {message.code} for command {message.command_id}"
    return f"message of type {message.type!r}"


class InstitutionClient:
    """The institution's end of the bus. Register one callback per message type, then `run()`; send commands with
    `forward`, `return_`, `answer` and `extend` from anywhere (a callback, another thread, a script without `run()`).

    `amqp_uri`, `queue` and `commands_exchange` are what `cimer-institution plug CODE` printed
    (see `from_plug_output`). `institution` defaults to the code in the queue's name (`cimer.institution.CODE`) or
    in the user's name (`institution-CODE`).
    """

    def __init__(
        self,
        amqp_uri: str,
        queue: str,
        commands_exchange: str,
        institution: str | None = None,
        *,
        prefetch_count: int = 10,
        heartbeat: int = 30,
        connection_name: str | None = None,
        retry_delay: float = 1.0,
        reconnect_delay: float = 0.5,
        reconnect_max_delay: float = 30.0,
        publish_attempts: int = 3,
        remember_message_ids: int = 10_000,
        handle_signals: bool = True,
    ) -> None:
        parameters = pika.URLParameters(amqp_uri)  # fails early on a URI that is not one
        self._amqp_uri = amqp_uri
        self._heartbeat_in_uri = "heartbeat" in parse_qs(urlsplit(amqp_uri).query)
        self.username: str = parameters.credentials.username
        self.queue = queue
        self.commands_exchange = commands_exchange
        self.institution = institution or _institution_code(queue, self.username)
        if any(character in self.institution for character in ".*#") or not self.institution.strip():
            raise ValueError(f"not an institution code: {self.institution!r}")
        self.connection_name = connection_name or f"cimer-institution-client {self.institution}"
        self.prefetch_count = prefetch_count
        self.heartbeat = heartbeat
        self.retry_delay = retry_delay
        self.reconnect_delay = reconnect_delay
        self.reconnect_max_delay = reconnect_max_delay
        self.publish_attempts = max(1, publish_attempts)
        self.handle_signals = handle_signals

        self._handlers: dict[type, Callable[[Any], object]] = {}
        self._stop_requested = threading.Event()
        self._run_lock = threading.Lock()
        self._consumer: pika.BlockingConnection | None = None
        self._failures = 0
        # A bounded memory of handled assignments: a redelivery after a lost ack is acknowledged, not handled twice.
        self._handled: OrderedDict[str, None] = OrderedDict()
        self._remember = remember_message_ids
        self._publish_lock = threading.Lock()
        self._publisher: pika.BlockingConnection | None = None
        self._publisher_channel: BlockingChannel | None = None

    @classmethod
    def from_plug_output(cls, plug: str | bytes | Mapping[str, Any], **options: Any) -> InstitutionClient:
        """A client from the JSON that `cimer-institution plug CODE` printed (text or already parsed); `options` are
        the keyword arguments of the constructor."""
        if isinstance(plug, str | bytes):
            try:
                plug = json.loads(plug)
            except ValueError:
                raise ValueError("the plug output is not JSON") from None
        if not isinstance(plug, Mapping):
            raise ValueError("the plug output is not a JSON object")
        missing = [key for key in ("amqp_uri", "queue", "commands_exchange") if not plug.get(key)]
        if missing:
            raise ValueError(f"the plug output lacks {', '.join(missing)}")
        return cls(plug["amqp_uri"], plug["queue"], plug["commands_exchange"], plug.get("institution"), **options)

    def __repr__(self) -> str:
        return f"<InstitutionClient {self.institution} queue={self.queue!r} user={self.username!r}>"

    # Callbacks -----------------------------------------------------------------------------------------------------

    def on_application_assigned(self, fn: F) -> F:
        """`fn(ApplicationAssigned)`: the institution holds an application now. Required before `run()`."""
        self._handlers[ApplicationAssigned] = fn
        return fn

    def on_command_accepted(self, fn: F) -> F:
        """`fn(CommandAccepted)`: the system acted on one of our commands."""
        self._handlers[CommandAccepted] = fn
        return fn

    def on_command_refused(self, fn: F) -> F:
        """`fn(CommandRefused)`: the system refused one of our commands."""
        self._handlers[CommandRefused] = fn
        return fn

    def on_other_message(self, fn: F) -> F:
        """`fn(OtherMessage)`: a message type this version does not know. Without it, such messages are logged and
        acknowledged."""
        self._handlers[OtherMessage] = fn
        return fn

    # Consuming -----------------------------------------------------------------------------------------------------

    @property
    def consumer_connection_name(self) -> str:
        """The name the consumer's connection shows in the broker (`rabbitmqctl list_connections client_properties`)."""
        return f"{self.connection_name}/consumer"

    @property
    def publisher_connection_name(self) -> str:
        return f"{self.connection_name}/publisher"

    def run(self) -> None:
        """Consume the queue until `stop()`, SIGTERM or SIGINT; reconnect whenever the broker goes away.

        Raises `AccessRefused` (credentials or permissions refused) and `QueueNotFound` (not plugged in): retrying
        cannot cure those. A `stop()` that comes before `run()` makes it return at once."""
        if ApplicationAssigned not in self._handlers:
            # Acknowledging assignments nobody handles would lose them.
            raise RuntimeError("register a callback with on_application_assigned before run()")
        if not self._run_lock.acquire(blocking=False):
            raise RuntimeError("run() is already running")
        restore_signals = self._install_signal_handlers()
        try:
            while not self._stop_requested.is_set():
                try:
                    self._consume()
                except _RECOVERABLE as exc:
                    if self._stop_requested.is_set():
                        break
                    delay = self._backoff(self._failures)
                    self._failures += 1
                    logger.warning("lost the broker (%r): reconnecting in %.1f s", exc, delay)
                    self._stop_requested.wait(delay)
        finally:
            restore_signals()
            with self._publish_lock:
                self._discard_publisher()
            self._stop_requested.clear()
            self._run_lock.release()
        logger.info("stopped consuming %s", self.queue)

    def stop(self) -> None:
        """End `run()` cleanly: from another thread, a callback or a signal handler. The message being handled is
        finished and acknowledged; those not yet handled go back to the queue."""
        self._stop_requested.set()
        connection = self._consumer
        if connection is not None:
            # Wakes process_data_events() now rather than at its next time limit.
            with contextlib.suppress(pika.exceptions.AMQPError, OSError):
                connection.add_callback_threadsafe(lambda: None)

    def close(self) -> None:
        """Stop consuming, if running, and close the publishing connection."""
        if self._run_lock.locked():  # a stop() with nothing running would end the next run() at once
            self.stop()
        with self._publish_lock:
            self._discard_publisher()

    def __enter__(self) -> InstitutionClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _install_signal_handlers(self) -> Callable[[], None]:
        if not self.handle_signals or threading.current_thread() is not threading.main_thread():
            return lambda: None
        signals = (signal.SIGTERM, signal.SIGINT)
        previous = {sig: signal.getsignal(sig) for sig in signals}

        def restore() -> None:
            for sig, handler in previous.items():
                signal.signal(sig, handler if handler is not None else signal.SIG_DFL)

        def on_signal(signum: int, _frame: FrameType | None) -> None:
            logger.info("%s: stopping", signal.Signals(signum).name)
            restore()  # a second Ctrl-C acts as it did before run()
            self.stop()

        for sig in signals:
            signal.signal(sig, on_signal)
        return restore

    def _backoff(self, failures: int) -> float:
        ceiling = min(self.reconnect_max_delay, self.reconnect_delay * 2**failures)
        return random.uniform(ceiling / 2, ceiling)  # noqa: S311 - jitter spreads reconnections, it is not a secret

    def _parameters(self, role: str) -> pika.URLParameters:
        parameters = pika.URLParameters(self._amqp_uri)
        if not self._heartbeat_in_uri:
            parameters.heartbeat = self.heartbeat
        parameters.connection_attempts = 1  # run() and _publish() retry with back-off themselves
        if role == "publisher":
            # A broker that blocks publishers (memory or disk alarm) must not hang a caller forever.
            parameters.blocked_connection_timeout = 60
        parameters.client_properties = {
            "connection_name": f"{self.connection_name}/{role}",
            "information": f"cimer-institution-client {__version__}",
        }
        return parameters

    def _consume(self) -> None:
        try:
            connection = pika.BlockingConnection(self._parameters("consumer"))
        except _CREDENTIALS_REFUSED as exc:
            raise AccessRefused(f"the broker refused the credentials of {self.username!r}: {exc!r}") from exc
        self._consumer = connection
        try:
            channel = connection.channel()
            channel.basic_qos(prefetch_count=self.prefetch_count)
            cancelled: list[object] = []
            channel.add_on_cancel_callback(cancelled.append)
            try:
                channel.basic_consume(self.queue, self._on_delivery)
            except pika.exceptions.ChannelClosedByBroker as exc:
                if exc.reply_code == 403:
                    raise AccessRefused(f"{self.username!r} may not read {self.queue!r}: {exc.reply_text}") from exc
                if exc.reply_code == 404:
                    raise QueueNotFound(f"no queue {self.queue!r}: is the institution plugged in?") from exc
                raise
            logger.info("consuming %s as %s", self.queue, self.username)
            self._failures = 0
            keepalive_at = time.monotonic()
            while not self._stop_requested.is_set():
                connection.process_data_events(time_limit=1)
                # A closed channel or a cancelled consumer does not raise from process_data_events().
                if cancelled:
                    raise _ConsumerLost("the broker cancelled the consumer")
                if not channel.is_open:
                    raise _ConsumerLost("the broker closed the channel")
                if time.monotonic() >= keepalive_at:
                    self._keep_publisher_alive()
                    keepalive_at = time.monotonic() + max(1, self.heartbeat // 2)
        finally:
            self._consumer = None
            if connection.is_open:
                with contextlib.suppress(pika.exceptions.AMQPError, OSError):
                    connection.close()  # what is not acknowledged goes back to the queue

    def _on_delivery(
        self, channel: BlockingChannel, method: Basic.Deliver, properties: BasicProperties, body: bytes
    ) -> None:
        tag = method.delivery_tag
        if self._stop_requested.is_set():
            channel.basic_nack(tag, requeue=True)  # stopping: hand it back rather than start on it
            return
        try:
            message = parse_message(body)
        except MalformedMessage as exc:
            logger.error(
                "dropping a malformed message (AMQP message_id %s, %d bytes): %s", properties.message_id, len(body), exc
            )
            channel.basic_nack(tag, requeue=False)  # requeued, it would come back forever
            return
        if isinstance(message, ApplicationAssigned) and message.message_id in self._handled:
            logger.info("%s was handled already: acknowledging the redelivery", _describe(message))
            channel.basic_ack(tag)
            return
        handler = self._handlers.get(type(message))
        if handler is None:
            logger.info("no callback for %s: acknowledged", _describe(message))
            channel.basic_ack(tag)
            return
        try:
            handler(message)
        except Exception:
            logger.exception(
                "the callback for %s failed: it comes back in %.1f s", _describe(message), self.retry_delay
            )
            # Later, not now: an immediate requeue would spin on a failure that lasts (a database down).
            channel.connection.call_later(self.retry_delay, lambda: self._requeue(channel, tag))
            return
        channel.basic_ack(tag)
        if isinstance(message, ApplicationAssigned) and self._remember > 0:
            self._handled[message.message_id] = None
            while len(self._handled) > self._remember:
                self._handled.popitem(last=False)

    @staticmethod
    def _requeue(channel: BlockingChannel, tag: int) -> None:
        if channel.is_open:  # otherwise the broker requeued it when the channel closed
            channel.basic_nack(tag, requeue=True)

    # Commands ------------------------------------------------------------------------------------------------------

    def forward(
        self,
        tracking_number: str,
        to_institution: str,
        note: str | None = None,
        command_id: str | uuid.UUID | None = None,
    ) -> str:
        """Send the application on to `to_institution` (along the hierarchy's edges only). Returns the command_id."""
        return self._send("forward", command_id, tracking_number, to_institution=to_institution, note=note)

    def return_(self, tracking_number: str, note: str | None = None, command_id: str | uuid.UUID | None = None) -> str:
        """Send the application back to the institution it came from. Returns the command_id."""
        return self._send("return", command_id, tracking_number, note=note)

    def answer(self, tracking_number: str, outcome: str, text: str, command_id: str | uuid.UUID | None = None) -> str:
        """Answer the applicant: `outcome` is "positive" or "negative", `text` what they read. Returns the
        command_id."""
        if outcome not in OUTCOMES:
            raise ValueError(f"outcome must be 'positive' or 'negative', not {outcome!r}")
        return self._send("answer", command_id, tracking_number, outcome=outcome, text=text)

    def extend(self, tracking_number: str, reason: str, command_id: str | uuid.UUID | None = None) -> str:
        """Extend an information request's deadline (once). Returns the command_id."""
        return self._send("extend", command_id, tracking_number, reason=reason)

    def _send(self, action: str, command_id: str | uuid.UUID | None, tracking_number: str, **fields: Any) -> str:
        if command_id is None:
            command_id = str(uuid.uuid4())
        elif isinstance(command_id, uuid.UUID):
            command_id = str(command_id)
        elif not isinstance(command_id, str) or not command_id:
            raise ValueError(f"not a command_id: {command_id!r}")
        body = {"command_id": command_id, "tracking_number": tracking_number, **fields}
        self._publish(action, command_id, body)
        return command_id

    def _publish(self, action: str, command_id: str, body: Mapping[str, Any]) -> None:
        routing_key = f"{self.institution}.{action}"
        where = f"command {command_id} ({routing_key} on {self.commands_exchange!r})"
        payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
        properties = BasicProperties(
            content_type="application/json",
            delivery_mode=pika.DeliveryMode.Persistent,
            user_id=self.username,  # the broker checks it is ours: the system trusts no command without it
            message_id=command_id,
            app_id=f"cimer-institution-client/{__version__}",
            timestamp=int(time.time()),
        )
        last_error: Exception | None = None
        for attempt in range(self.publish_attempts):
            if attempt:
                time.sleep(self._backoff(attempt - 1))
            with self._publish_lock:
                try:
                    channel = self._publishing_channel()
                    channel.basic_publish(self.commands_exchange, routing_key, payload, properties, mandatory=True)
                except pika.exceptions.UnroutableError:
                    raise CommandNotDelivered(f"{where} was returned: no queue takes it", command_id) from None
                except pika.exceptions.NackError:
                    raise CommandNotDelivered(f"{where} was refused by the broker (nack)", command_id) from None
                except pika.exceptions.ChannelClosedByBroker as exc:
                    # 404: no such exchange; 403: not ours to publish to; 406: user_id is not the connection's user.
                    self._publisher_channel = None
                    raise CommandNotDelivered(
                        f"{where} was refused by the broker: {exc.reply_code} {exc.reply_text}", command_id
                    ) from None
                except _CREDENTIALS_REFUSED as exc:
                    self._discard_publisher()
                    raise CommandNotDelivered(
                        f"{where}: the broker refused our credentials: {exc!r}", command_id
                    ) from exc
                except (pika.exceptions.AMQPError, OSError) as exc:
                    # Safe to send again: the system acts on a command_id once, even if the first one got through.
                    self._discard_publisher()
                    last_error = exc
                    logger.warning("%s: %r (attempt %d of %d)", where, exc, attempt + 1, self.publish_attempts)
                    continue
            logger.info("sent %s", where)
            return
        raise CommandNotDelivered(
            f"{where} could not be sent after {self.publish_attempts} attempts: {last_error!r}", command_id
        ) from last_error

    def _publishing_channel(self) -> BlockingChannel:
        if self._publisher is None or not self._publisher.is_open:
            self._discard_publisher()
            self._publisher = pika.BlockingConnection(self._parameters("publisher"))
        if self._publisher_channel is None or not self._publisher_channel.is_open:
            channel = self._publisher.channel()
            channel.confirm_delivery()
            self._publisher_channel = channel
        return self._publisher_channel

    def _keep_publisher_alive(self) -> None:
        """Answer the publisher's heartbeats while `run()` waits, so an idle publisher is not closed by the broker."""
        if not self._publish_lock.acquire(blocking=False):
            return  # a command is being sent on it right now
        try:
            if self._publisher is not None and self._publisher.is_open:
                self._publisher.process_data_events(0)
        except (pika.exceptions.AMQPError, OSError):
            self._discard_publisher()  # the next command opens a fresh one
        finally:
            self._publish_lock.release()

    def _discard_publisher(self) -> None:
        connection, self._publisher, self._publisher_channel = self._publisher, None, None
        if connection is not None and connection.is_open:
            with contextlib.suppress(pika.exceptions.AMQPError, OSError):
                connection.close()
