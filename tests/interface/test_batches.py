"""Events taken in batches (`@on_events`, `apply_batch_once`): many events, few transactions, each applied once,
a poisoned one holding back no other. On the real RabbitMQ and PostgreSQL, with reporting's real consumers."""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest
from kombu import Connection
from sqlalchemy import create_engine, text

from cimer_common import outbox
from cimer_common.outbox import consumer_queue
from cimer_common.settings import get_settings
from cimer_common.testing import first_assignment, next_event, publish, received_event, wait_until
from tests.interface.test_stack import seed_directory

pytestmark = pytest.mark.interface

QUEUE = consumer_queue("routing", "application_assigned", "reporting.handle_application_assigned")


def first_assignments(count: int) -> list[Any]:
    """New applications as reporting learns of them: each one's first assignment, carrying it as received."""
    return [first_assignment(received_event()) for _ in range(count)]


def waiting_queue(amqp_uri: str) -> None:
    """The consumer's queue, declared before the consumer runs, so what is published now waits there for it."""
    with Connection(amqp_uri) as connection:
        QUEUE.bind(connection.default_channel).declare()
        QUEUE.bind(connection.default_channel).purge()


def received_rows() -> dict[str, int]:
    """Reporting's read model: a row per application it has heard of."""
    engine = create_engine(get_settings().database_url("reporting"))
    with engine.begin() as connection:
        rows = connection.execute(text("SELECT application_id::text, count(*) FROM applications GROUP BY 1")).all()
    engine.dispose()
    return {application: count for application, count in rows}


def rows_when(condition):
    found = received_rows()
    return found if condition(found) else None


@pytest.fixture
def batch_sizes(monkeypatch):
    """The size of every batch the consumers mark processed (the first statement of each batch's transaction)."""
    sizes: list[int] = []
    original = outbox.first_deliveries

    def counting(session, model, events):
        sizes.append(len(events))
        return original(session, model, events)

    monkeypatch.setattr(outbox, "first_deliveries", counting)
    return sizes


def numbers(count: int, start: int = 0) -> list[str]:
    return [f"2600{i:08d}" for i in range(start, start + count)]


def test_events_waiting_in_the_queue_are_applied_in_batches_each_once(start_service, amqp_uri, batch_sizes):
    start_service("reporting", fresh_database=True).stop()  # an empty read model
    waiting_queue(amqp_uri)
    events = first_assignments(40)
    for event in events:
        publish(amqp_uri, event)
    [duplicate] = first_assignments(1)
    for _ in range(3):  # the same event three times, likely within one batch
        publish(amqp_uri, duplicate)

    start_service("reporting", fresh_database=False)
    rows = wait_until(lambda: rows_when(lambda found: len(found) == 41))
    assert set(rows) == {e.payload["application_id"] for e in [*events, duplicate]}
    assert sum(batch_sizes) == 43
    assert max(batch_sizes) > 1, batch_sizes  # fewer transactions than events
    assert len(batch_sizes) < 43


def test_a_poisoned_event_holds_back_no_other_and_is_applied_once_it_can_be(start_service, amqp_uri, monkeypatch):
    from reporting import handlers

    start_service("reporting", fresh_database=True).stop()
    waiting_queue(amqp_uri)
    events = first_assignments(10)
    poisoned = events[4].payload["application_id"]
    original = handlers.record_assignment
    failing = {"on": True}

    def record_assignment(session, payload):
        if str(payload.application_id) == poisoned and failing["on"]:
            raise RuntimeError("poisoned")
        return original(session, payload)

    monkeypatch.setattr(handlers, "record_assignment", record_assignment)
    for event in events:
        publish(amqp_uri, event)

    start_service("reporting", fresh_database=False)
    others = {e.payload["application_id"] for e in events} - {poisoned}
    wait_until(lambda: set(received_rows()) == others)  # the nine others, applied around it
    time.sleep(1.5)  # the poisoned one has come round again, and failed again
    assert poisoned not in received_rows()
    failing["on"] = False  # the fault is fixed: its message, back in the queue, is applied now
    rows = wait_until(lambda: rows_when(lambda found: poisoned in found))
    assert set(rows.values()) == {1} and len(rows) == 10


