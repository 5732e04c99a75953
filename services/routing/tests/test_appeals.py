"""Interface tests of what follows the answer (SPEC section 12) at routing: an appeal moves a refused information
request to the information review board, the board upholds the refusal or orders an answer, and an answered
application closes once its appeal window is over; through the real entrypoints, on RabbitMQ and PostgreSQL."""

from datetime import UTC, date, datetime, timedelta

import pytest
from nameko.testing.services import entrypoint_hook, entrypoint_waiter
from sqlalchemy import select, update

from cimer_common import calendar
from cimer_common.errors import Conflict, Forbidden, InvalidRequest, NotFound
from cimer_common.events import ApplicationAppealed
from cimer_common.outbox import consumer_queue
from cimer_common.testing import event, next_event, no_event, publish, received_event, service_database, token_for
from routing.models import Assignment

pytestmark = pytest.mark.interface

ASSIGNED = consumer_queue("routing", "application_assigned", "intake.handle_application_assigned").name
ANSWERED = consumer_queue("routing", "application_answered", "intake.handle_application_answered").name
CLOSED = consumer_queue("routing", "application_closed", "intake.handle_application_closed").name
NUMBER = "260000000018"
REFUSAL = "İstenen bilgi ticari sır niteliğindedir."
BOARD = token_for("bedk-officer", "BEDK", "officer")
HOLDER = token_for("pd-officer", "PD-06-SAGLIK", "officer")


def rpc(container, method, *args, **kwargs):
    with entrypoint_hook(container, method) as call:
        return call(*args, **kwargs)


def refused(error, container, method, *args, **kwargs):
    with pytest.raises(error) as caught:
        rpc(container, method, *args, **kwargs)
    return caught.value.args[0]


def refused_information_request(routing, amqp_uri):
    """An information request filed in person at Ankara's health directorate, refused there."""
    envelope = received_event(
        tracking_number=NUMBER,
        kind="information_request",
        petition_type=None,
        channel="in_person",
        recorded_by="PD-06-SAGLIK",
        subject="health",
        deadline=date(2026, 12, 22),
    )
    with entrypoint_waiter(routing, "handle_application_received"):
        publish(amqp_uri, envelope)
    assert next_event(amqp_uri, ASSIGNED)["payload"]["institution"] == "PD-06-SAGLIK"
    rpc(routing, "answer", HOLDER, NUMBER, "negative", REFUSAL)
    answer = next_event(amqp_uri, ANSWERED)["payload"]
    assert answer["appeal"] is None
    return envelope.payload["application_id"], datetime.fromisoformat(answer["answered_at"])


def appeal(routing, amqp_uri, application_id, answered_at, appealed_at, event_id=None):
    payload = ApplicationAppealed(
        application_id=application_id, tracking_number=NUMBER, answered_at=answered_at, appealed_at=appealed_at
    )
    with entrypoint_waiter(routing, "handle_application_appealed"):
        publish(amqp_uri, event("intake", "application_appealed", payload, event_id))


