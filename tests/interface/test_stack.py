"""The stack's sharp edges, proved on the real RabbitMQ and PostgreSQL before anything is built on them."""

import time

import eventlet
import psycopg
import pytest
from eventlet import patcher
from nameko.rpc import rpc
from nameko.testing.services import entrypoint_hook, entrypoint_waiter
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from cimer_common.bus import cluster_rpc
from cimer_common.db import Database, use_green_waiting
from cimer_common.settings import get_settings, nameko_config
from cimer_common.testing import next_event, publish, publish_raw, received_event, wait_until

pytestmark = pytest.mark.interface

PETITION = {
    "kind": "petition",
    "petition_type": "request",
    "subject": "transport",
    "title": "Yol bozuk",
    "body": "Mahallemizdeki yol aylardır bozuk.",
    "province": "06",
    "applicant": {"national_id": "10000000146", "first_name": "Ayşe", "last_name": "Yılmaz", "phone": "05321234567"},
}


def file(container, application=PETITION):
    with entrypoint_hook(container, "file_application") as file_application:
        return file_application(application)


def status_of(container, accepted):
    with entrypoint_hook(container, "get_status") as get_status:
        return get_status(accepted["tracking_number"], accepted["access_code"])


def seed_directory():
    from sqlalchemy.orm import Session

    from routing.directory import seed

    engine = create_engine(get_settings().database_url("routing"))
    with Session(engine) as session, session.begin():
        seed(session)
    engine.dispose()


# --- RPC and events over the real broker -----------------------------------------------------------------------


def test_rpc_over_rabbitmq_and_an_application_flows_from_intake_to_routing_and_back(start_service, amqp_uri):
    intake = start_service("intake")
    routing = start_service("routing")
    seed_directory()
    # A real call over the broker, as a service entitled to it makes it (with its own broker user).
    with cluster_rpc("identity", amqp_uri) as cluster:
        assert cluster.routing.get_institution(code="GOV-06")["name"] == "Ankara Valiliği"
    with entrypoint_waiter(intake, "handle_application_assigned", timeout=10):
        accepted = file(intake)
    status = status_of(intake, accepted)
    assert status["status"] == "assigned" and status["institution"] == "GOV-06"
    routing.stop()


# --- psycopg under eventlet ------------------------------------------------------------------------------------

GATE = 424242  # an advisory lock the test holds while the workers queue up behind it


class GateService:
    name = "gate"
    db = Database()

    @rpc
    def pass_gate(self):
        with self.db.transaction() as session:
            session.execute(text("SELECT pg_advisory_lock_shared(:gate)"), {"gate": GATE})
            session.execute(text("SELECT pg_advisory_unlock_shared(:gate)"), {"gate": GATE})
        return True


def test_twenty_database_calls_in_one_service_wait_in_postgresql_at_once(container_factory):
    """If psycopg blocked the eventlet hub, the first worker to wait on the gate would stop the whole process and
    PostgreSQL would never see more than one of them waiting; with `db.green_wait`, all twenty wait side by side.
    A real OS thread watches pg_stat_activity and opens the gate, so a blocked hub cannot stop the watching."""
    url = get_settings().database_url("intake")
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    container = container_factory(GateService, {**nameko_config("gate"), "DATABASE_URL": url, "max_workers": 20})
    container.start()

    real_threading = patcher.original("threading")
    real_time = patcher.original("time")
    seen = {"max_waiting": 0}

    with psycopg.connect(dsn, autocommit=True) as gatekeeper:
        gatekeeper.execute("SELECT pg_advisory_lock(%s)", (GATE,))

        def watch():
            with psycopg.connect(dsn, autocommit=True) as watcher:
                give_up = real_time.monotonic() + 15
                while real_time.monotonic() < give_up:
                    waiting = watcher.execute(
                        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                        "AND wait_event = 'advisory' AND datname = current_database()"
                    ).fetchone()[0]
                    seen["max_waiting"] = max(seen["max_waiting"], waiting)
                    if waiting >= 20:
                        break
                    real_time.sleep(0.02)
            gatekeeper.execute("SELECT pg_advisory_unlock(%s)", (GATE,))

        watcher = real_threading.Thread(target=watch, daemon=True)
        watcher.start()

        def call():
            with entrypoint_hook(container, "pass_gate") as pass_gate:
                return pass_gate()

        pool = eventlet.GreenPool(20)
        results = list(pool.imap(lambda _: call(), range(20)))
        watcher.join(20)

    assert results == [True] * 20
    assert seen["max_waiting"] == 20


