"""Interface tests: the real reporting service on the real RabbitMQ and PostgreSQL, through its entrypoints."""

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from nameko.testing.services import entrypoint_hook, entrypoint_waiter
from sqlalchemy import create_engine, text

from cimer_common.errors import InvalidRequest
from cimer_common.settings import get_settings
from cimer_common.testing import assigned_event, first_assignment, publish, received_event

pytestmark = pytest.mark.interface

MARCH = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


TRACKING_NUMBER = "260000012345"


def application_received(application_id, received_at=MARCH):
    """A phone application recorded by Ankara's governorship in March, due on 9 April."""
    return received_event(
        application_id=application_id,
        tracking_number=TRACKING_NUMBER,
        channel="phone",
        recorded_by="GOV-06",
        received_at=received_at,
        deadline=date(2026, 4, 9),
    )


def application_assigned(application_id, institution="GOV-06", reason="initial", assigned_at=MARCH, previous=None):
    return assigned_event(
        application_id, TRACKING_NUMBER, institution, reason, assigned_at=assigned_at, previous_institution=previous
    )


HANDLERS = {
    "application_received": "handle_application_received",
    "application_assigned": "handle_application_assigned",
}


def deliver(container, amqp_uri, envelope):
    with entrypoint_waiter(container, HANDLERS[envelope.type]) as result:
        publish(amqp_uri, envelope)
    result.get()  # a handler that failed fails the test here


def received_in(container, period, institution=None):
    """What the month's report says was received in `institution`'s subtree (the state's when None)."""
    with entrypoint_hook(container, "monthly_report") as monthly_report:
        report = monthly_report(period, institution)
    assert (report["period"], report["institution"]) == (period, institution)
    return report["received"]


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


def test_a_received_and_assigned_application_counts_for_its_first_institution_and_the_state(start_service, amqp_uri):
    container = start_service("reporting")
    application_id = uuid.uuid4()
    deliver(container, amqp_uri, application_received(application_id))
    deliver(container, amqp_uri, application_assigned(application_id))

    report = received_in(container, "2026-03", "GOV-06")
    assert report["total"] == 1
    assert report["by_kind"]["petition"] == 1
    assert report["by_subject"]["transport"] == 1
    assert report["by_channel"]["phone"] == 1 and report["by_channel"]["web"] == 0
    assert received_in(container, "2026-03")["total"] == 1
    assert received_in(container, "2026-03", "GOV-34")["total"] == 0
    assert received_in(container, "2026-04", "GOV-06")["total"] == 0


def test_the_first_assignment_that_carries_the_application_counts_it_alone_and_once(start_service, amqp_uri):
    """The way every application comes now: one event, the first assignment carrying it as it was received. What
    an earlier version left in the retired `application_received` queue changes nothing more."""
    container = start_service("reporting")
    application_id = uuid.uuid4()
    received = application_received(application_id)
    deliver(container, amqp_uri, first_assignment(received, "GOV-06", assigned_at=MARCH))

    report = received_in(container, "2026-03", "GOV-06")
    assert (report["total"], report["by_channel"]["phone"], report["by_subject"]["transport"]) == (1, 1, 1)
    row = stored(application_id)
    assert (row["first_institution"], row["institution"], row["assigned_at"]) == ("GOV-06", "GOV-06", MARCH)
    assert (row["kind"], row["channel"], row["deadline"], row["period"]) == (
        "petition",
        "phone",
        date(2026, 4, 9),
        "2026-03",
    )
    deliver(container, amqp_uri, received)
    assert received_in(container, "2026-03")["total"] == 1
    assert dict(stored(application_id)) == dict(row)


def test_an_assignment_that_overtakes_its_receipt_is_kept(start_service, amqp_uri):
    container = start_service("reporting")
    application_id = uuid.uuid4()
    deliver(container, amqp_uri, application_assigned(application_id))
    assert received_in(container, "2026-03")["total"] == 0  # not received yet as far as reporting knows
    deliver(container, amqp_uri, application_received(application_id))

    assert received_in(container, "2026-03", "GOV-06")["total"] == 1
    row = stored(application_id)
    assert row["first_institution"] == "GOV-06" and row["institution"] == "GOV-06"
    assert row["kind"] == "petition" and row["deadline"] == date(2026, 4, 9)


def test_the_same_events_delivered_twice_count_once(start_service, amqp_uri):
    container = start_service("reporting")
    application_id = uuid.uuid4()
    received, assigned = application_received(application_id), application_assigned(application_id)
    for envelope in (received, received, assigned, assigned):
        deliver(container, amqp_uri, envelope)

    assert received_in(container, "2026-03", "GOV-06")["total"] == 1
    engine = create_engine(get_settings().database_url("reporting"))
    with engine.connect() as connection:
        processed = connection.execute(text("SELECT event_id FROM processed_events")).scalars().all()
    engine.dispose()
    assert sorted(processed) == sorted([received.id, assigned.id])


def test_a_forward_moves_the_holder_and_counts_in_both_holders_reports(start_service, amqp_uri):
    container = start_service("reporting")
    application_id = uuid.uuid4()
    deliver(container, amqp_uri, application_received(application_id))
    deliver(container, amqp_uri, application_assigned(application_id))
    forwarded = application_assigned(
        application_id, "DG-06-CANKAYA", "forwarded", MARCH + timedelta(hours=2), previous="GOV-06"
    )
    deliver(container, amqp_uri, forwarded)

    assert received_in(container, "2026-03", "GOV-06")["total"] == 1
    assert received_in(container, "2026-03", "DG-06-CANKAYA")["total"] == 1
    assert received_in(container, "2026-03", "GOV-34")["total"] == 0
    row = stored(application_id)
    assert row["first_institution"] == "GOV-06" and row["institution"] == "DG-06-CANKAYA"


def test_a_late_initial_assignment_does_not_undo_a_forward(start_service, amqp_uri):
    container = start_service("reporting")
    application_id = uuid.uuid4()
    forwarded = application_assigned(
        application_id, "DG-06-CANKAYA", "forwarded", MARCH + timedelta(hours=2), previous="GOV-06"
    )
    deliver(container, amqp_uri, forwarded)
    deliver(container, amqp_uri, application_assigned(application_id))
    deliver(container, amqp_uri, application_received(application_id))

    row = stored(application_id)
    assert row["first_institution"] == "GOV-06" and row["institution"] == "DG-06-CANKAYA"
    assert received_in(container, "2026-03", "GOV-06")["total"] == 1


def test_an_application_counts_in_the_month_it_was_received_in_turkey(start_service, amqp_uri):
    container = start_service("reporting")
    application_id = uuid.uuid4()
    # 31 March 21:30 UTC is 1 April 00:30 in Istanbul.
    deliver(container, amqp_uri, application_received(application_id, datetime(2026, 3, 31, 21, 30, tzinfo=UTC)))
    assert received_in(container, "2026-03")["total"] == 0
    assert received_in(container, "2026-04")["total"] == 1


def test_a_malformed_period_is_a_domain_error(start_service):
    container = start_service("reporting")
    with (
        entrypoint_hook(container, "monthly_report") as monthly_report,
        pytest.raises(InvalidRequest) as caught,
    ):
        monthly_report("2026-3")
    assert caught.value.args == ("invalid_period", "period")


def test_health(start_service):
    container = start_service("reporting")
    with entrypoint_hook(container, "health") as health:
        assert health() == {"service": "reporting", "status": "ok"}
