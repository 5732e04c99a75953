"""Dead letters as an operator meets them (`cimer_common.dead_letters`, `cimer-dead-letters`): a message that keeps
failing is set aside instead of coming round for ever while the rest of its batch is applied; what waits is listed
with its reason and who sent it; a replay is the service's own act, applied once through the same checks, and
whatever still cannot be applied stays; only the letters the broker vouches a service wrote itself are replayed."""

import json
import uuid
from datetime import UTC, datetime

import amqp.exceptions
import pytest
from nameko.exceptions import RemoteError
from nameko.testing.services import entrypoint_hook
from sqlalchemy import insert, select

from cimer_common import broker, dead_letters, outbox
from cimer_common.outbox import consumer_queue
from cimer_common.testing import (
    PETITION,
    assigned_event,
    next_event,
    publish,
    publish_as,
    publish_raw,
    service_database,
    wait_until,
)
from intake.models import Application

pytestmark = pytest.mark.interface

RECEIVED = consumer_queue("intake", "application_received", "routing.handle_application_received").name


@pytest.fixture
def operator(amqp_uri):
    return broker.component_uri(broker.OPERATOR, amqp_uri)


def letters(operator_uri, service="intake"):
    return dead_letters.list_letters(operator_uri, (service,))


def status_of(intake, application_id):
    with service_database(intake) as session:
        return session.get(Application, application_id).status


def test_an_event_that_keeps_failing_is_set_aside_the_rest_applied_and_it_is_replayed_once_its_cause_is_gone(
    start_service, amqp_uri, operator, monkeypatch
):
    monkeypatch.setattr(outbox, "POISON_AFTER_FAILURES", 3)
    intake = start_service("intake")
    with entrypoint_hook(intake, "file_application") as file_application:
        known = file_application(PETITION)
    received = next_event(amqp_uri, RECEIVED)["payload"]
    # Routing assigns an application intake does not have (restored from an older backup, say): intake refuses to
    # forget an assignment, so this one fails every time it comes. Another assignment comes with it.
    lost_id, lost_number = uuid.uuid4(), "269999999990"
    publish(amqp_uri, assigned_event(lost_id, lost_number, "GOV-06"))
    publish(amqp_uri, assigned_event(received["application_id"], known["tracking_number"], "GOV-06"))

    wait_until(lambda: len(letters(operator)) == 1, timeout=20)
    assert status_of(intake, received["application_id"]) == "assigned"
    [letter] = letters(operator)
    assert letter["sender"] == "cimer-routing" and letter["service"] == "intake"
    assert (
        letter["queue"] == consumer_queue("routing", "application_assigned", "intake.handle_application_assigned").name
    )
    assert letter["reason"].startswith("failed 3 times: LookupError: assignment for unknown application")
    assert dead_letters.summary(letter)["event_type"] == "application_assigned" and "body" not in dead_letters.summary(
        letter
    )

    # Replayed while its cause is still there: refused with the reason, and it stays.
    with pytest.raises(RemoteError, match="LookupError"):
        dead_letters.replay(operator, letter["id"])
    assert [x["id"] for x in letters(operator)] == [letter["id"]]

    # The application is restored; the replay applies the assignment, once.
    with service_database(intake) as session:
        table = Application.__table__
        row = session.execute(select(table).where(table.c.id == received["application_id"])).mappings().one()
        restored = {**row, "id": lost_id, "tracking_number": lost_number, "status": "received", "institution": None}
        session.execute(insert(table).values(held_by=[], **{k: v for k, v in restored.items() if k != "held_by"}))
    assert dead_letters.replay(operator, letter["id"]) == {"id": letter["id"], "service": "intake", "replayed": True}
    assert status_of(intake, lost_id) == "assigned"
    assert letters(operator) == []
    with pytest.raises(LookupError):
        dead_letters.replay(operator, letter["id"])


def test_a_forged_event_is_listed_with_who_sent_it_refused_again_on_replay_and_discarded(
    start_service, amqp_uri, operator, capsys
):
    intake = start_service("intake")
    forged = assigned_event(uuid.uuid4(), "269999999991", "GOV-06").model_dump(mode="json")
    publish_raw(amqp_uri, "routing", "application_assigned", forged, sender="guest")
    wait_until(lambda: len(letters(operator)) == 1, timeout=10)
    [letter] = letters(operator)
    assert letter["sender"] == "guest" and "not sent by routing" in letter["reason"]
    assert letter["body"] == forged  # `show` gives the body; `list` does not

    with pytest.raises(RemoteError, match="dead_letter_refused"):
        dead_letters.replay(operator, letter["id"])
    assert [x["id"] for x in letters(operator)] == [letter["id"]]

    # The operator's command: one line per letter, without the body; then discarded for good.
    dead_letters.main(["list", "--service", "intake"])
    listed = capsys.readouterr()
    lines = [json.loads(line) for line in listed.out.splitlines() if line.startswith("{")]  # (the log is there too)
    assert lines == [dead_letters.summary(letter)] and "1 dead letter(s)" in listed.err
    assert "269999999991" not in listed.out
    dead_letters.main(["discard", letter["id"]])
    assert {"id": letter["id"], "discarded": True} in [
        json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")
    ]
    assert letters(operator) == []
    with pytest.raises(SystemExit, match="no dead letter"):
        dead_letters.main(["show", letter["id"]])
    with service_database(intake) as session:
        assert session.scalar(select(Application.id).where(Application.tracking_number == "269999999991")) is None


def test_a_letter_someone_else_put_in_a_service_s_box_is_never_replayed(start_service, amqp_uri, operator):
    start_service("intake")
    # The administrator can write anywhere; a letter claiming routing sent an assignment is still not intake's own.
    fake = {
        "id": uuid.uuid4().hex,
        "set_aside_at": datetime.now(UTC).isoformat(),
        "service": "intake",
        "queue": consumer_queue("routing", "application_assigned", "intake.handle_application_assigned").name,
        "routing_key": "application_assigned",
        "sender": "cimer-routing",
        "reason": "made up",
        "body": assigned_event(uuid.uuid4(), "269999999992", "GOV-06").model_dump(mode="json"),
    }
    publish_as(amqp_uri, dead_letters.EXCHANGE, "intake", fake, user_id="guest")
    wait_until(lambda: len(letters(operator)) == 1, timeout=10)
    with pytest.raises(RemoteError, match="dead_letter_not_vouched"):
        dead_letters.replay(operator, fake["id"])


def test_a_service_may_set_aside_only_into_its_own_box(start_service, amqp_uri):
    start_service("intake")  # its letters' queue and binding exist
    as_routing = broker.component_uri("routing", amqp_uri)
    with pytest.raises(amqp.exceptions.AccessRefused):
        publish_as(as_routing, dead_letters.EXCHANGE, "intake", {"id": "x"}, user_id="cimer-routing")