def test_a_wait_for_the_server_lets_the_other_workers_run_once_it_is_longer_than_a_moment():
    """`db.green_wait` waits outside eventlet's hub for `BLOCKING_WAIT_SECONDS` at most: a statement that takes
    longer (a commit's flush, a lock, a long query) lets the other green threads run meanwhile, and psycopg's own
    deadlines (here, waiting for notifications) are kept."""
    use_green_waiting()
    assert psycopg.waiting.wait.__name__ == "green_wait"
    dsn = make_url(get_settings().database_url("intake")).set(drivername="postgresql")
    ticks: list[float] = []

    def tick():
        for _ in range(30):
            ticks.append(1)
            eventlet.sleep(0.01)

    with psycopg.connect(dsn.render_as_string(hide_password=False), autocommit=True) as connection:
        ticker = eventlet.spawn(tick)
        eventlet.sleep(0)
        assert connection.execute("SELECT pg_sleep(0.3), 42").fetchone()[1] == 42
        during = len(ticks)
        assert list(connection.notifies(timeout=0.1)) == []  # returns at its deadline, with nothing
    ticker.wait()
    assert during >= 20  # the ticker ran through nearly all the 0.3 s the server slept


def test_quick_answers_one_after_another_still_let_the_other_workers_run():
    """Answers that each come within `BLOCKING_WAIT_SECONDS` never pass through eventlet's hub; a run of them still
    gives the other green threads their turn every `MOST_WITHOUT_THE_HUB_SECONDS`."""
    use_green_waiting()
    dsn = make_url(get_settings().database_url("intake")).set(drivername="postgresql")
    ticks: list[int] = []

    def tick():
        while len(ticks) < 1000:
            ticks.append(1)
            eventlet.sleep(0.005)

    with psycopg.connect(dsn.render_as_string(hide_password=False), autocommit=True) as connection:
        ticker = eventlet.spawn(tick)
        eventlet.sleep(0)
        ends = time.monotonic() + 0.5
        while time.monotonic() < ends:
            connection.execute("SELECT 1").fetchone()
        during = len(ticks)
        ticker.kill()
    assert during >= 10  # a turn at least every 50 ms of the half second (one every 5 ms asked for)


# --- The outbox and idempotent consumers -----------------------------------------------------------------------


def test_an_event_published_while_its_consumer_is_down_is_handled_when_it_comes_back(start_service):
    intake = start_service("intake")
    reset_routing = start_service("routing")  # migrate and seed routing's database, then take it down
    seed_directory()
    reset_routing.stop()

    accepted = file(intake)
    eventlet.sleep(0.5)
    assert status_of(intake, accepted)["status"] == "received"  # nobody routed it: routing is down

    with entrypoint_waiter(intake, "handle_application_assigned", timeout=15):
        start_service("routing", fresh_database=False)
    assert status_of(intake, accepted)["institution"] == "GOV-06"


