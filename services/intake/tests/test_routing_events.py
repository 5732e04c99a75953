"""Interface tests of what routing tells intake: the answer and the extension reach the public status and the
officer's view, once however often they are delivered and in whatever order; the inbox keeps only what is still
to do, with its filters; the public status refuses an address that keeps guessing; and a holder whose own system is
plugged into the bus (SPEC section 10) is sent the application, as its officers would see it."""

from datetime import UTC, date, datetime, timedelta

import pytest
from kombu import Connection, Exchange, Queue
from nameko.testing.services import entrypoint_hook, entrypoint_waiter
from sqlalchemy import create_engine, text

from cimer_common import broker, calendar, testing
from cimer_common.errors import InvalidRequest, NotFound, TooManyRequests
from cimer_common.events import ApplicationAnswered, DeadlineExtended
from cimer_common.outbox import consumer_queue
from cimer_common.settings import get_settings
from cimer_common.testing import assigned_event, next_event, no_event, publish, routing_event, token_for

pytestmark = pytest.mark.interface

# The shared petition, with no district.
PETITION = {key: value for key, value in testing.PETITION.items() if key != "district"}
APPLICANT = PETITION["applicant"]
INFO = {**PETITION, "kind": "information_request", "petition_type": None}
RECEIVED = consumer_queue("intake", "application_received", "routing.handle_application_received").name
OFFICER_GOV_06 = token_for("gov-06", "GOV-06", "officer")


def answered(received, institution="GOV-06", outcome="positive", text="Yolunuz onarıldı.", at=None, event_id=None):
    payload = ApplicationAnswered(
        application_id=received["application_id"],
        tracking_number=received["tracking_number"],
        institution=institution,
        outcome=outcome,
        text=text,
        answered_at=at or datetime.now(UTC),
    )
    return routing_event("application_answered", payload, event_id)


def extended(received, deadline, reason="Bilgi başka birimden derleniyor.", at=None, event_id=None):
    payload = DeadlineExtended(
        application_id=received["application_id"],
        tracking_number=received["tracking_number"],
        institution="GOV-06",
        previous_deadline=received["deadline"],
        deadline=deadline,
        reason=reason,
        extended_at=at or datetime.now(UTC),
    )
    return routing_event("deadline_extended", payload, event_id)


def call(container, method, *args, **kwargs):
    with entrypoint_hook(container, method) as entrypoint:
        return entrypoint(*args, **kwargs)


def deliver(container, handler, envelope):
    with entrypoint_waiter(container, handler):
        publish(get_settings().amqp_uri, envelope)


def file(container, amqp_uri, application=PETITION):
    accepted = call(container, "file_application", application)
    return accepted, next_event(amqp_uri, RECEIVED)["payload"]


def file_and_assign(container, amqp_uri, application=PETITION, institution="GOV-06"):
    accepted, received = file(container, amqp_uri, application)
    deliver(
        container,
        "handle_application_assigned",
        assigned_event(received["application_id"], accepted["tracking_number"], institution),
    )
    return accepted, received


def sql(statement, **params):
    engine = create_engine(get_settings().database_url("intake"))
    with engine.begin() as connection:
        connection.execute(text(statement), params)
    engine.dispose()


def test_the_answer_reaches_the_public_status_and_the_officer_once(start_service, amqp_uri):
    intake = start_service("intake")
    accepted, received = file_and_assign(intake, amqp_uri)
    at = datetime.now(UTC)
    event = answered(received, outcome="negative", text="Talebiniz mevzuata uygun değildir.", at=at)
    for _ in range(2):
        deliver(intake, "handle_application_answered", event)

    status = call(intake, "get_status", accepted["tracking_number"], accepted["access_code"])
    assert status["status"] == "answered"
    answer = status["answer"]
    assert datetime.fromisoformat(answer.pop("answered_at")) == at
    assert answer == {"outcome": "negative", "text": "Talebiniz mevzuata uygun değildir.", "institution": "GOV-06"}
    assert [h["status"] for h in status["history"]] == ["received", "assigned", "answered"]
    seen = call(intake, "get_application", OFFICER_GOV_06, accepted["tracking_number"])
    assert seen["answer"]["text"] == answer["text"] and seen["status"] == "answered"
    # Nothing left to do: an answered application leaves the holder's inbox.
    assert call(intake, "inbox", OFFICER_GOV_06)["total"] == 0


def test_an_assignment_delivered_after_the_answer_does_not_undo_it(start_service, amqp_uri):
    intake = start_service("intake")
    accepted, received = file(intake, amqp_uri)
    deliver(intake, "handle_application_answered", answered(received, institution="GOV-06"))
    deliver(
        intake,
        "handle_application_assigned",
        assigned_event(received["application_id"], accepted["tracking_number"], "DG-06-CANKAYA", reason="forwarded"),
    )
    status = call(intake, "get_status", accepted["tracking_number"], accepted["access_code"])
    assert status["status"] == "answered" and status["institution"] == "GOV-06"
    assert status["answer"]["institution"] == "GOV-06"
    # The answering institution may still open what it answered.
    assert call(intake, "get_application", OFFICER_GOV_06, accepted["tracking_number"])["status"] == "answered"


