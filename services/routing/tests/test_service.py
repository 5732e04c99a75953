"""Interface tests: the real routing service on the real RabbitMQ and PostgreSQL, through its entrypoints."""

import time
import uuid
from contextlib import contextmanager
from datetime import date

import pytest
from kombu import Connection, Exchange, Queue
from nameko.testing.services import entrypoint_hook, entrypoint_waiter
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session

from cimer_common.errors import NotFound
from cimer_common.events import ASSIGNMENTS_EXCHANGE
from cimer_common.outbox import consumer_queue
from cimer_common.testing import next_event, no_event, publish, received_event
from routing import directory
from routing.models import Assignment, AssignmentHistory, Institution, OutboxMessage

pytestmark = pytest.mark.interface

INTAKE_QUEUE = consumer_queue("routing", "application_assigned", "intake.handle_application_assigned").name


@contextmanager
def database(container):
    engine = create_engine(container.config["DATABASE_URL"])
    try:
        with Session(engine) as session, session.begin():
            yield session
    finally:
        engine.dispose()


@pytest.fixture
def routing(start_service):
    container = start_service("routing")
    with database(container) as session:
        directory.seed(session)
    return container


def receive(container, amqp_uri, event_id=None, **overrides):
    envelope = received_event(event_id, **overrides)
    with entrypoint_waiter(container, "handle_application_received"):
        publish(amqp_uri, envelope)
    return envelope


def test_a_web_petition_goes_to_the_governorship_of_its_province(routing, amqp_uri):
    envelope = receive(routing, amqp_uri, province="06")

    event = next_event(amqp_uri, INTAKE_QUEUE)
    assert event["type"] == "application_assigned" and event["producer"] == "routing"
    assert event["payload"]["application_id"] == envelope.payload["application_id"]
    assert event["payload"]["tracking_number"] == "260000000018"
    assert event["payload"]["institution"] == "GOV-06"
    assert event["payload"]["reason"] == "initial" and event["payload"]["previous_institution"] is None

    with database(routing) as session:
        assignment = session.get(Assignment, uuid.UUID(envelope.payload["application_id"]))
        assert assignment.institution == "GOV-06" and assignment.kind == "petition" and assignment.channel == "web"
        assert assignment.deadline == date(2026, 4, 1)
        history = session.scalars(select(AssignmentHistory)).all()
        assert [(h.from_institution, h.to_institution, h.reason) for h in history] == [(None, "GOV-06", "initial")]


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"target_institution": "MIN-SAGLIK"}, "PRESIDENCY"),
        ({"channel": "phone", "recorded_by": "GOV-34"}, "GOV-34"),
        ({"channel": "in_person", "recorded_by": "DG-06-CANKAYA"}, "DG-06-CANKAYA"),
        (
            {"kind": "human_rights", "petition_type": None, "channel": "in_person", "recorded_by": "DG-06-CANKAYA"},
            "DHRB-06-CANKAYA",
        ),
        (
            {
                "kind": "ethics_complaint",
                "petition_type": None,
                "official_rank": "below_general_director",
                "official_institution": "MIN-SAGLIK",
            },
            "DISC-MIN-SAGLIK",
        ),
    ],
)
def test_the_first_destination_is_read_from_the_seeded_directory(routing, amqp_uri, overrides, expected):
    receive(routing, amqp_uri, **overrides)
    assert next_event(amqp_uri, INTAKE_QUEUE)["payload"]["institution"] == expected


def test_what_would_go_to_a_retired_institution_goes_to_the_presidency(routing, amqp_uri):
    with database(routing) as session:
        session.execute(text("UPDATE institutions SET active = false WHERE code = 'GOV-06'"))
    receive(routing, amqp_uri, province="06")
    assert next_event(amqp_uri, INTAKE_QUEUE)["payload"]["institution"] == "PRESIDENCY"


def test_an_application_is_assigned_once_however_often_it_is_received(routing, amqp_uri):
    first = receive(routing, amqp_uri)
    receive(routing, amqp_uri, event_id=first.id, **first.payload)  # the same event, redelivered
    receive(routing, amqp_uri, **{**first.payload, "province": "34"})  # announced again under a new id

    assert next_event(amqp_uri, INTAKE_QUEUE)["payload"]["institution"] == "GOV-06"
    no_event(amqp_uri, INTAKE_QUEUE)
    with database(routing) as session:
        assert session.scalar(select(func.count()).select_from(Assignment)) == 1
        assert session.scalar(select(func.count()).select_from(AssignmentHistory)) == 1
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 1