def test_events_left_in_the_outbox_by_a_crash_are_published_when_the_service_returns(start_service, amqp_uri):
    """A worker committed, then its container died before the relay ran: the row is still there, and goes out."""
    from intake.models import OutboxMessage

    intake = start_service("intake")
    routing = start_service("routing")
    seed_directory()
    accepted = file(intake)
    wait_until(lambda: status_of(intake, accepted)["status"] == "assigned")
    intake.kill()

    # Simulate the crash window: mark the application's event unpublished again, as if the relay never ran.
    engine = create_engine(get_settings().database_url("intake"))
    with engine.begin() as connection:
        connection.execute(OutboxMessage.__table__.update().values(published_at=None))
    routing_engine = create_engine(get_settings().owner_database_url("routing"))  # TRUNCATE is the owner's
    with routing_engine.begin() as connection:
        connection.execute(text("TRUNCATE assignments, assignment_history, processed_events"))

    with entrypoint_waiter(routing, "handle_application_received", timeout=15):
        start_service("intake", fresh_database=False)
    with engine.begin() as connection:
        unpublished = connection.execute(select(OutboxMessage.id).where(OutboxMessage.published_at.is_(None))).all()
    assert unpublished == []
    with routing_engine.begin() as connection:
        assert connection.execute(text("SELECT count(*) FROM assignments")).scalar_one() == 1
    engine.dispose()
    routing_engine.dispose()


def test_a_redelivered_event_is_applied_once_by_every_consumer(start_service, amqp_uri):
    routing = start_service("routing")
    reporting = start_service("reporting")
    notification = start_service("notification")
    seed_directory()
    envelope = received_event()
    for _ in range(3):
        with (
            entrypoint_waiter(routing, "handle_application_received", timeout=10),
            entrypoint_waiter(reporting, "handle_application_received", timeout=10),
            entrypoint_waiter(notification, "handle_application_received", timeout=10),
        ):
            publish(amqp_uri, envelope)

    # What each consumer makes of one received application: one assignment, one read-model row, one receipt owed
    # (notification also owes the new holder a notice, which comes from the assignment, not from this event).
    rows_made = {
        "routing": "SELECT count(*) FROM assignments",
        "reporting": "SELECT count(*) FROM applications",
        "notification": "SELECT count(*) FROM notices WHERE kind = 'receipt'",
    }
    counts = {}
    for service, query in rows_made.items():
        engine = create_engine(get_settings().database_url(service))
        with engine.begin() as connection:
            counts[service] = connection.execute(text(query)).scalar_one()
        engine.dispose()
    assert counts == {"routing": 1, "reporting": 1, "notification": 1}


def test_a_message_that_is_not_an_event_goes_to_dead_letters_not_into_a_loop(start_service, amqp_uri):
    start_service("routing")
    publish_raw(amqp_uri, "intake", "application_received", {"not": "an envelope"})
    dead = next_event(amqp_uri, "cimer.dead-letters.routing", timeout=10)
    assert dead["queue"] == "evt-intake-application_received--routing.handle_application_received"
    assert dead["body"] == {"not": "an envelope"}


def test_after_the_database_drops_every_connection_one_call_fails_and_the_next_ones_work(start_service):
    """No ping before each checkout (`cimer_common.db`): what a database restart costs is one failed call, after
    which SQLAlchemy has thrown the whole pool away and the service works again on fresh connections. The failed
    call is answered `NotReady` (503 at the gateway: come back), not an internal error."""
    reporting = start_service("reporting")
    for _ in range(3):  # several pooled connections, all idle afterwards
        with entrypoint_hook(reporting, "health") as health:
            assert health()["status"] == "ok"
    url = make_url(get_settings().database_url("reporting"))
    engine = create_engine(get_settings().admin_url())  # ending another role's sessions is the administrator's
    with engine.connect() as connection:
        killed = connection.execute(
            text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = :name"),
            {"name": url.database},
        ).scalar_one()
    engine.dispose()
    assert killed >= 1

    outcomes = []
    for _ in range(4):
        try:
            with entrypoint_hook(reporting, "health") as health:
                outcomes.append(health()["status"])
        except Exception as error:  # the dead connection's one failure, as the caller would see it
            outcomes.append(f"{type(error).__name__} {getattr(error, 'code', '')}")
    assert outcomes == ["NotReady service_unavailable", "ok", "ok", "ok"]


