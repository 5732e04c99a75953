"""The outbox relay publishes in batches and waits once for the broker's confirms (`bus.ConfirmedBatchPublisher`):
on the real RabbitMQ, every message confirmed is in its queue, an unroutable one is never counted as published,
and a connection the broker closed is made again for the next batch."""

from __future__ import annotations

import json
import uuid

import pytest
from kombu import Connection, Exchange, Queue
from sqlalchemy import create_engine, func, select

from cimer_common import broker
from cimer_common.bus import ConfirmedBatchPublisher, Outgoing
from cimer_common.outbox import consumer_queue
from cimer_common.settings import get_settings
from cimer_common.testing import next_event, received_event

pytestmark = pytest.mark.interface

EXCHANGE = Exchange("cimer.test.relay", type="direct", durable=True)
QUEUE = Queue("cimer.test.relay.bound", exchange=EXCHANGE, routing_key="bound", durable=True)


@pytest.fixture
def bound_queue(amqp_uri):
    with Connection(amqp_uri) as connection:
        channel = connection.default_channel
        bound = QUEUE.bind(channel)
        bound.declare()
        bound.purge()
        yield bound
        bound.delete()
        EXCHANGE.bind(channel).delete()


def message(routing_key: str = "bound", mandatory: bool = True, n: int = 0) -> Outgoing:
    return Outgoing(
        body={"n": n}, exchange=EXCHANGE.name, routing_key=routing_key, message_id=str(uuid.uuid4()),
        mandatory=mandatory, headers={"n": n},
    )  # fmt: skip


def depth(queue) -> int:  # type: ignore[no-untyped-def]
    return int(queue.queue_declare(passive=True).message_count)


def test_a_batch_is_confirmed_whole_and_every_message_is_in_its_queue(amqp_uri, bound_queue):
    publisher = ConfirmedBatchPublisher(amqp_uri)
    batch = [message(n=n) for n in range(150)]
    try:
        assert publisher.publish(batch) == {m.message_id for m in batch}
        assert publisher.publish(batch[:3]) == {m.message_id for m in batch[:3]}  # the same connection again
    finally:
        publisher.close()
    assert depth(bound_queue) == 153
    first = next_event(amqp_uri, QUEUE.name)
    assert first == {"n": 0}  # JSON, in the order published


def test_an_unroutable_mandatory_message_is_not_confirmed_the_rest_are(amqp_uri, bound_queue):
    publisher = ConfirmedBatchPublisher(amqp_uri)
    before, lost, after = message(n=1), message(routing_key="nobody", n=2), message(n=3)
    loose = message(routing_key="nobody", mandatory=False, n=4)  # not mandatory: dropped by the broker, as asked
    try:
        confirmed = publisher.publish([before, lost, after, loose])
    finally:
        publisher.close()
    assert confirmed == {before.message_id, after.message_id, loose.message_id}
    assert depth(bound_queue) == 2


def test_after_the_broker_closes_the_connection_the_next_batch_opens_another(amqp_uri, bound_queue):
    publisher = ConfirmedBatchPublisher(amqp_uri)
    try:
        assert len(publisher.publish([message()])) == 1
        # The broker closes the channel on an error of ours (publishing to an exchange that does not exist):
        # that batch raises, and nothing in it counts as published.
        with pytest.raises(Exception, match="NOT_FOUND"):
            publisher.publish([Outgoing(body={}, exchange="cimer.test.none", routing_key="x", message_id="m")])
        assert len(publisher.publish([message(), message()])) == 2
    finally:
        publisher.close()
    assert depth(bound_queue) == 3


def test_the_relay_publishes_what_a_filing_staged_with_the_producer_s_identity(start_service, amqp_uri):
    """Through intake's real outbox: an application filed is published once on its event queues, as intake."""
    from nameko.testing.services import entrypoint_hook

    from intake.models import OutboxMessage
    from tests.interface.test_stack import PETITION, wait_until

    queue = consumer_queue("intake", "application_received", "routing.handle_application_received")
    intake = start_service("intake")
    with entrypoint_hook(intake, "file_application") as file_application:
        accepted = file_application(PETITION)
    engine = create_engine(get_settings().database_url("intake"))

    def published() -> bool:
        with engine.connect() as connection:
            waiting = connection.execute(
                select(func.count()).select_from(OutboxMessage).where(OutboxMessage.published_at.is_(None))
            ).scalar_one()
        return waiting == 0

    wait_until(published)
    engine.dispose()
    with Connection(amqp_uri) as connection:
        taken = connection.default_channel.basic_get(queue.name, no_ack=True)
    assert taken is not None
    assert taken.properties["user_id"] == broker.user_of("intake")
    assert taken.properties["message_id"]
    envelope = json.loads(taken.body)
    assert set(envelope) == set(received_event().model_dump(mode="json"))  # the envelope the consumers validate
    assert envelope["payload"]["tracking_number"] == accepted["tracking_number"]
