"""Quorum queues on the real broker: the delivery limit the system declares, and `cimer-broker migrate-queues`
turning a deployment's classic queues (as the versions before declared them) into quorum queues, nothing lost.

The migration runs in a vhost of its own, made and deleted here: the queues it migrates have the system's names."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import amqp
import pytest
from kombu import Connection, Exchange, Queue

from cimer_common import broker, queue_migration
from cimer_common.broker_admin import BrokerAdminError, Management, provision

VHOST = "cimer_test_queue_migration"
RPC = "rpc-intake"
EVENTS = "evt-intake-application_received--routing.handle_application_received"
DEAD = broker.dead_letter_queue("routing")
INSTITUTION = broker.institution_queue("GOV-06")


def test_a_message_returned_more_often_than_rabbitmq_4_allows_by_default_stays(amqp_uri: str) -> None:
    """A consumer puts a message back once a second for as long as an outage lasts; RabbitMQ 4 would drop it at
    its 20th return by default. The limit declared keeps it."""
    name = f"test.delivery-limit.{uuid.uuid4().hex[:8]}"
    with Connection(amqp_uri) as connection:
        queue = Queue(name, durable=True, queue_arguments=broker.QUEUE_ARGUMENTS)(connection.channel())
        queue.declare()
        try:
            connection.Producer().publish({"n": 1}, routing_key=name, exchange="")
            for returned in range(25):
                message = _get(queue)
                assert message is not None, f"dropped after {returned} returns"
                message.requeue()
            assert _get(queue).headers["x-delivery-count"] == 25
        finally:
            queue.delete()


def test_a_delivery_limit_of_minus_one_is_not_none_on_this_broker(amqp_uri: str) -> None:
    """Why the limit is a large number and not -1: RabbitMQ 3.10 drops the message at its first return."""
    name = f"test.delivery-limit.{uuid.uuid4().hex[:8]}"
    with Connection(amqp_uri) as connection:
        arguments = {"x-queue-type": "quorum", "x-delivery-limit": -1}
        queue = Queue(name, durable=True, queue_arguments=arguments)(connection.channel())
        queue.declare()
        try:
            connection.Producer().publish({"n": 1}, routing_key=name, exchange="")
            _get(queue).requeue()
            assert _get(queue, attempts=10) is None
        finally:
            queue.delete()


def _get(queue: Any, attempts: int = 50) -> Any:
    import time

    for _ in range(attempts):
        message = queue.get(no_ack=False)
        if message is not None:
            return message
        time.sleep(0.02)
    return None


# --- The migration -------------------------------------------------------------------------------------------


@pytest.fixture
def old_deployment(amqp_uri: str) -> Iterator[Management]:
    """A vhost as the version before this one left it: the system's queues classic, bound as they were, the
    components' users able to publish there."""
    base = Management(amqp_uri)
    base._call("DELETE", f"vhosts/{VHOST}", ok=(204, 404))
    base._call("PUT", f"vhosts/{VHOST}")
    base._call(
        "PUT", f"permissions/{VHOST}/{quote(base.auth[0], safe='')}", {"configure": ".*", "write": ".*", "read": ".*"}
    )
    uri = amqp_uri.rsplit("/", 1)[0] + f"/{VHOST}"
    with Connection(uri) as connection:
        channel = connection.channel()
        rpc, events = Exchange("nameko-rpc", "topic", durable=True), Exchange("intake.events", "topic", durable=True)
        dead = Exchange(broker.DEAD_LETTER_EXCHANGE, "topic", durable=True)
        institutions = Exchange(broker.INSTITUTIONS_EXCHANGE, "direct", durable=True)
        for queue in (
            Queue(RPC, rpc, routing_key="intake.*", durable=True),
            Queue(EVENTS, events, routing_key="application_received", durable=True),
            Queue(DEAD, dead, routing_key="routing", durable=True),
            Queue(INSTITUTION, institutions, routing_key="GOV-06", durable=True),
        ):
            queue(channel).declare()
        # A binding the system does not make itself (an operator's): kept by the migration all the same.
        channel.queue_bind(INSTITUTION, broker.INSTITUTIONS_EXCHANGE, "GOV-06.legacy")
    management = Management(uri)
    provision(management)  # the components' users, in this vhost too (the classic dead letters stay as they are)
    try:
        yield management
    finally:
        base._call("DELETE", f"vhosts/{VHOST}", ok=(204, 404))


