"""Interface tests of the monthly report (issue 6): a hand-built March 2026 delivered as real events to the real
service, then every figure of the state's, GOV-06's and MIN-SAGLIK's reports; who may read which; and the
production on the first of April, once however many workers run it.

The month (times UTC; Istanbul is UTC+3):

- A petition, transport, web: received 2 Mar 09:00 at GOV-06, forwarded to DG-06-CANKAYA; answered positive
  7 Mar 15:00 (5.25 days).
- B petition, health, phone: received 5 Mar 09:00 at GOV-06, forwarded to PD-06-SAGLIK (coordinated by
  MIN-SAGLIK); answered negative 15 Mar 09:00 (10 days).
- C information request, transport, web: received 10 Mar at GOV-06, forwarded to PRESIDENCY, then to GOV-34
  (the forwards delivered out of order); due 31 Mar; answered in April: open and overdue at March's end.
- D petition, health, in person: received 20 Mar at MIN-SAGLIK, due 20 Apr; still open, not overdue.
- E information request, transport, phone: received 2 Mar at DG-06-CANKAYA, due 23 Mar, deadline passed; still open.
- F petition, transport, web: received 25 Feb at GOV-34, answered positive 3 Mar 09:00 (6 days): answered in March.
- G petition, transport, web: received 31 Mar 21:30 UTC, 1 April in Istanbul, at GOV-06: April's.
- H information request, education, web: received 12 Mar at GOV-34, due 31 Mar extended to 21 Apr; answered at
  31 Mar 21:00 UTC, midnight of 1 April in Istanbul: answered in April, open (not overdue) at March's end.
"""

import uuid
from base64 import b64decode
from datetime import UTC, date, datetime

import eventlet
import pytest
from nameko.testing.services import entrypoint_hook, entrypoint_waiter
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from cimer_common import calendar, geography, testing
from cimer_common.envelope import Envelope
from cimer_common.errors import Forbidden, InvalidRequest, NotFound, Unauthorized
from cimer_common.events import (
    ApplicationAnswered,
    ApplicationClosed,
    DeadlineExtended,
    DeadlinePassed,
    FeedbackGiven,
    Payload,
)
from cimer_common.outbox import consumer_queue
from cimer_common.settings import get_settings
from cimer_common.testing import assigned_event, next_event, no_event, publish, received_event, token_for
from reporting import domain, handlers
from reporting.models import Application, Institution, MonthlyReport

pytestmark = pytest.mark.interface

COORDINATORS = {
    "GOV-06": ["PRESIDENCY"],
    "GOV-34": ["PRESIDENCY"],
    "DG-06-CANKAYA": ["GOV-06", "PRESIDENCY"],
    "PD-06-SAGLIK": ["MIN-SAGLIK", "GOV-06", "PRESIDENCY"],
    "MIN-SAGLIK": ["PRESIDENCY"],
    "PRESIDENCY": [],
}
HANDLERS = {
    "application_received": "handle_application_received",
    "application_assigned": "handle_application_assigned",
    "application_answered": "handle_application_answered",
    "deadline_extended": "handle_deadline_extended",
    "deadline_passed": "handle_deadline_passed",
    "application_closed": "handle_application_closed",
    "feedback_given": "handle_feedback_given",
}
TRACKING_NUMBER = "260000012345"


def at(month, day, hour=9, minute=0):
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def routing_event(name: str, payload: Payload) -> Envelope:
    return testing.routing_event(name, payload, occurred_at=at(4, 1))


def received(application_id, received_at, kind, subject, channel, deadline):
    return received_event(
        application_id=application_id,
        tracking_number=TRACKING_NUMBER,
        kind=kind,
        petition_type="request" if kind == "petition" else None,
        subject=subject,
        channel=channel,
        received_at=received_at,
        deadline=deadline,
    )


def assigned(application_id, institution, assigned_at, previous=None):
    return assigned_event(
        application_id,
        TRACKING_NUMBER,
        institution,
        "forwarded" if previous else "initial",
        assigned_at=assigned_at,
        previous_institution=previous,
        coordinators=COORDINATORS[institution],
    )