def test_a_poisoned_event_of_a_batch_applied_together_holds_back_no_other(start_service, amqp_uri, monkeypatch):
    """The same of a handler whose statements serve the whole batch (`apply_batch_together`, notification's first
    assignments): the batch fails, its events are applied one by one, the poisoned one goes back to the queue."""
    from notification import handlers

    queue = consumer_queue("routing", "application_assigned", "notification.handle_application_assigned")
    start_service("notification", fresh_database=True, NOTIFY_PAUSED="true").stop()
    with Connection(amqp_uri) as connection:
        queue.bind(connection.default_channel).declare()
        queue.bind(connection.default_channel).purge()
    events = first_assignments(10)
    poisoned = events[4].payload["application_id"]
    original = handlers.record_assignments
    failing = {"on": True}

    def record_assignments(session, payloads):
        if failing["on"] and poisoned in {str(payload.application_id) for payload in payloads}:
            raise RuntimeError("poisoned")
        return original(session, payloads)

    monkeypatch.setattr(handlers, "record_assignments", record_assignments)
    for event in events:
        publish(amqp_uri, event)

    def known() -> set[str]:
        engine = create_engine(get_settings().database_url("notification"))
        with engine.begin() as connection:
            found = {row[0] for row in connection.execute(text("SELECT application_id::text FROM assignments"))}
        engine.dispose()
        return found

    start_service("notification", fresh_database=False, NOTIFY_PAUSED="true")
    others = {e.payload["application_id"] for e in events} - {poisoned}
    wait_until(lambda: known() == others)
    failing["on"] = False
    wait_until(lambda: poisoned in known())


def test_what_each_event_of_a_batch_causes_carries_that_events_own_correlation_id(start_service, amqp_uri, caplog):
    # Routing assigns a batch of received applications; each assignment it announces is followed back to the
    # request of its own application, not to the batch's first.
    start_service("routing", fresh_database=True).stop()
    seed_directory()
    received = consumer_queue("intake", "application_received", "routing.handle_application_received")
    assigned = consumer_queue("routing", "application_assigned", "intake.handle_application_assigned")
    with Connection(amqp_uri) as connection:
        for queue in (received, assigned):
            queue.bind(connection.default_channel).declare()
            queue.bind(connection.default_channel).purge()
    sent = {number: f"request-{number}" for number in numbers(6, start=200)}
    for number, correlation_id in sent.items():
        event = received_event(tracking_number=number).model_copy(update={"correlation_id": correlation_id})
        publish(amqp_uri, event)

    start_service("routing", fresh_database=False)
    announced = [next_event(amqp_uri, assigned.name, timeout=15) for _ in sent]
    assert {a["payload"]["tracking_number"]: a["correlation_id"] for a in announced} == sent
    time.sleep(0.5)
    # And the batch's worker ended well: a failure after the commit would send every message round again.
    assert not [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


def test_event_batch_max_of_one_applies_a_message_per_transaction(start_service, amqp_uri, batch_sizes, monkeypatch):
    monkeypatch.setenv("EVENT_BATCH_MAX", "1")  # the operator's way back to one message each, and the benchmark's
    start_service("reporting", fresh_database=True).stop()
    waiting_queue(amqp_uri)
    events = first_assignments(12)
    for event in events:
        publish(amqp_uri, event)
    start_service("reporting", fresh_database=False)
    wait_until(lambda: rows_when(lambda found: len(found) == 12))
    assert batch_sizes == [1] * 12


def test_two_consumers_share_a_queue_and_apply_each_event_once_even_when_one_dies(start_service, amqp_uri):
    """Competing consumers (a second process of a service, `CIMER_CONCURRENCY`): the broker shares routing's queue
    between two; one killed with batches in hand loses nothing and has nothing applied twice, because what it had
    not acked goes to the other, which recognises what was already applied."""
    start_service("routing", fresh_database=True).stop()
    seed_directory()
    received = consumer_queue("intake", "application_received", "routing.handle_application_received")
    with Connection(amqp_uri) as connection:
        received.bind(connection.default_channel).declare()
        received.bind(connection.default_channel).purge()
    events = [received_event(tracking_number=number) for number in numbers(300, start=1000)]
    for event in events:
        publish(amqp_uri, event)

    first = start_service("routing", fresh_database=False)
    start_service("routing", fresh_database=False)
    with Connection(amqp_uri) as connection:
        assert received.bind(connection.default_channel).queue_declare(passive=True).consumer_count == 2
    engine = create_engine(get_settings().database_url("routing"))

    def assignments() -> dict[str, int]:
        with engine.begin() as connection:
            rows = connection.execute(
                text("SELECT application_id::text, count(*) FROM assignment_history GROUP BY 1")
            ).all()
        return {application: count for application, count in rows}

    wait_until(lambda: len(assignments()) >= 30)
    first.kill()  # mid-stream, with messages taken and not yet acked
    wait_until(lambda: len(assignments()) == 300, timeout=60)
    time.sleep(1)  # whatever came round again has been seen by now
    found = assignments()
    engine.dispose()
    assert set(found) == {e.payload["application_id"] for e in events}
    assert set(found.values()) == {1}  # one assignment line each: none applied twice