def _publish(management: Management, component: str, exchange: str, routing_key: str, body: dict[str, Any]) -> None:
    """As `component` itself (its `user_id`, which the broker checks), persistent, with headers and an id."""
    with Connection(broker.component_uri(component, management.amqp_uri)) as connection:
        connection.Producer().publish(
            body,
            exchange=exchange,
            routing_key=routing_key,
            user_id=broker.user_of(component),
            message_id=body["id"],
            headers={"nameko.correlation_id": body["id"]},
            delivery_mode=2,
            serializer="json",
        )


def _fill(management: Management) -> dict[str, list[str]]:
    sent: dict[str, list[str]] = {RPC: [], EVENTS: [], INSTITUTION: []}
    for n in range(30):
        for component, exchange, key, queue in (
            ("gateway", "nameko-rpc", "intake.file_application", RPC),
            ("intake", "intake.events", "application_received", EVENTS),
            ("routing", broker.INSTITUTIONS_EXCHANGE, "GOV-06", INSTITUTION),
        ):
            message_id = f"{queue}-{n}"
            _publish(management, component, exchange, key, {"id": message_id, "n": n})
            sent[queue].append(message_id)
    return sent


def _drain(management: Management, queue: str) -> list[amqp.Message]:
    uri = management.amqp_uri.replace("pyamqp://", "amqp://")
    with Connection(uri) as connection:
        channel = connection.default_channel
        found = []
        while (message := channel.basic_get(queue, no_ack=True)) is not None:
            found.append(message)
        return found


def test_classic_queues_become_quorum_with_every_message_as_it_was(old_deployment: Management) -> None:
    management = old_deployment
    sent = _fill(management)
    with Connection(broker.component_uri("gateway", management.amqp_uri)) as connection:
        # A request its caller waits for only 10 s: dropped, not given a new 10 s after its caller heard 503.
        connection.Producer().publish(
            {"id": "waited"}, exchange="nameko-rpc", routing_key="intake.file_application", expiration=10,
            user_id=broker.user_of("gateway"), message_id="waited", serializer="json",
        )  # fmt: skip
    before = {name: management.bindings(name) for name in (RPC, EVENTS, DEAD, INSTITUTION)}
    assert set(queue_migration.pending(management)) == {RPC, EVENTS, DEAD, INSTITUTION}

    migrated = queue_migration.migrate(management)

    assert {m.queue: m.messages for m in migrated} == {RPC: 30, EVENTS: 30, DEAD: 0, INSTITUTION: 30}
    assert {m.queue: m.expired_requests for m in migrated} == {RPC: 1, EVENTS: 0, DEAD: 0, INSTITUTION: 0}
    assert queue_migration.pending(management) == []
    names = {q["name"] for q in management.queues()}
    assert not any(name.endswith(queue_migration.STAND_IN_SUFFIX) for name in names)
    for name in (RPC, EVENTS, DEAD, INSTITUTION):
        queue = management.queue(name)
        assert queue is not None and queue["type"] == "quorum"
        assert queue["arguments"] == broker.QUEUE_ARGUMENTS
        assert _binding_keys(management.bindings(name)) == _binding_keys(before[name])
    gone = management.session.get(f"{management.url}/api/users/{queue_migration.MOVER}", auth=management.auth)
    assert gone.status_code == 404  # the mover is deleted
    for name, component in ((RPC, "gateway"), (EVENTS, "intake"), (INSTITUTION, "routing")):
        messages = _drain(management, name)
        # In order, each with the body, id, headers and sender it was published with.
        assert [m.properties["message_id"] for m in messages] == sent[name]
        assert all(m.properties["user_id"] == broker.user_of(component) for m in messages)
        assert all(
            m.properties["application_headers"]["nameko.correlation_id"] == m.properties["message_id"] for m in messages
        )
        assert [json.loads(m.body)["n"] for m in messages] == list(range(30))
        assert all(m.properties["delivery_mode"] == 2 for m in messages)
    # Bound as before: what is published now reaches the quorum queue.
    _publish(management, "intake", "intake.events", "application_received", {"id": "after", "n": 30})
    assert [m.properties["message_id"] for m in _drain(management, EVENTS)] == ["after"]
    # A second run finds nothing to do.
    assert queue_migration.migrate(management) == []


