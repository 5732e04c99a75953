"""Interface tests: the real intake service on the real RabbitMQ and PostgreSQL, through its entrypoints."""

import json
import uuid

import pytest
from nameko.testing.services import entrypoint_hook, entrypoint_waiter
from sqlalchemy import text

from cimer_common.envelope import Envelope
from cimer_common.errors import InvalidApplication, NotFound
from cimer_common.outbox import consumer_queue
from cimer_common.testing import PETITION, assigned_event, next_event, publish, service_database
from intake import handlers

pytestmark = pytest.mark.interface


def test_filing_stores_numbers_and_announces_the_application(start_service, amqp_uri):
    container = start_service("intake")
    with entrypoint_hook(container, "file_application") as file_application:
        accepted = file_application(PETITION)
    assert accepted["status"] == "received"
    assert len(accepted["tracking_number"]) == 12 and len(accepted["access_code"]) == 8

    queue = consumer_queue("intake", "application_received", "routing.handle_application_received")
    envelope = Envelope.model_validate(next_event(amqp_uri, queue.name))  # next_event: JSON, or it fails
    assert envelope.type == "application_received"
    assert envelope.payload["tracking_number"] == accepted["tracking_number"]
    assert envelope.payload["reachable"] is True
    assert "10000000146" not in json.dumps(envelope.payload)  # no personal data crosses the bus

    with entrypoint_hook(container, "get_status") as get_status:
        status = get_status(accepted["tracking_number"], accepted["access_code"])
    assert status["status"] == "received" and status["institution"] is None


def test_tracking_numbers_come_from_blocks_of_the_sequence_each_once(start_service):
    """Intake takes the sequence's values a block at a time (`handlers.SEQUENCE_BLOCK`): a round trip per block,
    not per filing; each number given once, in the order filed by one process."""
    container = start_service("intake")
    filed = handlers.SEQUENCE_BLOCK + 5
    with entrypoint_hook(container, "file_application") as file_application:
        numbers = [
            # each with an address of its own, or the filing limits would stop them (SPEC section 9)
            file_application({**PETITION, "applicant": {**PETITION["applicant"], "email": f"a{i}@example.org"}})[
                "tracking_number"
            ]
            for i in range(filed)
        ]
    sequence = [int(number[2:11]) for number in numbers]
    assert sequence == sorted(set(sequence)) and len(sequence) == filed
    with service_database(container) as session:
        taken = session.execute(text("SELECT last_value FROM tracking_number_seq")).scalar_one()
    assert taken == sequence[0] - 1 + 2 * handlers.SEQUENCE_BLOCK  # two blocks for them all


def test_refusals_are_domain_errors_and_store_nothing(start_service):
    container = start_service("intake")
    with (
        entrypoint_hook(container, "file_application") as file_application,
        pytest.raises(InvalidApplication) as caught,
    ):
        file_application({**PETITION, "petition_type": "request", "applicant": None})
    assert caught.value.args[0] == "applicant_required"
    with entrypoint_hook(container, "get_status") as get_status, pytest.raises(NotFound):
        get_status("260000000018", "AAAAAAAA")


def test_a_wrong_access_code_is_answered_like_a_missing_number(start_service):
    container = start_service("intake")
    with entrypoint_hook(container, "file_application") as file_application:
        accepted = file_application(PETITION)
    with entrypoint_hook(container, "get_status") as get_status:
        with pytest.raises(NotFound) as wrong_code:
            get_status(accepted["tracking_number"], "ZZZZZZZZ")
        with pytest.raises(NotFound) as missing:
            get_status("260999999990", accepted["access_code"])
    assert wrong_code.value.args == missing.value.args


def test_an_assignment_is_recorded_once_however_often_it_is_delivered(start_service, amqp_uri):
    container = start_service("intake")
    with entrypoint_hook(container, "file_application") as file_application:
        accepted = file_application(PETITION)
    queue = consumer_queue("intake", "application_received", "routing.handle_application_received")
    application_id = next_event(amqp_uri, queue.name)["payload"]["application_id"]

    event_id = uuid.uuid4()
    for _ in range(2):
        with entrypoint_waiter(container, "handle_application_assigned"):
            publish(amqp_uri, assigned_event(application_id, accepted["tracking_number"], event_id=event_id))

    with entrypoint_hook(container, "get_status") as get_status:
        status = get_status(accepted["tracking_number"], accepted["access_code"])
    assert status["status"] == "assigned" and status["institution"] == "GOV-06"
    assert [h["status"] for h in status["history"]] == ["received", "assigned"]
