"""Interface tests of what follows the answer (SPEC section 12) at intake, through its real entrypoints on RabbitMQ
and PostgreSQL: the applicant appeals a refused information request (with the access code, within the window,
once), rates the answer once, and the application closes when routing says so; whatever order routing's events
arrive in, a later fact wins and an earlier one changes nothing."""

from datetime import UTC, datetime, timedelta

import pytest
from nameko.testing.services import entrypoint_hook, entrypoint_waiter

from cimer_common import calendar, testing
from cimer_common.errors import Conflict, InvalidRequest, NotFound
from cimer_common.events import ApplicationAnswered, ApplicationClosed
from cimer_common.outbox import consumer_queue
from cimer_common.settings import get_settings
from cimer_common.testing import assigned_event, next_event, no_event, publish, routing_event, token_for

pytestmark = pytest.mark.interface

PETITION = {key: value for key, value in testing.PETITION.items() if key != "district"}
INFO = {**PETITION, "kind": "information_request", "petition_type": None}
RECEIVED = consumer_queue("intake", "application_received", "routing.handle_application_received").name
APPEALED = consumer_queue("intake", "application_appealed", "routing.handle_application_appealed").name
RATED = consumer_queue("intake", "feedback_given", "reporting.handle_feedback_given").name
REASON = "İstenen bilgi kamuya açık bir bilgidir; ret yerinde değildir."


def call(container, method, *args, **kwargs):
    with entrypoint_hook(container, method) as entrypoint:
        return entrypoint(*args, **kwargs)


def deliver(container, handler, envelope):
    with entrypoint_waiter(container, handler):
        publish(get_settings().amqp_uri, envelope)


def answered(received, outcome="negative", at=None, institution="GOV-06", appeal=None, text="Bilgi verilemez."):
    payload = ApplicationAnswered(
        application_id=received["application_id"],
        tracking_number=received["tracking_number"],
        institution=institution,
        outcome=outcome,
        text=text,
        answered_at=at or datetime.now(UTC),
        appeal=appeal,
    )
    return routing_event("application_answered", payload)


def closed(received, answered_at, institution="GOV-06"):
    payload = ApplicationClosed(
        application_id=received["application_id"],
        tracking_number=received["tracking_number"],
        institution=institution,
        answered_at=answered_at,
        closed_at=datetime.now(UTC),
    )
    return routing_event("application_closed", payload)


def answered_application(intake, amqp_uri, application=INFO, outcome="negative", at=None):
    accepted = call(intake, "file_application", application)
    received = next_event(amqp_uri, RECEIVED)["payload"]
    number = accepted["tracking_number"]
    deliver(intake, "handle_application_assigned", assigned_event(received["application_id"], number, "GOV-06"))
    at = at or datetime.now(UTC) - timedelta(minutes=1)
    deliver(intake, "handle_application_answered", answered(received, outcome, at))
    return accepted, received, at


def status(intake, accepted):
    return call(intake, "get_status", accepted["tracking_number"], accepted["access_code"])


def refused(error, intake, method, *args, **kwargs):
    with pytest.raises(error) as caught:
        call(intake, method, *args, **kwargs)
    return caught.value.args[0]


