"""The client against the real RabbitMQ: consuming, acknowledging, commands, failures, reconnection, stopping."""

import queue
import threading
import time
import uuid

import pytest

from cimer_institution import (
    ApplicationAssigned,
    CommandAccepted,
    CommandNotDelivered,
    CommandRefused,
    OtherMessage,
    QueueNotFound,
)


def test_an_assignment_reaches_its_callback_typed_and_is_acknowledged(bus, make_client, run_client, make_assignment):
    client = make_client()
    received = queue.Queue()
    client.on_application_assigned(received.put)

    with run_client(client):
        bus.publish(make_assignment(message_id="m-1", tracking_number="2025-000042"))
        message = received.get(timeout=5)

    assert isinstance(message, ApplicationAssigned)
    assert (message.message_id, message.tracking_number) == ("m-1", "2025-000042")
    assert bus.depth() == 0  # acknowledged: closing the connection did not requeue it


def test_outcomes_and_unknown_types_reach_their_callbacks(bus, make_client, run_client, make_assignment):
    client = make_client()
    received = queue.Queue()
    for register in (client.on_application_assigned, client.on_command_accepted, client.on_command_refused):
        register(received.put)
    client.on_other_message(received.put)

    with run_client(client):
        bus.publish({"type": "command_accepted", "command_id": "c-1", "code": "forwarded", "message": "Gönderildi."})
        bus.publish({"type": "command_refused", "command_id": "c-2", "code": "forbidden", "message": "Sizde değil."})
        bus.publish({"type": "deadline_near", "tracking_number": "2025-000001"})
        messages = [received.get(timeout=5) for _ in range(3)]

    assert [type(message) for message in messages] == [CommandAccepted, CommandRefused, OtherMessage]
    assert messages[1].code == "forbidden"
    assert bus.depth() == 0


def test_messages_without_a_callback_are_acknowledged(bus, make_client, run_client, make_assignment):
    client = make_client()
    received = queue.Queue()
    client.on_application_assigned(received.put)

    with run_client(client):
        bus.publish({"type": "deadline_near"})
        bus.publish({"type": "command_accepted", "command_id": "c", "code": "answered", "message": "Cevaplandı."})
        bus.publish(make_assignment(message_id="m-last"))
        assert received.get(timeout=5).message_id == "m-last"  # so the two before it have been dealt with
    assert bus.depth() == 0


def test_a_failing_callback_gets_the_message_again(bus, make_client, run_client, make_assignment):
    client = make_client()
    calls = queue.Queue()
    failures = [RuntimeError("the case database is down")]

    @client.on_application_assigned
    def flaky(message):
        calls.put(message.message_id)
        if failures:
            raise failures.pop()

    with run_client(client):
        bus.publish(make_assignment(message_id="m-flaky"))
        assert [calls.get(timeout=5), calls.get(timeout=5)] == ["m-flaky", "m-flaky"]
    assert bus.depth() == 0


def test_a_malformed_message_is_dropped_and_the_next_one_arrives(bus, make_client, run_client, make_assignment):
    client = make_client()
    received = queue.Queue()
    client.on_application_assigned(received.put)

    with run_client(client):
        bus.publish(b"{not json")
        bus.publish({"type": "application_assigned", "message_id": "m-broken"})  # required fields missing
        bus.publish(make_assignment(message_id="m-good"))
        assert received.get(timeout=5).message_id == "m-good"
        assert received.empty()
    assert bus.depth() == 0  # the broken ones were not requeued


def test_a_redelivered_assignment_is_handled_once(bus, make_client, run_client, make_assignment):
    client = make_client()
    received = queue.Queue()
    client.on_application_assigned(received.put)
    message = make_assignment()

    with run_client(client):
        bus.publish(message)
        bus.publish(message)  # the same message_id, as after an acknowledgement lost with a connection
        bus.publish(make_assignment(message_id="m-after"))
        assert [received.get(timeout=5).message_id for _ in range(2)] == [message["message_id"], "m-after"]
    assert bus.depth() == 0


@pytest.mark.parametrize(
    ("send", "action", "fields"),
    [
        (
            lambda client: client.forward("2025-000001", "PD-06-SAGLIK", "İl müdürlüğüne."),
            "forward",
            {"to_institution": "PD-06-SAGLIK", "note": "İl müdürlüğüne."},
        ),
        (lambda client: client.forward("2025-000001", "GOV-06"), "forward", {"to_institution": "GOV-06", "note": None}),
        (lambda client: client.return_("2025-000001", "Yanlış kurum."), "return", {"note": "Yanlış kurum."}),
        (
            lambda client: client.answer("2025-000001", "negative", "Talebiniz karşılanamamaktadır."),
            "answer",
            {"outcome": "negative", "text": "Talebiniz karşılanamamaktadır."},
        ),
        (
            lambda client: client.extend("2025-000001", "Başka kurumdan bilgi bekleniyor."),
            "extend",
            {"reason": "Başka kurumdan bilgi bekleniyor."},
        ),
    ],
)
def test_each_command_is_published_as_the_system_expects(bus, make_client, send, action, fields):
    client = make_client()

    command_id = send(client)

    command = bus.next_command()
    assert uuid.UUID(command_id).version == 4
    assert command.routing_key == f"MIN-TEST.{action}"
    assert command.body == {"command_id": command_id, "tracking_number": "2025-000001", **fields}
    assert command.properties.user_id == "guest"
    assert command.properties.content_type == "application/json"
    assert command.properties.delivery_mode == 2
    assert command.properties.message_id == command_id