def test_a_queue_with_a_consumer_is_refused_and_nothing_changes(old_deployment: Management) -> None:
    management = old_deployment
    _fill(management)
    uri = management.amqp_uri
    with Connection(uri) as connection:
        channel = connection.channel()
        channel.basic_qos(0, 1, False)
        channel.basic_consume(EVENTS, callback=lambda *_: None)
        with pytest.raises(BrokerAdminError, match=EVENTS):
            queue_migration.migrate(management)
    for name in (RPC, EVENTS, INSTITUTION):
        queue = management.queue(name)
        assert queue is not None and queue["type"] == "classic"
        assert _count(management, name) == 30


def test_an_interrupted_migration_is_finished_by_the_next_run(old_deployment: Management) -> None:
    """Stopped after the messages went to the stand-in and the classic queue was deleted."""
    management = old_deployment
    sent = _fill(management)
    stand_in = EVENTS + queue_migration.STAND_IN_SUFFIX
    with queue_migration._mover(management, [EVENTS]) as mover:
        management.declare_queue(stand_in)
        for binding in management.bindings(EVENTS):  # and its bindings lost: cut off between unbind and bind
            if binding["source"]:
                management.unbind(binding)
        queue_migration._move_messages(mover, EVENTS, stand_in)
    management.delete_queue(EVENTS, if_empty=True)

    assert EVENTS in queue_migration.pending(management)
    queue_migration.migrate(management)

    assert management.queue(stand_in) is None
    assert management.queue(EVENTS)["type"] == "quorum"  # type: ignore[index]
    assert [m.properties["message_id"] for m in _drain(management, EVENTS)] == sent[EVENTS]
    # Bound again as the system binds it, though the run that was cut off lost the bindings it had seen.
    assert _binding_keys(management.bindings(EVENTS)) == {("intake.events", "application_received")}


def _binding_keys(bindings: list[dict[str, Any]]) -> set[tuple[str, str]]:
    return {(b["source"], b["routing_key"]) for b in bindings if b["source"]}


def _count(management: Management, name: str) -> int:
    with Connection(management.amqp_uri) as connection:
        return int(Queue(name, no_declare=True)(connection.channel()).queue_declare(passive=True).message_count)


RETIRED = "evt-intake-application_received--notification.handle_application_received"


def test_the_upgrade_unbinds_a_retired_consumers_queue_and_keeps_what_it_held(old_deployment: Management) -> None:
    """`cimer-broker migrate-queues` (`migrate`, then `retire`): notification's `application_received` queue, which
    an earlier version bound (classic, before that), is made quorum with what it holds, then unbound, so that what
    intake publishes from then on reaches routing alone; notification's retired consumer still applies the rest."""
    management = old_deployment
    assert RETIRED in broker.retired_queues() and broker.bindings_of(RETIRED) == []
    uri = management.amqp_uri
    with Connection(uri) as connection:
        events = Exchange("intake.events", "topic", durable=True)
        Queue(RETIRED, events, routing_key="application_received", durable=True)(connection.channel()).declare()
    for n in range(5):
        _publish(management, "intake", "intake.events", "application_received", {"id": f"before-{n}", "n": n})
    assert RETIRED in queue_migration.pending(management)

    queue_migration.migrate(management)
    assert queue_migration.retire(management) == [RETIRED]

    assert management.queue(RETIRED)["type"] == "quorum"  # type: ignore[index]
    assert _binding_keys(management.bindings(RETIRED)) == set()
    _publish(management, "intake", "intake.events", "application_received", {"id": "after", "n": 5})
    held = _drain(management, RETIRED)
    assert [m.properties["message_id"] for m in held] == [f"before-{n}" for n in range(5)]
    assert all(m.properties["user_id"] == broker.user_of("intake") for m in held)
    assert [m.properties["message_id"] for m in _drain(management, EVENTS)][-1] == "after"  # routing's, still bound
    assert queue_migration.retire(management) == []  # a second run finds nothing to do