def test_a_refused_information_request_is_appealed_once_and_reopens_at_the_board(start_service, amqp_uri):
    intake = start_service("intake")
    accepted, received, answered_at = answered_application(intake, amqp_uri)
    number, code = accepted["tracking_number"], accepted["access_code"]
    assert status(intake, accepted)["appeal"] == {
        "may_appeal_until": calendar.appeal_window_ends(answered_at).isoformat()
    }

    assert refused(NotFound, intake, "appeal", number, "000000", REASON) == "application_not_found"
    assert refused(InvalidRequest, intake, "appeal", number, code, "kısa") == "appeal_reason_required"
    appealed = call(intake, "appeal", number, code, f"  {REASON}  ", client_address="203.0.113.9")
    assert appealed["status"] == "answered"  # until routing moves it
    assert appealed["appeal"]["reason"] == REASON and appealed["appeal"]["decision"] is None
    event = next_event(amqp_uri, APPEALED)
    assert event["payload"]["application_id"] == received["application_id"]
    assert datetime.fromisoformat(event["payload"]["answered_at"]) == answered_at
    assert refused(Conflict, intake, "appeal", number, code, REASON) == "already_appealed"
    no_event(amqp_uri, APPEALED)

    # Routing moves it to the board with the board's deadline: the status shows it open again, at the board.
    deadline = calendar.board_deadline(datetime.now(UTC))
    deliver(
        intake,
        "handle_application_assigned",
        assigned_event(received["application_id"], number, "BEDK", "appealed", deadline=deadline.isoformat()),
    )
    now = status(intake, accepted)
    assert (now["status"], now["institution"], now["deadline"]) == ("assigned", "BEDK", deadline.isoformat())
    assert [(h["status"], h["institution"]) for h in now["history"]][-1] == ("appealed", "BEDK")
    inbox = call(intake, "inbox", token_for("bedk", "BEDK", "officer"))
    assert [item["tracking_number"] for item in inbox["items"]] == [number]

    # The board upholds the refusal: its decision is the answer now; a closing of the first answer arriving late
    # changes nothing, the decision's own closing closes it.
    decided_at = datetime.now(UTC)
    deliver(
        intake,
        "handle_application_answered",
        answered(received, at=decided_at, institution="BEDK", appeal="upheld", text="Ret yerindedir."),
    )
    deliver(intake, "handle_application_closed", closed(received, answered_at))
    now = status(intake, accepted)
    assert (now["status"], now["answer"]["institution"], now["answer"]["text"]) == (
        "answered",
        "BEDK",
        "Ret yerindedir.",
    )
    assert now["appeal"]["decision"] == "upheld" and now["closed_at"] is None
    deliver(intake, "handle_application_closed", closed(received, decided_at, "BEDK"))
    now = status(intake, accepted)
    assert now["status"] == "closed" and now["closed_at"] is not None
    assert [h["status"] for h in now["history"]][-2:] == ["answered", "closed"]


@pytest.mark.parametrize(
    ("application", "outcome", "code"),
    [(PETITION, "negative", "appeal_not_allowed"), (INFO, "positive", "appeal_not_allowed")],
)
def test_only_a_negative_answer_to_an_information_request_is_appealed(
    start_service, amqp_uri, application, outcome, code
):
    intake = start_service("intake")
    accepted, _, _ = answered_application(intake, amqp_uri, application, outcome)
    assert (
        refused(InvalidRequest, intake, "appeal", accepted["tracking_number"], accepted["access_code"], REASON) == code
    )
    assert status(intake, accepted)["appeal"] is None
    no_event(amqp_uri, APPEALED)


def test_an_appeal_after_the_window_is_refused(start_service, amqp_uri):
    intake = start_service("intake")
    accepted, _, _ = answered_application(intake, amqp_uri, at=datetime.now(UTC) - timedelta(days=40))
    number, code = accepted["tracking_number"], accepted["access_code"]
    assert refused(InvalidRequest, intake, "appeal", number, code, REASON) == "appeal_window_over"
    no_event(amqp_uri, APPEALED)


def test_an_unanswered_application_can_be_neither_appealed_nor_rated(start_service, amqp_uri):
    intake = start_service("intake")
    accepted = call(intake, "file_application", INFO)
    next_event(amqp_uri, RECEIVED)
    number, code = accepted["tracking_number"], accepted["access_code"]
    assert refused(Conflict, intake, "appeal", number, code, REASON) == "not_answered_yet"
    assert refused(Conflict, intake, "give_feedback", number, code, 4, True) == "feedback_not_allowed"


