"""Interface tests of what routing's answers, extensions and overdue notices make of the read model: each fact
lands once, in whatever order it arrives relative to `application_received`."""

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from nameko.testing.services import entrypoint_waiter
from sqlalchemy import create_engine, text

from cimer_common import testing
from cimer_common.envelope import Envelope
from cimer_common.events import ApplicationAnswered, DeadlineExtended, DeadlinePassed, Payload
from cimer_common.settings import get_settings
from cimer_common.testing import publish, received_event

pytestmark = pytest.mark.interface

MARCH = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
TRACKING_NUMBER = "260000012345"
HANDLERS = {
    "application_received": "handle_application_received",
    "application_answered": "handle_application_answered",
    "deadline_extended": "handle_deadline_extended",
    "deadline_passed": "handle_deadline_passed",
}


def routing_event(name: str, payload: Payload) -> Envelope:
    return testing.routing_event(name, payload, occurred_at=MARCH + timedelta(days=40))


def received(application_id):
    return received_event(
        application_id=application_id,
        tracking_number=TRACKING_NUMBER,
        kind="information_request",
        petition_type=None,
        received_at=MARCH,
        deadline=date(2026, 3, 31),
    )


def answered(application_id, outcome="negative", at=MARCH + timedelta(days=5)):
    return routing_event(
        "application_answered",
        ApplicationAnswered(
            application_id=application_id,
            tracking_number=TRACKING_NUMBER,
            institution="DG-06-CANKAYA",
            outcome=outcome,
            text="…",
            answered_at=at,
        ),
    )


def extended(application_id):
    return routing_event(
        "deadline_extended",
        DeadlineExtended(
            application_id=application_id,
            tracking_number=TRACKING_NUMBER,
            institution="GOV-06",
            previous_deadline=date(2026, 3, 31),
            deadline=date(2026, 4, 21),
            reason="Bilgi başka birimden derleniyor.",
            extended_at=MARCH + timedelta(days=3),
        ),
    )


def passed(application_id):
    return routing_event(
        "deadline_passed",
        DeadlinePassed(
            application_id=application_id,
            tracking_number=TRACKING_NUMBER,
            institution="GOV-06",
            coordinators=["PRESIDENCY"],
            deadline=date(2026, 4, 21),
        ),
    )


def deliver(container, amqp_uri, envelope):
    with entrypoint_waiter(container, HANDLERS[envelope.type]) as result:
        publish(amqp_uri, envelope)
    result.get()


def stored(application_id):
    engine = create_engine(get_settings().database_url("reporting"))
    with engine.connect() as connection:
        row = (
            connection.execute(text("SELECT * FROM applications WHERE application_id = :id"), {"id": application_id})
            .mappings()
            .one()
        )
    engine.dispose()
    return row


@pytest.mark.parametrize("received_first", [True, False])
def test_answer_extension_and_overdue_land_once_in_any_order(start_service, amqp_uri, received_first):
    container = start_service("reporting")
    application_id = uuid.uuid4()
    routing = [extended(application_id), passed(application_id), answered(application_id)]
    later_answer = answered(application_id, outcome="positive", at=MARCH + timedelta(days=9))
    events = [received(application_id), *routing] if received_first else [*routing, received(application_id)]
    for envelope in [*events, *routing, later_answer]:  # each routing fact delivered twice; a second answer
        deliver(container, amqp_uri, envelope)

    row = stored(application_id)
    assert row["kind"] == "information_request" and row["period"] == "2026-03"
    assert row["deadline"] == date(2026, 4, 21)  # the extension holds, whichever came first
    assert row["extended_at"] == MARCH + timedelta(days=3)
    assert (row["outcome"], row["answered_by"]) == ("negative", "DG-06-CANKAYA")  # the first answer counts
    assert row["answered_at"] == MARCH + timedelta(days=5)
    assert row["overdue_at"] == MARCH + timedelta(days=40)