def answered(application_id, institution, outcome, answered_at):
    return routing_event(
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


def closed(application_id, institution, answered_at, closed_at):
    payload = ApplicationClosed(
        application_id=application_id,
        tracking_number=TRACKING_NUMBER,
        institution=institution,
        answered_at=answered_at,
        closed_at=closed_at,
    )
    return routing_event("application_closed", payload)


def rated(application_id, institution, rating, solved, given_at):
    payload = FeedbackGiven(
        application_id=application_id,
        tracking_number=TRACKING_NUMBER,
        institution=institution,
        rating=rating,
        solved=solved,
        given_at=given_at,
    )
    return testing.event("intake", "feedback_given", payload)


def march():
    """The month's events, in the order they are delivered (some out of order on purpose)."""
    a, b, c, d, e, f, g, h = (uuid.uuid4() for _ in range(8))
    return [
        received(a, at(3, 2), "petition", "transport", "web", date(2026, 4, 1)),
        assigned(a, "GOV-06", at(3, 2, 10)),
        assigned(a, "DG-06-CANKAYA", at(3, 2, 12), previous="GOV-06"),
        answered(a, "DG-06-CANKAYA", "positive", at(3, 7, 15)),
        # B: the forward and the answer overtake the receipt.
        assigned(b, "PD-06-SAGLIK", at(3, 5, 10), previous="GOV-06"),
        answered(b, "PD-06-SAGLIK", "negative", at(3, 15)),
        received(b, at(3, 5), "petition", "health", "phone", date(2026, 4, 6)),
        assigned(b, "GOV-06", at(3, 5, 9, 30)),
        # C: across governorships, the forwards in reverse order, one delivered twice.
        received(c, at(3, 10), "information_request", "transport", "web", date(2026, 3, 31)),
        assigned(c, "GOV-34", at(3, 12), previous="PRESIDENCY"),
        assigned(c, "PRESIDENCY", at(3, 11), previous="GOV-06"),
        assigned(c, "GOV-06", at(3, 10, 10)),
        answered(c, "GOV-34", "positive", at(4, 2)),
        received(d, at(3, 20), "petition", "health", "in_person", date(2026, 4, 20)),
        assigned(d, "MIN-SAGLIK", at(3, 20, 10)),
        received(e, at(3, 2), "information_request", "transport", "phone", date(2026, 3, 23)),
        assigned(e, "DG-06-CANKAYA", at(3, 2, 10)),
        routing_event(
            "deadline_passed",
            DeadlinePassed(
                application_id=e,
                tracking_number=TRACKING_NUMBER,
                institution="DG-06-CANKAYA",
                coordinators=COORDINATORS["DG-06-CANKAYA"],
                deadline=date(2026, 3, 23),
            ),
        ),
        received(f, datetime(2026, 2, 25, 9, tzinfo=UTC), "petition", "transport", "web", date(2026, 3, 27)),
        assigned(f, "GOV-34", datetime(2026, 2, 25, 10, tzinfo=UTC)),
        answered(f, "GOV-34", "positive", at(3, 3)),
        received(g, at(3, 31, 21, 30), "petition", "transport", "web", date(2026, 5, 1)),
        assigned(g, "GOV-06", at(3, 31, 21, 40)),
        received(h, at(3, 12), "information_request", "education", "web", date(2026, 3, 31)),
        assigned(h, "GOV-34", at(3, 12, 10)),
        routing_event(
            "deadline_extended",
            DeadlineExtended(
                application_id=h,
                tracking_number=TRACKING_NUMBER,
                institution="GOV-34",
                previous_deadline=date(2026, 3, 31),
                deadline=date(2026, 4, 21),
                reason="Bilgi başka birimden derleniyor.",
                extended_at=at(3, 25),
            ),
        ),
        answered(h, "GOV-34", "negative", at(3, 31, 21)),
        # After the answer (SPEC section 12): A and F closed in March (A's closing delivered twice, under two ids:
        # the first counts), A and B rated in March, H in April; H's rating arrives before anything else of it
        # would, were it new (here, after).
        closed(a, "DG-06-CANKAYA", at(3, 7, 15), at(3, 23, 1)),
        closed(a, "DG-06-CANKAYA", at(3, 7, 15), at(3, 24, 1)),
        closed(f, "GOV-34", at(3, 3), at(3, 19, 1)),
        rated(a, "DG-06-CANKAYA", 5, True, at(3, 8)),
        rated(b, "PD-06-SAGLIK", 2, False, at(3, 16)),
        rated(h, "GOV-34", 4, True, at(4, 2)),
    ]


def deliver(container, amqp_uri, envelope):
    with entrypoint_waiter(container, HANDLERS[envelope.type]) as result:
        publish(amqp_uri, envelope)
    result.get()


@pytest.fixture
def reporting(start_service, amqp_uri):
    container = start_service("reporting")
    events = march()
    for envelope in [*events, events[10]]:  # C's forward to PRESIDENCY twice
        deliver(container, amqp_uri, envelope)
    return container


@pytest.fixture
def engine():
    engine = create_engine(get_settings().database_url("reporting"))
    yield engine
    engine.dispose()


def report(container, period, institution=None):
    with entrypoint_hook(container, "monthly_report") as monthly_report:
        return monthly_report(period, institution)


def report_for(container, token, period, institution=None):
    with entrypoint_hook(container, "monthly_report_for") as monthly_report_for:
        return monthly_report_for(token, period, institution)


def zeros_but(known, **counts):
    return {**dict.fromkeys(known, 0), **counts}


KINDS = ("information_request", "petition", "ethics_complaint", "human_rights")
CHANNELS = ("web", "phone", "in_person")


def test_the_state_report(reporting):
    state = report(reporting, "2026-03")
    assert state["period"] == "2026-03" and state["institution"] is None
    received = state.pop("received")
    assert received["total"] == 6  # A B C D E H; F is February's, G April's
    assert received["by_kind"] == zeros_but(KINDS, petition=3, information_request=3)
    assert {k: v for k, v in received["by_subject"].items() if v} == {"transport": 3, "health": 2, "education": 1}
    assert len(received["by_subject"]) == 20
    assert received["by_channel"] == {"web": 3, "phone": 2, "in_person": 1}
    assert state == {
        "period": "2026-03",
        "institution": None,
        # A, B and F (received in February); C and H are April's.
        "answered": {"total": 3, "positive": 2, "negative": 1, "positive_share": 0.667, "negative_share": 0.333},
        "response_days": {"mean": 7.1, "median": 6.0},  # 5.25, 10, 6
        "open_at_month_end": 4,  # C and H (answered in April), D and E
        "overdue_at_month_end": 2,  # C (due 31 March) and E; not D, not H (extended)
        "closed": 2,  # A and F
        "ratings": {"count": 2, "mean": 3.5, "solved_share": 0.5},  # A and B; H's is April's
    }


def test_a_governorship_report_covers_its_subtree_and_what_passed_through_it(reporting):
    gov06 = report(reporting, "2026-03", "GOV-06")
    received = gov06.pop("received")
    assert received["total"] == 4  # A, B (forwarded on), C (forwarded to GOV-34), E (at a district of Ankara)
    assert received["by_kind"] == zeros_but(KINDS, petition=2, information_request=2)
    assert {k: v for k, v in received["by_subject"].items() if v} == {"transport": 3, "health": 1}
    assert received["by_channel"] == {"web": 2, "phone": 2, "in_person": 0}
    assert gov06 == {
        "period": "2026-03",
        "institution": "GOV-06",
        "answered": {"total": 2, "positive": 1, "negative": 1, "positive_share": 0.5, "negative_share": 0.5},
        "response_days": {"mean": 7.6, "median": 7.6},  # 5.25 and 10: 7.625
        "open_at_month_end": 2,  # C, E
        "overdue_at_month_end": 2,
        "closed": 1,  # A; F was GOV-34's
        "ratings": {"count": 2, "mean": 3.5, "solved_share": 0.5},  # A and B
    }
    gov34 = report(reporting, "2026-03", "GOV-34")
    assert gov34["received"]["total"] == 2  # C (forwarded in) and H
    assert gov34["answered"] == {
        "total": 1,
        "positive": 1,
        "negative": 0,
        "positive_share": 1.0,
        "negative_share": 0.0,
    }  # F
    assert gov34["response_days"] == {"mean": 6.0, "median": 6.0}
    assert (gov34["open_at_month_end"], gov34["overdue_at_month_end"]) == (2, 1)  # C and H; C


def test_a_ministry_report_covers_its_provincial_directorates(reporting):
    ministry = report(reporting, "2026-03", "MIN-SAGLIK")
    received = ministry.pop("received")
    assert received["total"] == 2  # B (at PD-06-SAGLIK) and D
    assert received["by_kind"] == zeros_but(KINDS, petition=2)
    assert {k: v for k, v in received["by_subject"].items() if v} == {"health": 2}
    assert received["by_channel"] == {"web": 0, "phone": 1, "in_person": 1}
    assert ministry == {
        "period": "2026-03",
        "institution": "MIN-SAGLIK",
        "answered": {"total": 1, "positive": 0, "negative": 1, "positive_share": 0.0, "negative_share": 1.0},
        "response_days": {"mean": 10.0, "median": 10.0},
        "open_at_month_end": 1,  # D
        "overdue_at_month_end": 0,
        "closed": 0,
        "ratings": {"count": 1, "mean": 2.0, "solved_share": 0.0},  # B
    }


def test_april_takes_what_march_left(reporting):
    april = report(reporting, "2026-04")
    assert april["received"]["total"] == 1  # G
    assert april["answered"]["total"] == 2  # C and H
    assert april["open_at_month_end"] == 3  # D, E, G
    assert april["ratings"] == {"count": 1, "mean": 4.0, "solved_share": 1.0}  # H
    assert april["closed"] == 0


def test_scope_and_coordinators_are_kept_whatever_the_order(reporting, engine):
    with Session(engine) as session:
        scopes = set(map(tuple, session.scalars(select(Application.scope))))
        institutions = dict(session.execute(select(Institution.code, Institution.coordinators)).all())
    assert ("GOV-06", "GOV-34", "PRESIDENCY") in scopes  # C
    assert ("GOV-06", "MIN-SAGLIK", "PD-06-SAGLIK", "PRESIDENCY") in scopes  # B
    assert institutions == {code: sorted(coordinators) for code, coordinators in COORDINATORS.items()}


def test_who_may_read_which_report(reporting):
    presidency = token_for("baskan", "PRESIDENCY", "coordinator")
    assert report_for(reporting, presidency, "2026-03")["received"]["total"] == 6
    assert report_for(reporting, presidency, "2026-03", "GOV-34")["institution"] == "GOV-34"

    ankara = token_for("vali", "GOV-06", "coordinator")
    assert report_for(reporting, ankara, "2026-03", "GOV-06") == report(reporting, "2026-03", "GOV-06")
    assert report_for(reporting, ankara, "2026-03", "DG-06-CANKAYA")["received"]["total"] == 2  # A, E
    for institution in ("GOV-34", None, "UNSEEN"):
        with pytest.raises(Forbidden):
            report_for(reporting, ankara, "2026-03", institution)

    officer = token_for("memur", "GOV-06", "officer")
    with pytest.raises(Forbidden):
        report_for(reporting, officer, "2026-03", "GOV-06")
    with pytest.raises(Unauthorized):
        report_for(reporting, "", "2026-03", "GOV-06")


@pytest.mark.parametrize(
    ("period", "code"),
    [("2026-3", "invalid_period"), ("2999-01", "invalid_period"), ("2099-01", "period_in_future")],
)
def test_a_bad_period_is_refused(reporting, period, code):
    token = token_for("baskan", "PRESIDENCY", "coordinator")
    for call in (lambda: report(reporting, period), lambda: report_for(reporting, token, period)):
        with pytest.raises(InvalidRequest) as caught:
            call()
        assert caught.value.args == (code, "period")


# --- Production on the first of the month, and the announcement to the recipients ------------------------------

PRODUCED = consumer_queue("reporting", "monthly_report_produced", "notification.handle_monthly_report_produced").name


@pytest.fixture
def first_of_april(monkeypatch):
    """The clock (outside the system) says 1 April 2026: the timer's month to produce is March."""
    monkeypatch.setattr(calendar, "today", lambda: date(2026, 4, 1))


# Every month's reports: the state's, then every governorship's and ministry's (81 and 17), whatever reached them.
REPORTED = [None, *domain.reported_institutions([], geography.provinces(), geography.ministries())]
THE_MONTH_S = [None, "GOV-06", "GOV-34", "MIN-SAGLIK"]  # the reports March's applications are in


def produce(container):
    with entrypoint_hook(container, "produce_reports") as produce_reports:
        return produce_reports()


def announced(amqp_uri, count):
    events = [next_event(amqp_uri, PRODUCED)["payload"] for _ in range(count)]
    no_event(amqp_uri, PRODUCED)
    return sorted(events, key=lambda e: e["institution"] or "")


def test_the_month_is_produced_once_on_the_first_and_announced(
    reporting, start_service, amqp_uri, engine, first_of_april
):
    second = start_service("reporting", fresh_database=False)  # another worker on the same database
    workers = [eventlet.spawn(produce, container) for container in (reporting, second)]
    assert sum(worker.wait() for worker in workers) == len(REPORTED)

    events = announced(amqp_uri, len(REPORTED))
    assert [e["institution"] for e in events] == REPORTED
    by_institution = {e["institution"]: e for e in events}
    assert [(e["period"], e["institution"], e["recipients"]) for e in map(by_institution.get, THE_MONTH_S)] == [
        ("2026-03", None, ["PRESIDENCY"]),
        ("2026-03", "GOV-06", ["GOV-06", "MIN-ICISLERI"]),
        ("2026-03", "GOV-34", ["GOV-34", "MIN-ICISLERI"]),
        ("2026-03", "MIN-SAGLIK", ["MIN-SAGLIK"]),
    ]
    state = report(reporting, "2026-03")
    assert {k: events[0][k] for k in ("received", "answered", "positive_share", "median_days", "open", "overdue")} == {
        "received": state["received"]["total"],
        "answered": state["answered"]["total"],
        "positive_share": state["answered"]["positive_share"],
        "median_days": state["response_days"]["median"],
        "open": state["open_at_month_end"],
        "overdue": state["overdue_at_month_end"],
    }

    assert produce(reporting) == 0  # the next hour: nothing more, and nothing announced
    no_event(amqp_uri, PRODUCED)
    with Session(engine) as session:
        stored = dict(session.execute(select(MonthlyReport.institution, MonthlyReport.report)).all())
    assert sorted(stored) == sorted(["STATE", *REPORTED[1:]])
    assert stored["STATE"] == state
    assert stored["GOV-06"] == report(reporting, "2026-03", "GOV-06")


def test_a_report_that_is_already_stored_is_neither_stored_nor_announced_again(
    reporting, engine, amqp_uri, first_of_april
):
    with Session(engine) as session:
        session.add(MonthlyReport(period="2026-03", institution="GOV-06", report={"stored": "first"}))
        session.commit()
    assert produce(reporting) == len(REPORTED) - 1
    assert [e["institution"] for e in announced(amqp_uri, len(REPORTED) - 1)] == [k for k in REPORTED if k != "GOV-06"]
    with Session(engine) as session:
        assert handlers.stored_report(session, "2026-03", "GOV-06") == {"stored": "first"}


def test_the_recipients_get_the_stored_report_as_a_pdf(reporting, first_of_april):
    with pytest.raises(NotFound), entrypoint_hook(reporting, "stored_report_document") as document:
        document("2026-03", "GOV-06")  # not produced yet
    produce(reporting)
    with entrypoint_hook(reporting, "stored_report_document") as document:
        pdf = document("2026-03", "GOV-06")
    assert (pdf["content_type"], pdf["filename"]) == ("application/pdf", "cimer-2026-03-GOV-06.pdf")
    assert b64decode(pdf["body"]).startswith(b"%PDF")


def test_a_month_not_ended_is_not_produced(reporting, engine):
    with Session(engine) as session, pytest.raises(InvalidRequest) as caught:
        handlers.reports_due(session, "2026-04", date(2026, 4, 30))
    assert caught.value.code == "period_in_future"


def test_a_governorship_and_a_ministry_to_which_nothing_came_get_a_report_of_zeros(
    start_service, amqp_uri, engine, first_of_april
):
    """SPEC section 6: each governorship and each ministry has its report, and its coordinators their mail, in a
    month in which nothing reached it: here no application at all, so no institution was ever seen."""
    quiet = start_service("reporting")
    assert produce(quiet) == len(REPORTED)

    events = {e["institution"]: e for e in announced(amqp_uri, len(REPORTED))}
    assert set(events) == set(REPORTED)
    assert events["GOV-81"]["recipients"] == ["GOV-81", "MIN-ICISLERI"]
    assert events["MIN-MEB"]["recipients"] == ["MIN-MEB"]
    for event in events.values():
        figures = ("received", "answered", "open", "overdue", "positive_share", "median_days")
        assert [event[k] for k in figures] == [0, 0, 0, 0, None, None], event["institution"]

    with Session(engine) as session:
        stored = handlers.stored_report(session, "2026-03", "GOV-81")
    assert stored == report(quiet, "2026-03", "GOV-81") and stored["received"]["total"] == 0
    with entrypoint_hook(quiet, "stored_report_document") as document:  # what notification attaches
        assert b64decode(document("2026-03", "GOV-81")["body"]).startswith(b"%PDF")