def test_an_appeal_goes_to_the_board_which_orders_the_institution_to_answer(routing, amqp_uri):
    application_id, answered_at = refused_information_request(routing, amqp_uri)
    appealed_at = datetime.now(UTC)
    appeal(routing, amqp_uri, application_id, answered_at, appealed_at)

    moved = next_event(amqp_uri, ASSIGNED)["payload"]
    assert (moved["institution"], moved["previous_institution"], moved["reason"]) == (
        "BEDK",
        "PD-06-SAGLIK",
        "appealed",
    )
    assert moved["deadline"] == calendar.board_deadline(appealed_at).isoformat()

    # Before the board only its decision is left: the board cannot answer or send it on, nor the old holder act.
    assert refused(Conflict, routing, "answer", BOARD, NUMBER, "positive", "Bilgi verilmelidir.") == (
        "appeal_decision_required"
    )
    assert refused(Conflict, routing, "forward", BOARD, NUMBER, "PD-06-SAGLIK") == "appeal_decision_required"
    assert rpc(routing, "forward_targets", BOARD, NUMBER) == {
        "return_to": None,
        "targets": [],
        "may_answer": False,
        "may_extend": False,
        "may_decide_appeal": True,
    }
    refused(NotFound, routing, "decide_appeal", token_for("x", "GOV-34", "officer"), NUMBER, "upheld", "Ret yerinde.")
    assert refused(InvalidRequest, routing, "decide_appeal", BOARD, NUMBER, "reversed", "Karar metni.") == (
        "invalid_decision"
    )

    decided = rpc(routing, "decide_appeal", BOARD, NUMBER, "answer_ordered", "Bilgi ticari sır değildir; verilmeli.")
    ordered = next_event(amqp_uri, ASSIGNED)["payload"]
    assert (ordered["institution"], ordered["reason"], ordered["note"]) == (
        "PD-06-SAGLIK",
        "ordered",
        "Bilgi ticari sır değildir; verilmeli.",
    )
    assert decided["institution"] == "PD-06-SAGLIK" and decided["deadline"] == ordered["deadline"]
    # Decided: the board no longer holds it.
    refused(Forbidden, routing, "decide_appeal", BOARD, NUMBER, "upheld", "Ret yerinde.")

    rpc(routing, "answer", HOLDER, NUMBER, "positive", "İstenen bilgiler ekte sunulmuştur.")
    answer = next_event(amqp_uri, ANSWERED)["payload"]
    assert (answer["institution"], answer["outcome"], answer["appeal"]) == ("PD-06-SAGLIK", "positive", "ordered")
    assert [(h["to"], h["reason"]) for h in rpc(routing, "history", HOLDER, NUMBER)] == [
        ("PD-06-SAGLIK", "initial"),
        ("BEDK", "appealed"),
        ("PD-06-SAGLIK", "ordered"),
    ]

    # The same appeal again (a redelivery under a new id, or a second appeal) changes nothing: one appeal.
    appeal(routing, amqp_uri, application_id, answered_at, appealed_at)
    no_event(amqp_uri, ASSIGNED)


def test_the_board_upholds_the_refusal_and_the_application_closes_after_its_window(routing, amqp_uri):
    application_id, answered_at = refused_information_request(routing, amqp_uri)
    appeal(routing, amqp_uri, application_id, answered_at, datetime.now(UTC))
    next_event(amqp_uri, ASSIGNED)

    rpc(routing, "decide_appeal", BOARD, NUMBER, "upheld", "Ret kararı Kanunun 23. maddesine uygundur.")
    decision = next_event(amqp_uri, ANSWERED)["payload"]
    assert (decision["institution"], decision["outcome"], decision["appeal"]) == ("BEDK", "negative", "upheld")
    assert refused(Conflict, routing, "decide_appeal", BOARD, NUMBER, "upheld", "Ret yerinde.") == "not_under_appeal"

    # Closed once the window after the decision is over, not before.
    rpc(routing, "watch_deadlines")
    no_event(amqp_uri, CLOSED)
    decided_at = datetime.fromisoformat(decision["answered_at"])
    with service_database(routing) as session:
        session.execute(update(Assignment).values(answered_at=decided_at - timedelta(days=40)))
    rpc(routing, "watch_deadlines")
    closed = next_event(amqp_uri, CLOSED)["payload"]
    assert closed["tracking_number"] == NUMBER and closed["institution"] == "BEDK"
    assert datetime.fromisoformat(closed["answered_at"]) == decided_at - timedelta(days=40)
    rpc(routing, "watch_deadlines")
    no_event(amqp_uri, CLOSED)  # once
    assert refused(Conflict, routing, "answer", BOARD, NUMBER, "positive", "Bilgi verilmelidir.") == "already_closed"


def test_an_appeal_made_in_time_reopens_an_application_closed_meanwhile(routing, amqp_uri):
    """Intake took the appeal on the window's last day; routing's closing watch ran before the appeal reached it."""
    application_id, answered_at = refused_information_request(routing, amqp_uri)
    with service_database(routing) as session:
        session.execute(update(Assignment).values(answered_at=answered_at - timedelta(days=30)))
    rpc(routing, "watch_deadlines")
    assert next_event(amqp_uri, CLOSED)["payload"]["tracking_number"] == NUMBER

    appeal(routing, amqp_uri, application_id, answered_at - timedelta(days=30), datetime.now(UTC))
    moved = next_event(amqp_uri, ASSIGNED)["payload"]
    assert (moved["institution"], moved["reason"]) == ("BEDK", "appealed")
    with service_database(routing) as session:
        assignment = session.scalars(select(Assignment)).one()
        assert (assignment.status, assignment.closed_at, assignment.appealed_from) == ("assigned", None, "PD-06-SAGLIK")
