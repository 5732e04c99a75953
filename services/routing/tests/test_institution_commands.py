"""Interface tests of institutions' own systems on the bus (SPEC section 10), routing's side: plugging in through
the real `cimer-institution` code on the real broker, and commands from the institution's credentials acted on
by routing's real entrypoint under the same rules as an officer's, once per command_id."""

import queue
import uuid

import amqp.exceptions
import pytest
from nameko.testing.services import entrypoint_hook, entrypoint_waiter
from sqlalchemy import func, select

from cimer_common import broker, broker_admin
from cimer_common.outbox import consumer_queue
from cimer_common.testing import (
    next_event,
    publish,
    received_event,
    send_command,
    service_database,
    take_message,
    token_for,
)
from routing.models import AssignmentHistory, Institution, InstitutionCommand

pytestmark = pytest.mark.interface

ASSIGNED = consumer_queue("routing", "application_assigned", "intake.handle_application_assigned").name
NUMBER = "260000000018"


@pytest.fixture
def plugged(routing):
    """MIN-SAGLIK's system plugged in, for real: its broker user, its queue, the directory's mark."""
    found = broker_admin.plug("MIN-SAGLIK")
    yield found
    broker_admin.Management().delete_user(broker.institution_user("MIN-SAGLIK"))


def held_by_the_ministry(routing, amqp_uri):
    """An application the Presidency forwarded to MIN-SAGLIK (a health matter naming the ministry)."""
    with entrypoint_waiter(routing, "handle_application_received"):
        publish(amqp_uri, received_event(tracking_number=NUMBER, target_institution="MIN-SAGLIK", subject="health"))
    assert next_event(amqp_uri, ASSIGNED)["payload"]["institution"] == "PRESIDENCY"
    with entrypoint_hook(routing, "forward") as forward:
        forward(token_for("presidency", "PRESIDENCY", "officer"), NUMBER, "MIN-SAGLIK")
    return next_event(amqp_uri, ASSIGNED)["payload"]


def command(routing, plugged, name, body):
    with entrypoint_waiter(routing, "handle_institution_command"):
        send_command(plugged["amqp_uri"], "MIN-SAGLIK", name, body)
    return take_message(plugged["amqp_uri"], plugged["queue"])


def test_plugging_in_gives_the_institution_its_credentials_and_marks_it_in_the_directory(routing, plugged):
    assert plugged["institution"] == "MIN-SAGLIK"
    assert plugged["queue"] == "cimer.institution.MIN-SAGLIK"
    assert plugged["commands_exchange"] == "cimer.commands"
    assert plugged["amqp_uri"].startswith("amqp://institution-MIN-SAGLIK:")
    with service_database(routing) as session:
        assert session.get(Institution, "MIN-SAGLIK").system_plugged
    # Its queue is there and readable with its credentials (empty yet).
    with pytest.raises(queue.Empty):
        take_message(plugged["amqp_uri"], plugged["queue"], timeout=0.3)

    rotated = broker_admin.plug("MIN-SAGLIK")  # run again: new credentials, the old ones no longer work
    assert rotated["amqp_uri"] != plugged["amqp_uri"]
    with pytest.raises(amqp.exceptions.AccessRefused):
        take_message(plugged["amqp_uri"], plugged["queue"], timeout=0.3)

    broker_admin.unplug("MIN-SAGLIK")
    with service_database(routing) as session:
        assert not session.get(Institution, "MIN-SAGLIK").system_plugged
    with pytest.raises(amqp.exceptions.AccessRefused):
        take_message(rotated["amqp_uri"], plugged["queue"], timeout=0.3)


def test_an_unknown_institution_cannot_be_plugged_in(routing):
    with pytest.raises(Exception, match="institution_not_found"):
        broker_admin.plug("NO-SUCH-BODY")
    with pytest.raises(broker_admin.BrokerAdminError):
        broker_admin.plug("not a code")


def test_an_assignment_says_the_holder_has_its_own_system(routing, amqp_uri, plugged):
    assert held_by_the_ministry(routing, amqp_uri)["institution_system"] is True


