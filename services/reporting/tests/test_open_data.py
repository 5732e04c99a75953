"""Interface tests of the open data (SPEC section 12): a hand-built March 2026 delivered as real events to the real
service, then what anyone may read of it through the `open_data` and `open_data_document` entrypoints.

The month (times UTC; Istanbul is UTC+3), by where each application first went:

- GOV-06: 7 on health (the seventh forwarded to PD-06-SAGLIK: still GOV-06's as its first institution), 2 on
  education, 1 on `other`; one more on health received at 21:30 on 31 March, 1 April in Istanbul: April's.
- GOV-34: 3 on transport; and 2 on transport received in February.
- 1 on energy whose assignment has not been heard: its first institution is not known.

Answered in March: 5 of GOV-06's health positive by GOV-06, the sixth negative by GOV-06 and the seventh negative
by PD-06-SAGLIK; GOV-34's 3 and its 2 from February positive by GOV-34. One of GOV-06's education answers came at
21:00 on 31 March, midnight in Istanbul: April's.
"""

import uuid
from base64 import b64decode
from datetime import UTC, date, datetime

import pytest
from nameko.testing.services import entrypoint_hook, entrypoint_waiter

from cimer_common import calendar
from cimer_common.errors import InvalidRequest
from cimer_common.events import ApplicationAnswered
from cimer_common.testing import assigned_event, publish, received_event, routing_event

pytestmark = pytest.mark.interface

TRACKING_NUMBER = "260000012345"
HANDLERS = {
    "application_received": "handle_application_received",
    "application_assigned": "handle_application_assigned",
    "application_answered": "handle_application_answered",
}


def at(month, day, hour=9, minute=0):
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def application(subject, received_at, first_institution, answers=(), forwarded_to=None):
    """The events of one application: received, first assigned (unless `first_institution` is None), perhaps
    forwarded, perhaps answered (`(institution, outcome, answered_at)`)."""
    application_id = uuid.uuid4()
    events = [
        received_event(
            application_id=application_id,
            tracking_number=TRACKING_NUMBER,
            subject=subject,
            received_at=received_at,
            deadline=date(2026, 4, 30),
        )
    ]
    if first_institution is not None:
        events.append(assigned_event(application_id, TRACKING_NUMBER, first_institution, assigned_at=received_at))
    if forwarded_to is not None:
        events.append(
            assigned_event(
                application_id,
                TRACKING_NUMBER,
                forwarded_to,
                "forwarded",
                previous_institution=first_institution,
                assigned_at=received_at.replace(hour=12),
            )
        )
    for institution, outcome, answered_at in answers:
        events.append(
            routing_event(
                "application_answered",
                ApplicationAnswered(
                    application_id=application_id,
                    tracking_number=TRACKING_NUMBER,
                    institution=institution,
                    outcome=outcome,
                    text="…",
                    answered_at=answered_at,
                ),
            )
        )
    return events


def march():
    events = []
    for day in range(1, 6):
        events += application("health", at(3, day), "GOV-06", [("GOV-06", "positive", at(3, day + 10))])
    events += application("health", at(3, 6), "GOV-06", [("GOV-06", "negative", at(3, 16))])
    events += application(
        "health", at(3, 7), "GOV-06", [("PD-06-SAGLIK", "negative", at(3, 17))], forwarded_to="PD-06-SAGLIK"
    )
    events += application("health", at(3, 31, 21, 30), "GOV-06")  # April's
    events += application("education", at(3, 9), "GOV-06", [("GOV-06", "negative", at(3, 31, 21))])  # April's answer
    events += application("education", at(3, 10), "GOV-06")
    events += application("other", at(3, 11), "GOV-06")
    for day in (12, 13, 14):
        events += application("transport", at(3, day), "GOV-34", [("GOV-34", "positive", at(3, day + 1))])
    for day in (20, 21):
        events += application("transport", at(2, day), "GOV-34", [("GOV-34", "positive", at(3, 2))])
    events += application("energy", at(3, 15), None)
    return events


@pytest.fixture
def reporting(start_service, amqp_uri, monkeypatch):
    """March's events delivered; the clock (outside the system) says 15 April 2026."""
    monkeypatch.setattr(calendar, "today", lambda: date(2026, 4, 15))
    container = start_service("reporting")
    for envelope in march():
        with entrypoint_waiter(container, HANDLERS[envelope.type]) as result:
            publish(amqp_uri, envelope)
        result.get()
    return container


def open_data(container, period):
    with entrypoint_hook(container, "open_data") as entrypoint:
        return entrypoint(period)


def count(institution, subject, number):
    return {"institution": institution, "subject": subject, "count": number}


def test_a_month_s_open_data_shows_no_count_below_five(reporting):
    assert open_data(reporting, "2026-03") == {
        "period": "2026-03",
        "threshold": 5,
        "received": [
            count("GOV-06", "health", 7),
            # GOV-06's education (2) and other (1), GOV-34's transport (3) and the one not assigned yet (1).
            count("other", "other", 7),
        ],
        # By the month of the answer: GOV-34's 3 of March and 2 of February.
        "positive": [count("GOV-06", "health", 5), count("GOV-34", "transport", 5)],
        # GOV-06's 1 and PD-06-SAGLIK's 1: 2 in all, below 5 even state-wide, so not shown, and no total shows it.
        "negative": [],
    }


def test_the_open_data_as_csv(reporting):
    with entrypoint_hook(reporting, "open_data_document") as document:
        csv = document("2026-03")
    assert (csv["content_type"], csv["filename"]) == ("text/csv; charset=utf-8", "cimer-acik-veri-2026-03.csv")
    assert b64decode(csv["body"]).decode("utf-8").removeprefix("\ufeff").splitlines() == [
        "period,measure,institution,subject,count",
        "2026-03,received,GOV-06,health,7",
        "2026-03,received,other,other,7",
        "2026-03,positive,GOV-06,health,5",
        "2026-03,positive,GOV-34,transport,5",
    ]
    with pytest.raises(InvalidRequest) as caught, entrypoint_hook(reporting, "open_data_document") as document:
        document("2026-03", form="pdf")
    assert caught.value.args == ("invalid_format", "form")


@pytest.mark.parametrize(
    ("period", "code"),
    [
        ("2026-04", "period_not_finished"),  # the month still running
        ("2026-05", "period_in_future"),
        ("2026-3", "invalid_period"),
        ("2999-01", "invalid_period"),
    ],
)
def test_only_a_finished_month_is_published(reporting, period, code):
    with pytest.raises(InvalidRequest) as caught:
        open_data(reporting, period)
    assert caught.value.args == (code, "period")


def test_a_month_with_nothing_in_it_shows_nothing(reporting):
    assert open_data(reporting, "2026-01") == {
        "period": "2026-01",
        "threshold": 5,
        "received": [],
        "positive": [],
        "negative": [],
    }
