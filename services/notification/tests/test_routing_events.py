"""Interface tests of the notices routing's events owe: the answer and the extension to the applicant (when they
can be told, whichever event arrives first), due-soon and overdue to officers; each owed once."""

import uuid
from datetime import UTC, date, datetime

import pytest
from nameko.testing.services import entrypoint_hook, entrypoint_waiter
from sqlalchemy import func, select

from cimer_common.events import (
    ApplicationAnswered,
    ApplicationAssigned,
    DeadlineApproaching,
    DeadlineExtended,
    DeadlinePassed,
)
from cimer_common.testing import first_assignment, publish, received_event, routing_event, service_database
from notification import handlers
from notification.models import Assignment, KnownApplication

pytestmark = pytest.mark.interface

HANDLERS = {
    "application_received": "handle_application_received",
    "application_answered": "handle_application_answered",
    "deadline_extended": "handle_deadline_extended",
    "deadline_approaching": "handle_deadline_approaching",
    "deadline_passed": "handle_deadline_passed",
}


def answered(application_id, tracking_number="260000000018"):
    return routing_event(
        "application_answered",
        ApplicationAnswered(
            application_id=application_id,
            tracking_number=tracking_number,
            institution="GOV-06",
            outcome="positive",
            text="Yolunuz onarıldı.",
            answered_at=datetime.now(UTC),
        ),
    )


def extended(application_id, tracking_number="260000000018"):
    return routing_event(
        "deadline_extended",
        DeadlineExtended(
            application_id=application_id,
            tracking_number=tracking_number,
            institution="GOV-06",
            previous_deadline=date(2026, 12, 10),
            deadline=date(2026, 12, 31),
            reason="Bilgi başka birimden derleniyor.",
            extended_at=datetime.now(UTC),
        ),
    )


def deliver(container, amqp_uri, envelope):
    with entrypoint_waiter(container, HANDLERS[envelope.type]) as result:
        publish(amqp_uri, envelope)
    result.get()


def notices(container, application_id):
    with entrypoint_hook(container, "notices_for") as notices_for:
        return [
            {k: n[k] for k in ("kind", "recipient", "language", "status", "detail")}
            for n in notices_for(str(application_id))
        ]


def test_a_reachable_applicant_is_owed_the_answer_and_the_extension_once(start_service, amqp_uri):
    container = start_service("notification", NOTIFY_PAUSED="true")
    received = received_event(language="en")
    application_id = received.payload["application_id"]
    deliver(container, amqp_uri, received)
    extension, answer = extended(application_id), answered(application_id)
    for envelope in (extension, extension, answer, answer):
        deliver(container, amqp_uri, envelope)
    owed = {n["kind"]: n for n in notices(container, application_id)}
    assert set(owed) == {"receipt", "extension", "answer"}
    assert owed["extension"] == {
        "kind": "extension",
        "recipient": "applicant",
        "language": "en",
        "status": "pending",
        "detail": "Bilgi başka birimden derleniyor.",
    }
    assert owed["answer"]["status"] == "pending" and owed["answer"]["language"] == "en"


def test_an_anonymous_applicant_is_owed_no_answer(start_service, amqp_uri):
    container = start_service("notification", NOTIFY_PAUSED="true")
    received = received_event(anonymous=True, reachable=False)
    application_id = received.payload["application_id"]
    deliver(container, amqp_uri, received)
    deliver(container, amqp_uri, answered(application_id))
    deliver(container, amqp_uri, extended(application_id))
    assert notices(container, application_id) == []


def test_an_answer_before_the_receipt_is_held_then_settled(start_service, amqp_uri):
    container = start_service("notification", NOTIFY_PAUSED="true")
    reachable = received_event(language="en")
    unreachable = received_event(reachable=False, tracking_number="260000012353")
    for received in (reachable, unreachable):
        deliver(container, amqp_uri, answered(received.payload["application_id"]))
        [held] = notices(container, received.payload["application_id"])
        assert (held["kind"], held["status"]) == ("answer", "held")
        deliver(container, amqp_uri, received)

    settled = {n["kind"]: n for n in notices(container, reachable.payload["application_id"])}
    assert settled["answer"]["status"] == "pending" and settled["answer"]["language"] == "en"
    assert settled["receipt"]["status"] == "pending"
    assert notices(container, unreachable.payload["application_id"]) == []