def test_a_services_connections_beat_every_ten_seconds_so_a_silent_one_is_let_go_within_seconds(start_service):
    """A killed process's connection closes at once; a silent one (its node or network gone) only when heartbeats
    stop: the services agree on `amqp_heartbeat_seconds` with the broker, not nameko's 60."""
    from cimer_common.broker_admin import Management

    start_service("routing")
    management = Management()

    def consuming():
        """The connections over which routing consumes its queues (what it holds unacked rides on them; the
        management API lists them once their statistics come, every few seconds)."""
        names = set()
        for consumer in management.consumers():
            details = consumer.get("channel_details")  # `[]` until the channel's statistics come
            ours = isinstance(details, dict) and details.get("user") == "cimer-routing"
            if ours and "--routing." in consumer["queue"]["name"]:
                names.add(details["connection_name"])
        connections = [c for c in management.connections("cimer-routing") if c["name"] in names]
        return connections if names and len(connections) == len(names) else None

    connections = wait_until(consuming, timeout=20)
    assert {c["timeout"] for c in connections} == {get_settings().amqp_heartbeat_seconds} == {10}


def test_a_statement_run_as_its_compiled_sql_stores_what_sqlalchemy_stores_and_an_outage_stays_an_outage():
    """`cimer_common.db.Compiled`, the hot path's statements run as their SQL: JSON parameters and the statement's
    own literal values reach the table as `Session.execute` puts them there, and a connection the database dropped
    fails the one transaction as `NotReady` (an outage, waited out), not as an error of the statement."""
    import uuid

    from sqlalchemy import bindparam, insert
    from sqlalchemy.orm import sessionmaker

    from cimer_common.db import Compiled, UnitOfWork, make_engine
    from cimer_common.errors import NotReady
    from cimer_common.testing import reset_database
    from reporting.models import OutboxMessage

    url = reset_database("reporting")
    table = OutboxMessage.__table__
    statement = insert(table).values(
        event_id=bindparam("event_id"), event_type=bindparam("event_type"), envelope=bindparam("envelope"),
        headers=bindparam("headers"), exchange=None, routing_key="literal",
    )  # fmt: skip
    engine = make_engine(url, pool_size=2)
    unit = UnitOfWork(sessionmaker(engine, expire_on_commit=False))
    envelope = {"type": "t", "payload": {"text": "Çankaya’da yol", "n": 1, "none": None}}
    compiled, plain = uuid.uuid4(), uuid.uuid4()
    with unit.transaction() as session:
        Compiled(statement).execute(
            session, {"event_id": compiled, "event_type": "t", "envelope": envelope, "headers": {}}
        )
        session.execute(statement, {"event_id": plain, "event_type": "t", "envelope": envelope, "headers": {}})
    with unit.transaction() as session:
        rows = session.execute(select(table.c.event_id, table.c.envelope, table.c.headers, table.c.routing_key)).all()
    stored = {row.event_id: (row.envelope, row.headers, row.routing_key) for row in rows}
    assert stored[compiled] == stored[plain] == (envelope, {}, "literal")

    admin = create_engine(get_settings().admin_url())
    with admin.connect() as connection:
        connection.execute(
            text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"),
            {"name": make_url(url).database},
        )
    admin.dispose()
    outcomes = []
    for _ in range(2):
        try:
            with unit.transaction() as session:
                Compiled(statement).execute(
                    session, {"event_id": uuid.uuid4(), "event_type": "t", "envelope": {}, "headers": {}}
                )
            outcomes.append("ok")
        except NotReady as refusal:
            outcomes.append(f"NotReady {refusal.code}")
    engine.dispose()
    assert outcomes == ["NotReady service_unavailable", "ok"]