@contextmanager
def institution_queues(amqp_uri, *codes):
    """Queues as an institution's own system binds them: on the assignments exchange, by institution header."""
    assignments = Exchange(ASSIGNMENTS_EXCHANGE, type="headers", durable=True)
    with Connection(amqp_uri) as connection:
        channel = connection.channel()
        queues = {
            code: Queue(
                f"test-institution-{code}-{uuid.uuid4().hex[:8]}",
                exchange=assignments,
                binding_arguments={"x-match": "all", "institution": code},
                exclusive=True,
            )(channel)
            for code in codes
        }
        for bound in queues.values():
            bound.declare()
        yield queues
        channel.close()


def get_within(bound_queue, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        message = bound_queue.get(no_ack=True)
        if message is not None:
            return message.payload
        time.sleep(0.05)
    return None


def test_an_institution_system_receives_exactly_its_own_assignments(routing, amqp_uri):
    with institution_queues(amqp_uri, "GOV-06", "GOV-34") as queues:
        envelope = receive(routing, amqp_uri, province="06")
        event = get_within(queues["GOV-06"], timeout=5)
        assert event is not None and event["payload"]["institution"] == "GOV-06"
        assert event["payload"]["application_id"] == envelope.payload["application_id"]
        assert get_within(queues["GOV-34"], timeout=1) is None

        receive(routing, amqp_uri, province="34", tracking_number="260000000026")
        assert get_within(queues["GOV-34"], timeout=5)["payload"]["institution"] == "GOV-34"
        assert get_within(queues["GOV-06"], timeout=1) is None


def test_list_institutions_filters_by_type_province_and_text(routing):
    with entrypoint_hook(routing, "list_institutions") as list_institutions:
        governorships = list_institutions(type="governorship", limit=500)
        assert len(governorships) == 81 and governorships[0]["code"] == "GOV-01"
        assert list_institutions(type="governorship", province="06") == [
            {
                "code": "GOV-06",
                "name": "Ankara Valiliği",
                "type": "governorship",
                "province": "06",
                "parent": "PRESIDENCY",
            }
        ]
        ankara_districts = list_institutions(type="district_governorship", province="06")
        assert len(ankara_districts) == 25 and {d["parent"] for d in ankara_districts} == {"GOV-06"}

        # Case, Turkish letters and spaces do not matter, in the name or the code.
        for q in ("cankaya", "ÇANKAYA", "Çankaya Kaymakamlığı", "dg-06-çankaya"):
            assert "DG-06-CANKAYA" in [i["code"] for i in list_institutions(q=q)], q
        assert [i["code"] for i in list_institutions(q="istanbul valiligi")] == ["DISC-GOV-34", "GOV-34"]
        assert [i["code"] for i in list_institutions(q="IĞDIR", type="governorship")] == ["GOV-76"]
        assert [i["code"] for i in list_institutions(q="sağlık", province="06")] == ["PD-06-SAGLIK"]
        assert list_institutions(q="no such institution") == []

        codes = [i["code"] for i in list_institutions(limit=10)]
        assert codes == sorted(codes) and len(codes) == 10
        assert [i["code"] for i in list_institutions(limit=5, offset=5)] == codes[5:]
        assert len(list_institutions(limit=-1, offset=-3)) == 1  # clamped, not a database error


def test_get_institution(routing):
    with entrypoint_hook(routing, "get_institution") as get_institution:
        assert get_institution("DG-06-CANKAYA") == {
            "code": "DG-06-CANKAYA",
            "name": "Çankaya Kaymakamlığı",
            "type": "district_governorship",
            "province": "06",
            "district": "Çankaya",
            "parent": "GOV-06",
            "ministry": None,
            "active": True,
        }
        with pytest.raises(NotFound) as missing:
            get_institution("GOV-82")
    assert missing.value.args[0] == "institution_not_found"


def test_seeding_adds_what_is_missing_and_never_overwrites(routing):
    with database(routing) as session:
        session.execute(text("UPDATE institutions SET name = 'Ankara Valiliği (renamed)' WHERE code = 'GOV-06'"))
        session.execute(text("DELETE FROM institutions WHERE code = 'HRB-81'"))
    with database(routing) as session:
        assert directory.seed(session) == 1
    with database(routing) as session:
        assert session.get(Institution, "GOV-06").name == "Ankara Valiliği (renamed)"
        assert session.get(Institution, "HRB-81") is not None
        assert session.scalar(select(func.count()).select_from(Institution)) == len(directory.entries())


def test_health(routing):
    with entrypoint_hook(routing, "health") as health:
        assert health() == {"service": "routing", "status": "ok"}