def test_a_command_is_acted_on_once_and_its_outcome_comes_back(routing, amqp_uri, plugged):
    held_by_the_ministry(routing, amqp_uri)
    forward = {"command_id": "c-1", "tracking_number": NUMBER, "to_institution": "PD-06-SAGLIK", "note": "İl için."}
    accepted = command(routing, plugged, "forward", forward)
    assert accepted == {
        "type": "command_accepted",
        "command_id": "c-1",
        "code": "forwarded",
        "message": "Başvuru yönlendirildi.",
        "tracking_number": NUMBER,
        "message_id": accepted["message_id"],
    }
    moved = next_event(amqp_uri, ASSIGNED)["payload"]
    assert (moved["institution"], moved["previous_institution"], moved["note"]) == (
        "PD-06-SAGLIK",
        "MIN-SAGLIK",
        "İl için.",
    )

    again = command(routing, plugged, "forward", forward)  # the same command_id: the same outcome, nothing done
    assert {k: v for k, v in again.items() if k != "message_id"} == {
        k: v for k, v in accepted.items() if k != "message_id"
    }
    with service_database(routing) as session:
        assert session.scalar(select(func.count()).select_from(AssignmentHistory)) == 3  # initial, two forwards
        assert session.scalar(select(func.count()).select_from(InstitutionCommand)) == 1

    # It no longer holds the application: refused with a reason, as an officer of the ministry would be.
    answer = {"command_id": "c-2", "tracking_number": NUMBER, "outcome": "positive", "text": "Cevabımız budur."}
    refused = command(routing, plugged, "answer", answer)
    assert (refused["type"], refused["command_id"], refused["code"]) == ("command_refused", "c-2", "forbidden")
    assert refused["message"]


def test_the_rules_of_section_4_hold_for_a_system_as_for_an_officer(routing, amqp_uri, plugged):
    held_by_the_ministry(routing, amqp_uri)
    off_the_edges = {"command_id": "c-3", "tracking_number": NUMBER, "to_institution": "GOV-34"}
    assert command(routing, plugged, "forward", off_the_edges)["code"] == "forward_not_allowed"
    extend = {"command_id": "c-4", "tracking_number": NUMBER, "reason": "İnceleme sürüyor, ek süre gerekiyor."}
    assert command(routing, plugged, "extend", extend)["code"] == "extension_not_allowed"  # a petition
    unknown = {"command_id": "c-5", "tracking_number": "269999999999", "outcome": "positive", "text": "Cevap metni."}
    assert command(routing, plugged, "answer", unknown)["code"] == "application_not_found"
    assert command(routing, plugged, "forward", ["not", "an", "object"])["code"] == "invalid_command"

    back = command(routing, plugged, "return", {"command_id": "c-6", "tracking_number": NUMBER, "note": "Bizim değil."})
    assert (back["type"], back["code"]) == ("command_accepted", "returned")
    assert next_event(amqp_uri, ASSIGNED)["payload"]["institution"] == "PRESIDENCY"


def test_a_command_the_broker_does_not_vouch_for_is_set_aside_not_acted_on(routing, amqp_uri, plugged):
    held_by_the_ministry(routing, amqp_uri)
    answer = {"command_id": str(uuid.uuid4()), "tracking_number": NUMBER, "outcome": "positive", "text": "Cevabımız."}
    send_command(plugged["amqp_uri"], "MIN-SAGLIK", "answer", answer, vouched=False)
    set_aside = next_event(amqp_uri, broker.dead_letter_queue("routing"))
    assert "not from its institution" in set_aside["reason"] and set_aside["body"] == answer
    with service_database(routing) as session:
        assert session.scalar(select(func.count()).select_from(InstitutionCommand)) == 0


def test_the_same_command_delivered_twice_at_once_is_acted_on_once_and_answered_alike(routing, amqp_uri, plugged):
    held_by_the_ministry(routing, amqp_uri)
    forward = {"command_id": "c-twice", "tracking_number": NUMBER, "to_institution": "PD-06-SAGLIK"}
    with entrypoint_waiter(routing, "handle_institution_command", timeout=10):
        send_command(plugged["amqp_uri"], "MIN-SAGLIK", "forward", forward)
        send_command(plugged["amqp_uri"], "MIN-SAGLIK", "forward", forward)
    outcomes = [take_message(plugged["amqp_uri"], plugged["queue"]) for _ in range(2)]
    assert [(o["type"], o["code"]) for o in outcomes] == [("command_accepted", "forwarded")] * 2
    with service_database(routing) as session:
        assert session.scalar(select(func.count()).select_from(AssignmentHistory)) == 3  # initial, two forwards