def test_an_extension_moves_the_public_deadline_once(start_service, amqp_uri):
    intake = start_service("intake")
    accepted, received = file_and_assign(intake, amqp_uri, INFO)
    new_deadline = calendar.extended_deadline(date.fromisoformat(received["deadline"]))
    event = extended(received, new_deadline)
    for _ in range(2):
        deliver(intake, "handle_deadline_extended", event)

    status = call(intake, "get_status", accepted["tracking_number"], accepted["access_code"])
    assert status["deadline"] == new_deadline.isoformat() and status["status"] == "assigned"
    assert status["extension"]["reason"] == "Bilgi başka birimden derleniyor."
    assert [(h["status"], h["institution"]) for h in status["history"]] == [
        ("received", None),
        ("assigned", "GOV-06"),
        ("extended", "GOV-06"),
    ]
    assert status["answer"] is None


def test_an_extension_delivered_after_the_answer_is_still_recorded_in_order(start_service, amqp_uri):
    intake = start_service("intake")
    accepted, received = file_and_assign(intake, amqp_uri, INFO)
    extended_at = datetime.now(UTC)
    new_deadline = calendar.extended_deadline(date.fromisoformat(received["deadline"]))
    deliver(intake, "handle_application_answered", answered(received, at=extended_at + timedelta(hours=1)))
    deliver(intake, "handle_deadline_extended", extended(received, new_deadline, at=extended_at))
    status = call(intake, "get_status", accepted["tracking_number"], accepted["access_code"])
    assert status["status"] == "answered" and status["deadline"] == new_deadline.isoformat()
    assert [h["status"] for h in status["history"]] == ["received", "assigned", "extended", "answered"]


def test_the_inbox_filters_by_kind_and_overdue_and_shows_each_status(start_service, amqp_uri):
    intake = start_service("intake")
    late, _ = file_and_assign(intake, amqp_uri, PETITION)
    file_and_assign(intake, amqp_uri, INFO)
    sql(
        "UPDATE applications SET deadline = :day WHERE tracking_number = :number",
        day=calendar.today() - timedelta(days=1),
        number=late["tracking_number"],
    )

    everything = call(intake, "inbox", OFFICER_GOV_06)
    assert everything["total"] == 2 and {item["status"] for item in everything["items"]} == {"assigned"}
    petitions = call(intake, "inbox", OFFICER_GOV_06, kind="petition")
    assert [item["tracking_number"] for item in petitions["items"]] == [late["tracking_number"]]
    overdue = call(intake, "inbox", OFFICER_GOV_06, overdue=True)
    assert [item["tracking_number"] for item in overdue["items"]] == [late["tracking_number"]]
    on_time = call(intake, "inbox", OFFICER_GOV_06, overdue=False)
    assert [item["kind"] for item in on_time["items"]] == ["information_request"]
    assert call(intake, "inbox", OFFICER_GOV_06, kind="human_rights", overdue=False)["total"] == 0
    with pytest.raises(InvalidRequest):
        call(intake, "inbox", OFFICER_GOV_06, kind="letter")


def test_an_address_that_keeps_guessing_is_refused_until_the_window_frees_it(start_service, amqp_uri):
    intake = start_service("intake")
    accepted, _ = file(intake, amqp_uri)
    number, code = accepted["tracking_number"], accepted["access_code"]
    guesser, other = "198.51.100.7", "198.51.100.8"

    with entrypoint_hook(intake, "get_status") as get_status:
        refusals = set()
        for i in range(20):
            with pytest.raises(NotFound) as missing:
                # Wrong pairs and missing numbers alike, each answered the same way.
                # (fewer than ten at the real number: those would close it to everyone, as the test below shows)
                get_status(number if i < 5 else "260999999990", "ZZZZZZZZ", client_address=guesser)
            refusals.add(missing.value.args)
        assert refusals == {("application_not_found", None)}

        with pytest.raises(TooManyRequests) as throttled:
            get_status("260999999990", "ZZZZZZZZ", client_address=guesser)
        assert throttled.value.code == "too_many_lookups"
        assert 1 <= int(throttled.value.retry_after) <= 600
        # Refused before the pair is checked: the right pair from that address is refused too.
        with pytest.raises(TooManyRequests):
            get_status(number, code, client_address=guesser)
        # Another address is answered.
        assert get_status(number, code, client_address=other)["status"] == "received"

        # Once the window has passed the failures, the address is answered again.
        sql("UPDATE status_lookup_failures SET at = at - interval '10 minutes'")
        assert get_status(number, code, client_address=guesser)["status"] == "received"