def test_a_given_command_id_is_sent_as_is(bus, make_client):
    client = make_client()
    given = uuid.uuid4()

    assert client.answer("2025-000001", "positive", "Gereği yapılmıştır.", command_id=given) == str(given)
    assert client.answer("2025-000001", "positive", "Gereği yapılmıştır.", command_id="retry-1") == "retry-1"

    assert [bus.next_command().body["command_id"] for _ in range(2)] == [str(given), "retry-1"]


def test_commands_from_a_callback_and_from_another_thread(bus, make_client, run_client, make_assignment):
    client = make_client()

    @client.on_application_assigned
    def work(message):
        client.forward(message.tracking_number, "PD-06-SAGLIK", command_id=f"from-callback-{message.message_id}")

    with run_client(client):
        bus.publish(make_assignment(message_id="m-1"))
        other = threading.Thread(target=lambda: client.extend("2025-000009", "Ek süre.", command_id="from-thread"))
        other.start()
        other.join(5)
        ids = {bus.next_command().body["command_id"] for _ in range(2)}
    assert ids == {"from-callback-m-1", "from-thread"}


def test_a_command_to_an_exchange_that_does_not_exist_is_not_delivered(bus, make_client):
    client = make_client()
    client.commands_exchange = f"test.missing.{bus.id}"

    with pytest.raises(CommandNotDelivered, match="404") as refused:
        client.forward("2025-000001", "GOV-06", command_id="c-404")
    assert refused.value.command_id == "c-404"


def test_an_unroutable_command_is_not_delivered_and_the_client_recovers(bus, make_client):
    client = make_client()
    client.commands_exchange = bus.empty_exchange

    with pytest.raises(CommandNotDelivered, match="returned"):
        client.return_("2025-000001")

    bus.channel.queue_bind(bus.observed, bus.empty_exchange, "#")
    command_id = client.return_("2025-000001")
    assert bus.next_command().body["command_id"] == command_id


def test_the_publisher_reconnects_when_the_broker_closes_it(bus, make_client, close_connection_named, caplog):
    client = make_client()
    client.extend("2025-000001", "Önce.")
    bus.next_command()

    close_connection_named(client.publisher_connection_name)
    command_id = client.extend("2025-000001", "Sonra.")

    assert bus.next_command().body == {"command_id": command_id, "tracking_number": "2025-000001", "reason": "Sonra."}
    assert "attempt 1 of 3" in caplog.text  # the first try met the closed connection, the second a new one


def test_the_consumer_reconnects_when_the_broker_closes_it(
    bus, make_client, run_client, make_assignment, close_connection_named, caplog
):
    client = make_client()
    received = queue.Queue()
    client.on_application_assigned(received.put)

    with run_client(client):
        bus.publish(make_assignment(message_id="m-before"))
        assert received.get(timeout=5).message_id == "m-before"

        close_connection_named(client.consumer_connection_name)
        bus.publish(make_assignment(message_id="m-after"))

        assert received.get(timeout=5).message_id == "m-after"
    assert "lost the broker" in caplog.text and "CONNECTION_FORCED" in caplog.text


def test_stop_ends_run_from_another_thread(bus, make_client, run_client, wait_until):
    client = make_client()
    client.on_application_assigned(lambda message: None)

    with run_client(client) as runner:
        started = time.monotonic()
        runner.stop()
        assert time.monotonic() - started < 1
    assert bus.consumers() == 0
    # The client can run again once stopped.
    with run_client(client):
        pass


def test_stop_from_a_callback_hands_back_what_is_not_handled(bus, make_client, run_client, make_assignment):
    client = make_client(prefetch_count=10)
    received = queue.Queue()

    @client.on_application_assigned
    def first_only(message):
        received.put(message.message_id)
        client.stop()

    with run_client(client) as runner:
        for number in range(3):
            bus.publish(make_assignment(message_id=f"m-{number}"))
        runner.thread.join(5)
        assert not runner.thread.is_alive()
    assert received.get(timeout=1) == "m-0" and received.empty()
    assert bus.depth() == 2  # the two not handled wait in the queue


def test_a_queue_that_does_not_exist_ends_run(bus, make_client):
    client = make_client()
    client.queue = f"test.unplugged.{bus.id}"
    client.on_application_assigned(lambda message: None)

    with pytest.raises(QueueNotFound):
        client.run()
