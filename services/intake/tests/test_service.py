"""Interface tests: the real intake service on the real RabbitMQ and PostgreSQL, through its entrypoints."""

import json
import uuid
from datetime import UTC, datetime

import pytest
from kombu import Connection
from nameko.standalone.events import get_event_exchange
from nameko.testing.services import entrypoint_hook, entrypoint_waiter

from cimer_common.envelope import Envelope
from cimer_common.errors import InvalidApplication, NotFound
from cimer_common.outbox import consumer_queue

pytestmark = pytest.mark.interface

PETITION = {
    "kind": "petition",
    "petition_type": "complaint",
    "subject": "transport",
    "title": "Yol bozuk",
    "body": "Mahallemizdeki yol aylardır bozuk.",
    "province": "06",
    "district": "Çankaya",
    "applicant": {"national_id": "10000000146", "first_name": "Ayşe", "last_name": "Yılmaz", "email": "a@example.org"},
}


def next_event(amqp_uri, queue, timeout=5):
    with Connection(amqp_uri) as connection:
        simple = connection.SimpleQueue(queue)
        message = simple.get(block=True, timeout=timeout)
        message.ack()
        simple.close()
        return message


def test_filing_stores_numbers_and_announces_the_application(start_service, amqp_uri):
    container = start_service("intake")
    with entrypoint_hook(container, "file_application") as file_application:
        accepted = file_application(PETITION)
    assert accepted["status"] == "received"
    assert len(accepted["tracking_number"]) == 12 and len(accepted["access_code"]) == 8

    queue = consumer_queue("intake", "application_received", "routing.handle_application_received")
    message = next_event(amqp_uri, queue.name)
    assert message.content_type == "application/json"
    envelope = Envelope.model_validate(
        json.loads(message.body) if isinstance(message.body, (str, bytes)) else message.body
    )
    assert envelope.type == "application_received"
    assert envelope.payload["tracking_number"] == accepted["tracking_number"]
    assert envelope.payload["reachable"] is True
    assert "10000000146" not in json.dumps(envelope.payload)  # no personal data crosses the bus

    with entrypoint_hook(container, "get_status") as get_status:
        status = get_status(accepted["tracking_number"], accepted["access_code"])
    assert status["status"] == "received" and status["institution"] is None


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


def publish_assignment(amqp_uri, application_id, tracking_number, event_id=None):
    envelope = Envelope(
        id=event_id or uuid.uuid4(),
        type="application_assigned",
        version=1,
        producer="routing",
        payload={
            "application_id": str(application_id),
            "tracking_number": tracking_number,
            "institution": "GOV-06",
            "reason": "initial",
            "assigned_at": datetime.now(UTC).isoformat(),
        },
    )
    with Connection(amqp_uri) as connection:
        producer = connection.Producer()
        producer.publish(
            envelope.model_dump(mode="json"),
            exchange=get_event_exchange("routing", {}),
            routing_key="application_assigned",
            serializer="json",
        )
    return envelope


def test_an_assignment_is_recorded_once_however_often_it_is_delivered(start_service, amqp_uri):
    container = start_service("intake")
    with entrypoint_hook(container, "file_application") as file_application:
        accepted = file_application(PETITION)
    message = next_event(
        amqp_uri, consumer_queue("intake", "application_received", "routing.handle_application_received").name
    )
    application_id = (json.loads(message.body) if isinstance(message.body, (str, bytes)) else message.body)["payload"][
        "application_id"
    ]

    event_id = uuid.uuid4()
    for _ in range(2):
        with entrypoint_waiter(container, "handle_application_assigned"):
            publish_assignment(amqp_uri, application_id, accepted["tracking_number"], event_id)

    with entrypoint_hook(container, "get_status") as get_status:
        status = get_status(accepted["tracking_number"], accepted["access_code"])
    assert status["status"] == "assigned" and status["institution"] == "GOV-06"
    assert [h["status"] for h in status["history"]] == ["received", "assigned"]