def test_guesses_at_one_number_from_many_addresses_close_it_for_the_window(start_service, amqp_uri):
    intake = start_service("intake")
    accepted, _ = file(intake, amqp_uri)
    number, code = accepted["tracking_number"], accepted["access_code"]
    other, _ = file(intake, amqp_uri)
    with entrypoint_hook(intake, "get_status") as get_status:
        for i in range(10):  # ten addresses, one wrong guess each: no address comes near its own limit
            with pytest.raises(NotFound):
                get_status(number, "ZZZZZZZZ", client_address=f"203.0.113.{i}")
        with pytest.raises(TooManyRequests) as throttled:
            get_status(number, code, client_address="203.0.113.200")  # the right pair, from a fresh address
        assert throttled.value.code == "too_many_lookups" and 1 <= int(throttled.value.retry_after) <= 600
        # Another application is answered, to the same addresses.
        assert get_status(other["tracking_number"], other["access_code"], client_address="203.0.113.0")
        sql("UPDATE status_lookup_failures SET at = at - interval '10 minutes'")
        assert get_status(number, code, client_address="203.0.113.200")["status"] == "received"


def test_an_ipv6_guesser_is_counted_by_its_64_whichever_of_its_addresses_it_uses(start_service, amqp_uri):
    intake = start_service("intake")
    accepted, _ = file(intake, amqp_uri)
    number, code = accepted["tracking_number"], accepted["access_code"]
    with entrypoint_hook(intake, "get_status") as get_status:
        for i in range(20):
            with pytest.raises(NotFound):
                get_status("260999999990", "ZZZZZZZZ", client_address=f"2001:db8:5:7::{i + 1:x}")
        with pytest.raises(TooManyRequests):
            get_status(number, code, client_address="2001:db8:5:7:ffff:1:2:3")  # the same /64
        assert get_status(number, code, client_address="2001:db8:5:8::1")["status"] == "received"  # another


# --- Institutions' own systems (SPEC section 10): what intake sends a plugged-in holder ----------------------------

INTAKE_AUDIT = consumer_queue("intake", "activity_recorded", "identity.handle_activity_recorded").name


@pytest.fixture
def institution_queue(amqp_uri):
    """A queue bound as `cimer-institution plug` binds an institution's (here as the administrator, for GOV-06)."""
    name = f"test.institution.GOV-06.{id(amqp_uri)}"
    with Connection(amqp_uri) as connection:
        bound = Queue(
            name, exchange=Exchange(broker.INSTITUTIONS_EXCHANGE, type="direct", durable=True), routing_key="GOV-06"
        )(connection.channel())
        bound.declare()
        bound.purge()
        yield name
        bound.delete()


def assign(intake, received, accepted, **overrides):
    event = assigned_event(received["application_id"], accepted["tracking_number"], "GOV-06", **overrides)
    deliver(intake, "handle_application_assigned", event)
    return event


def test_a_plugged_in_holder_gets_the_application_with_the_applicant_masked(start_service, amqp_uri, institution_queue):
    intake = start_service("intake")
    accepted, received = file(intake, amqp_uri)
    event = assign(intake, received, accepted, institution_system=True)
    deliver(intake, "handle_application_assigned", event)  # redelivered: nothing twice

    message = next_event(amqp_uri, institution_queue)
    assert message.pop("message_id") and message.pop("occurred_at")
    assert message == {
        "type": "application_assigned",
        "tracking_number": accepted["tracking_number"],
        "kind": "petition",
        "petition_type": "complaint",
        "channel": "web",
        "subject": "transport",
        "title": PETITION["title"],
        "body": PETITION["body"],
        "province": "06",
        "district": None,
        "received_at": received["received_at"].replace("Z", "+00:00")
        if received["received_at"].endswith("Z")
        else received["received_at"],
        "deadline": accepted["deadline"],
        "from_institution": None,
        "reason": "initial",
        "note": None,
        "applicant": {**APPLICANT, "national_id": "10*******46", "phone": None, "address": None},
    }
    no_event(amqp_uri, institution_queue)
    audit = [next_event(amqp_uri, INTAKE_AUDIT)["payload"] for _ in range(1)]
    assert audit[0]["action"] == "read_personal_data"
    assert (audit[0]["actor_username"], audit[0]["actor_institution"]) == ("institution-GOV-06", "GOV-06")


def test_a_confidential_or_anonymous_applicant_is_not_handed_over(start_service, amqp_uri, institution_queue):
    intake = start_service("intake")
    confidential, received = file(intake, amqp_uri, {**PETITION, "confidential": True})
    assign(intake, received, confidential, institution_system=True)
    assert next_event(amqp_uri, institution_queue)["applicant"] is None
    anonymous, received = file(intake, amqp_uri, {**PETITION, "applicant": None})
    assign(intake, received, anonymous, institution_system=True)
    assert next_event(amqp_uri, institution_queue)["applicant"] is None
    no_event(amqp_uri, INTAKE_AUDIT)  # nobody's personal data left intake


def test_a_holder_without_its_own_system_gets_nothing(start_service, amqp_uri, institution_queue):
    intake = start_service("intake")
    accepted, received = file(intake, amqp_uri)
    assign(intake, received, accepted)
    assert call(intake, "get_status", accepted["tracking_number"], accepted["access_code"])["status"] == "assigned"
    no_event(amqp_uri, institution_queue)
    no_event(amqp_uri, INTAKE_AUDIT)
