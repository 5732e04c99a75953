"""Interface tests: the real notification service on the real RabbitMQ and PostgreSQL, through its entrypoints."""

import uuid
from datetime import datetime

import pytest
from nameko.testing.services import entrypoint_hook, entrypoint_waiter

from cimer_common.errors import InvalidRequest
from cimer_common.testing import publish, received_event

pytestmark = pytest.mark.interface


def deliver(container, amqp_uri, envelope):
    with entrypoint_waiter(container, "handle_application_received") as result:
        publish(amqp_uri, envelope)
    result.get()  # a handler that failed fails the test here, not by a missing row later


def notices(container, application_id):
    with entrypoint_hook(container, "notices_for") as notices_for:
        return notices_for(application_id)


def test_an_identified_applicant_is_owed_a_receipt(start_service, amqp_uri):
    container = start_service("notification", NOTIFY_PAUSED="true")
    envelope = received_event(language="en")
    deliver(container, amqp_uri, envelope)

    [notice] = notices(container, envelope.payload["application_id"])
    assert {k: notice[k] for k in ("kind", "recipient", "language", "status")} == {
        "kind": "receipt",
        "recipient": "applicant",
        "language": "en",
        "status": "pending",
    }
    assert datetime.fromisoformat(notice["created_at"]).tzinfo is not None


def test_the_same_event_delivered_twice_owes_one_notice(start_service, amqp_uri):
    container = start_service("notification", NOTIFY_PAUSED="true")
    envelope = received_event()
    for _ in range(2):
        deliver(container, amqp_uri, envelope)
    assert len(notices(container, envelope.payload["application_id"])) == 1


def test_a_republished_fact_in_a_new_envelope_owes_no_second_notice(start_service, amqp_uri):
    container = start_service("notification", NOTIFY_PAUSED="true")
    first = received_event()
    again = received_event(**first.payload)
    assert again.id != first.id
    deliver(container, amqp_uri, first)
    deliver(container, amqp_uri, again)
    assert len(notices(container, first.payload["application_id"])) == 1


def test_an_anonymous_applicant_is_owed_nothing(start_service, amqp_uri):
    container = start_service("notification", NOTIFY_PAUSED="true")
    envelope = received_event(anonymous=True, reachable=False)
    deliver(container, amqp_uri, envelope)
    assert notices(container, envelope.payload["application_id"]) == []


def test_notices_are_kept_per_application(start_service, amqp_uri):
    container = start_service("notification", NOTIFY_PAUSED="true")
    one, other = received_event(), received_event(tracking_number="260000012353")
    deliver(container, amqp_uri, one)
    deliver(container, amqp_uri, other)
    assert len(notices(container, one.payload["application_id"])) == 1
    assert notices(container, str(uuid.uuid4())) == []


def test_a_malformed_application_id_is_a_domain_error(start_service):
    container = start_service("notification", NOTIFY_PAUSED="true")
    with entrypoint_hook(container, "notices_for") as notices_for, pytest.raises(InvalidRequest) as caught:
        notices_for("not-a-uuid")
    assert caught.value.args == ("invalid_application_id", "application_id")


def test_health(start_service):
    container = start_service("notification", NOTIFY_PAUSED="true")
    with entrypoint_hook(container, "health") as health:
        assert health() == {"service": "notification", "status": "ok"}