def test_the_applicant_rates_the_answer_once_and_the_holders_officer_reads_it(start_service, amqp_uri):
    intake = start_service("intake")
    accepted, _, _ = answered_application(intake, amqp_uri, PETITION, "positive")
    number, code = accepted["tracking_number"], accepted["access_code"]
    assert refused(InvalidRequest, intake, "give_feedback", number, code, 6, True) == "invalid_rating"
    assert refused(NotFound, intake, "give_feedback", number, "wrong", 4, True) == "application_not_found"

    rated = call(intake, "give_feedback", number, code, 4, True, "  Hızlı ve açık bir cevap.  ")
    assert rated["feedback"]["rating"] == 4 and rated["feedback"]["comment"] == "Hızlı ve açık bir cevap."
    event = next_event(amqp_uri, RATED)["payload"]
    assert (event["institution"], event["rating"], event["solved"]) == ("GOV-06", 4, True)
    assert "comment" not in event  # the comment stays with intake
    assert refused(Conflict, intake, "give_feedback", number, code, 5, True) == "already_rated"
    no_event(amqp_uri, RATED)

    seen = call(intake, "get_application", token_for("gov-06", "GOV-06", "officer"), number)
    assert seen["feedback"] == {**rated["feedback"]}


def test_closing_closes_only_the_answer_it_names(start_service, amqp_uri):
    intake = start_service("intake")
    accepted, received, answered_at = answered_application(intake, amqp_uri, PETITION, "positive")
    deliver(intake, "handle_application_closed", closed(received, answered_at - timedelta(seconds=1)))
    assert status(intake, accepted)["status"] == "answered"
    deliver(intake, "handle_application_closed", closed(received, answered_at))
    now = status(intake, accepted)
    assert now["status"] == "closed" and now["history"][-1]["status"] == "closed"
    # A late assignment from before the answer changes nothing; the inbox has nothing left to do.
    deliver(
        intake,
        "handle_application_assigned",
        assigned_event(
            received["application_id"], accepted["tracking_number"], "DG-06-CANKAYA", "forwarded",
            assigned_at=(answered_at - timedelta(seconds=30)).isoformat(),
        ),
    )  # fmt: skip
    assert status(intake, accepted)["status"] == "closed"
    assert call(intake, "inbox", token_for("gov-06", "GOV-06", "officer"))["items"] == []


def test_moves_after_the_answer_arriving_out_of_order_settle_as_they_happened(start_service, amqp_uri):
    """Two replicas, a backlog: the board's order overtakes the appeal's move, and a forward from before the answer
    comes last. The application ends where the order sent it, with the order's deadline."""
    intake = start_service("intake")
    accepted, received, answered_at = answered_application(intake, amqp_uri)
    number = accepted["tracking_number"]
    call(intake, "appeal", number, accepted["access_code"], REASON)
    next_event(amqp_uri, APPEALED)
    appealed_at, ordered_at = datetime.now(UTC), datetime.now(UTC) + timedelta(seconds=5)
    ordered_deadline = calendar.ordered_answer_deadline(ordered_at)
    moves = [
        assigned_event(
            received["application_id"], number, "GOV-06", "ordered",
            assigned_at=ordered_at.isoformat(), deadline=ordered_deadline.isoformat(),
        ),
        assigned_event(
            received["application_id"], number, "BEDK", "appealed",
            assigned_at=appealed_at.isoformat(), deadline=calendar.board_deadline(appealed_at).isoformat(),
        ),
        assigned_event(
            received["application_id"], number, "DG-06-CANKAYA", "forwarded",
            assigned_at=(answered_at - timedelta(minutes=5)).isoformat(),
        ),
    ]  # fmt: skip
    for move in moves:
        deliver(intake, "handle_application_assigned", move)
    now = status(intake, accepted)
    assert (now["status"], now["institution"], now["deadline"]) == ("assigned", "GOV-06", ordered_deadline.isoformat())
    assert now["appeal"]["decision"] == "answer_ordered"
    assert [h["status"] for h in now["history"]].count("appealed") == 0  # the stale move left no line