def test_officers_are_owed_due_soon_and_overdue_once(start_service, amqp_uri):
    container = start_service("notification", NOTIFY_PAUSED="true")
    application_id = uuid.uuid4()
    approaching = routing_event(
        "deadline_approaching",
        DeadlineApproaching(
            application_id=application_id,
            tracking_number="260000000018",
            institution="DG-06-CANKAYA",
            coordinators=["GOV-06"],
            deadline=date(2026, 12, 10),
            working_days_left=3,
        ),
    )
    passed = routing_event(
        "deadline_passed",
        DeadlinePassed(
            application_id=application_id,
            tracking_number="260000000018",
            institution="DG-06-CANKAYA",
            coordinators=["GOV-06", "PRESIDENCY", "GOV-06"],
            deadline=date(2026, 12, 10),
        ),
    )
    for envelope in (approaching, approaching, passed, passed):
        deliver(container, amqp_uri, envelope)
    owed = sorted((n["kind"], n["recipient"], n["status"]) for n in notices(container, application_id))
    assert owed == [
        ("due_soon", "institution:DG-06-CANKAYA", "pending"),
        ("overdue", "coordinators:GOV-06", "pending"),
        ("overdue", "coordinators:PRESIDENCY", "pending"),
        ("overdue", "institution:DG-06-CANKAYA", "pending"),
    ]


def test_a_batch_of_first_assignments_is_recorded_together_each_as_if_it_came_alone(start_service, amqp_uri):
    """`handlers.record_assignments`, one statement for the batch's applications, assignments and held notices and
    one for its notices: each application as its own first assignment alone would leave it (the receipt when its
    applicant can be told, an answer that came first released or dropped, the holder's officers told), an event
    twice in the batch and the batch again changing nothing."""
    container = start_service("notification", NOTIFY_PAUSED="true")
    reachable = received_event(language="en")
    unreachable = received_event(reachable=False, tracking_number="260000012353")
    plain = received_event()
    for received in (reachable, unreachable):
        deliver(container, amqp_uri, answered(received.payload["application_id"]))  # held: not known yet
    batch = [first_assignment(received) for received in (reachable, unreachable, plain)]
    events = [(envelope, ApplicationAssigned.model_validate(envelope.payload)) for envelope in [*batch, batch[0]]]
    for _ in range(2):
        with entrypoint_hook(container, "handle_application_assigned") as handle:
            handle(events)

    def owed(received):
        return {(n["kind"], n["recipient"]): (n["status"], n["language"]) for n in notices(container, received)}

    officers = ("new_assignment", "institution:GOV-06")
    assert owed(reachable.payload["application_id"]) == {
        ("answer", "applicant"): ("pending", "en"),
        ("receipt", "applicant"): ("pending", "en"),
        officers: ("pending", "tr"),
    }
    assert owed(unreachable.payload["application_id"]) == {officers: ("pending", "tr")}
    receipt = ("receipt", "applicant")
    assert owed(plain.payload["application_id"]) == {receipt: ("pending", "tr"), officers: ("pending", "tr")}
    with service_database(container) as session:
        assert session.scalar(select(func.count()).select_from(Assignment)) == 3
        assert session.scalar(select(func.count()).select_from(KnownApplication)) == 3
        # How many notices each event of a batch recorded, in its order: a new application's two, another holder's
        # one, the same assignment again none.
        again = [first_assignment(received_event()), first_assignment(unreachable, institution="GOV-34")]
        payloads = [ApplicationAssigned.model_validate(envelope.payload) for envelope in again]
        assert handlers.record_assignments(session, [*payloads, payloads[0]]) == [2, 1, 0]
