"""The bus as a trust boundary (issue 11), proved on the real broker: each component's own user may do only what
it needs, an institution's user even less, and a service acts only on what the broker vouches came from whoever
is entitled to send it."""

import uuid

import amqp.exceptions
import pytest
from kombu import Connection, Exchange, Queue
from nameko.exceptions import RemoteError
from nameko.testing.services import entrypoint_waiter
from sqlalchemy import func, select

from cimer_common import broker, broker_admin
from cimer_common.bus import cluster_rpc
from cimer_common.testing import (
    next_event,
    publish_as,
    publish_raw,
    received_event,
    send_command,
    service_database,
    take_message,
)
from routing import directory
from routing.models import Assignment

pytestmark = pytest.mark.interface

RPC = Exchange(broker.RPC_EXCHANGE, type="topic", durable=True)


@pytest.fixture
def routing(start_service):
    container = start_service("routing")
    with service_database(container) as session:
        directory.seed(session)
    return container


def test_a_service_publishes_only_its_own_events(start_service, amqp_uri):
    start_service("routing")  # declares intake.events' consumer queue of routing
    as_routing = broker.component_uri("routing", amqp_uri)
    forged = received_event().model_dump(mode="json")
    with pytest.raises(amqp.exceptions.AccessRefused):
        publish_as(as_routing, Exchange("intake.events", type="topic"), "application_received", forged)


def test_an_event_the_broker_does_not_vouch_for_is_set_aside_not_applied(routing, amqp_uri):
    # guest (the administrator) may write anywhere; its user_id is not intake's, so routing does not act on it.
    envelope = received_event()
    publish_raw(amqp_uri, "intake", "application_received", envelope.model_dump(mode="json"), sender="guest")
    set_aside = next_event(amqp_uri, broker.dead_letter_queue("routing"), timeout=10)
    assert "not sent by intake" in set_aside["reason"]
    with service_database(routing) as session:
        assert session.scalar(select(func.count()).select_from(Assignment)) == 0
    # The same event from intake itself is applied.
    with entrypoint_waiter(routing, "handle_application_received"):
        publish_raw(amqp_uri, "intake", "application_received", envelope.model_dump(mode="json"))
    with service_database(routing) as session:
        assert session.scalar(select(func.count()).select_from(Assignment)) == 1


@pytest.mark.parametrize("component", ["routing", "gateway", "reporting", "identity"])
def test_a_personal_data_rpc_cannot_even_be_asked_by_whoever_is_not_entitled(start_service, amqp_uri, component):
    start_service("intake")
    request = {"args": [], "kwargs": {"notices": [{"application_id": str(uuid.uuid4()), "kind": "receipt"}]}}
    uri = broker.component_uri(component, amqp_uri)
    with pytest.raises(amqp.exceptions.AccessRefused):  # the broker refuses the routing key outright
        publish_as(uri, RPC, "intake.notice_contacts", request, reply_to=str(uuid.uuid4()), user_id=broker.user_in(uri))


def test_a_personal_data_rpc_answers_only_the_service_entitled_to_it(start_service, amqp_uri):
    start_service("intake")
    application_id = str(uuid.uuid4())
    # guest may publish anything (it sets the system up), but intake does not answer it.
    notices = [{"application_id": application_id, "kind": "receipt"}]
    with cluster_rpc("guest", amqp_uri) as cluster, pytest.raises(RemoteError) as refused:
        cluster.intake.notice_contacts(notices=notices)
    assert refused.value.exc_type == "Forbidden" and "caller_not_entitled" in str(refused.value)
    # notification, which is entitled, is answered (nobody to tell for an unknown application).
    with cluster_rpc("notification", amqp_uri) as cluster:
        assert cluster.intake.notice_contacts(notices=notices) == [None]


def test_an_institution_may_read_only_its_own_queue_and_send_only_its_own_commands(routing, amqp_uri):
    health = broker_admin.plug("MIN-SAGLIK")
    interior = broker_admin.plug("MIN-ICISLERI")
    try:
        uri = health["amqp_uri"]
        with pytest.raises(amqp.exceptions.AccessRefused):  # another institution's queue
            take_message(uri, interior["queue"], timeout=0.5)
        with pytest.raises(amqp.exceptions.AccessRefused):  # another service's queue
            take_message(uri, "rpc-intake", timeout=0.5)
        with pytest.raises(amqp.exceptions.AccessRefused):  # another institution's code in the routing key
            send_command(uri, "MIN-SAGLIK", "forward", {"command_id": "x"}, routing_code="MIN-ICISLERI")
        for exchange, key in (
            (Exchange("intake.events", type="topic"), "application_received"),
            (RPC, "intake.notice_contacts"),
            (Exchange(broker.INSTITUTIONS_EXCHANGE, type="direct"), "MIN-ICISLERI"),
            (Exchange("", type="direct"), interior["queue"]),
        ):
            with pytest.raises(amqp.exceptions.AccessRefused):
                publish_as(uri, exchange, key, {"x": 1}, user_id=broker.institution_user("MIN-SAGLIK"))
        # Nothing to configure: not even its own queue.
        with pytest.raises(amqp.exceptions.AccessRefused), Connection(uri) as connection:
            Queue(health["queue"], durable=True)(connection.channel()).delete()
        with pytest.raises(amqp.exceptions.PreconditionFailed):  # and it cannot say it is someone else
            publish_as(
                uri, Exchange(broker.COMMANDS_EXCHANGE, type="topic"), "MIN-SAGLIK.forward", {}, user_id="cimer-intake"
            )
    finally:
        for code in ("MIN-SAGLIK", "MIN-ICISLERI"):
            broker_admin.Management().delete_user(broker.institution_user(code))
