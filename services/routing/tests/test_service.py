"""Interface tests: the real routing service on the real RabbitMQ and PostgreSQL, through its entrypoints."""

import uuid
from datetime import date

import pytest
from nameko.testing.services import entrypoint_hook, entrypoint_waiter
from sqlalchemy import func, select, text

from cimer_common.errors import Conflict, Forbidden, InvalidRequest, NotFound, Unauthorized
from cimer_common.outbox import consumer_queue
from cimer_common.testing import next_event, no_event, publish, received_event, service_database, token_for
from routing import directory, domain, handlers
from routing.models import Assignment, AssignmentHistory, Institution, OutboxMessage

pytestmark = pytest.mark.interface

INTAKE_QUEUE = consumer_queue("routing", "application_assigned", "intake.handle_application_assigned").name


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
    assert event["payload"]["coordinators"] == ["PRESIDENCY"]

    with service_database(routing) as session:
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


@pytest.mark.parametrize(
    ("overrides", "institution", "coordinators"),
    [
        ({"province": "34"}, "GOV-34", ["PRESIDENCY"]),
        ({"target_institution": "MIN-SAGLIK"}, "PRESIDENCY", []),
        ({"channel": "in_person", "recorded_by": "DG-06-CANKAYA"}, "DG-06-CANKAYA", ["GOV-06", "PRESIDENCY"]),
        (
            {"channel": "in_person", "recorded_by": "PD-06-SAGLIK"},
            "PD-06-SAGLIK",
            ["MIN-SAGLIK", "PRESIDENCY", "GOV-06"],
        ),
        (
            {"channel": "in_person", "recorded_by": "RD-UAB-KGM-4"},
            "RD-UAB-KGM-4",
            ["MU-UAB-KGM", "MIN-UAB", "PRESIDENCY", "GOV-06"],
        ),
        (
            {"kind": "human_rights", "petition_type": None, "channel": "in_person", "recorded_by": "DG-06-CANKAYA"},
            "DHRB-06-CANKAYA",
            ["HRB-06", "HR-PRESIDENCY", "PRESIDENCY", "GOV-06"],
        ),
    ],
)
def test_the_assignment_names_the_coordinators_of_the_institution(
    routing, amqp_uri, overrides, institution, coordinators
):
    receive(routing, amqp_uri, **overrides)
    payload = next_event(amqp_uri, INTAKE_QUEUE)["payload"]
    assert (payload["institution"], payload["coordinators"]) == (institution, coordinators)


def test_what_would_go_to_a_retired_institution_goes_to_the_presidency(routing, amqp_uri):
    with service_database(routing) as session:
        session.execute(text("UPDATE institutions SET active = false WHERE code = 'GOV-06'"))
    receive(routing, amqp_uri, province="06")
    assert next_event(amqp_uri, INTAKE_QUEUE)["payload"]["institution"] == "PRESIDENCY"


def test_the_directory_held_in_memory_follows_a_change_made_behind_routing_s_back(routing, amqp_uri):
    """Routing keeps the directory in memory; a change by any hand (here plain SQL) reaches the next assignment."""
    receive(routing, amqp_uri, province="06")
    assert next_event(amqp_uri, INTAKE_QUEUE)["payload"]["institution"] == "GOV-06"
    with service_database(routing) as session:
        session.execute(text("UPDATE institutions SET active = false WHERE code = 'GOV-06'"))
    receive(routing, amqp_uri, province="06", tracking_number="260000000026")
    assert next_event(amqp_uri, INTAKE_QUEUE)["payload"]["institution"] == "PRESIDENCY"
    with service_database(routing) as session:
        session.execute(text("UPDATE institutions SET active = true WHERE code = 'GOV-06'"))
    receive(routing, amqp_uri, province="06", tracking_number="260000000034")
    assert next_event(amqp_uri, INTAKE_QUEUE)["payload"]["institution"] == "GOV-06"


def test_an_application_is_assigned_once_however_often_it_is_received(routing, amqp_uri):
    first = receive(routing, amqp_uri)
    receive(routing, amqp_uri, event_id=first.id, **first.payload)  # the same event, redelivered
    receive(routing, amqp_uri, **{**first.payload, "province": "34"})  # announced again under a new id

    assert next_event(amqp_uri, INTAKE_QUEUE)["payload"]["institution"] == "GOV-06"
    no_event(amqp_uri, INTAKE_QUEUE)
    with service_database(routing) as session:
        assert session.scalar(select(func.count()).select_from(Assignment)) == 1
        assert session.scalar(select(func.count()).select_from(AssignmentHistory)) == 1
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 1


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
    with service_database(routing) as session:
        session.execute(text("UPDATE institutions SET name = 'Ankara Valiliği (renamed)' WHERE code = 'GOV-06'"))
        session.execute(text("DELETE FROM institutions WHERE code = 'HRB-81'"))
    with service_database(routing) as session:
        assert directory.seed(session) == 1
    with service_database(routing) as session:
        assert session.get(Institution, "GOV-06").name == "Ankara Valiliği (renamed)"
        assert session.get(Institution, "HRB-81") is not None
        assert session.scalar(select(func.count()).select_from(Institution)) == len(directory.entries())


# --- Administration of the directory ---------------------------------------------------------------------------


@pytest.fixture
def admin():
    # Made as a test runs, not at import: the signing key is the test session's (`cimer_common.testing`).
    return token_for("admin", "PRESIDENCY", "admin")


def rpc(container, method, *args, **kwargs):
    with entrypoint_hook(container, method) as call:
        return call(*args, **kwargs)


def refused(error, container, method, *args, **kwargs):
    with pytest.raises(error) as caught:
        rpc(container, method, *args, **kwargs)
    return caught.value.args


def test_an_administrator_adds_an_institution_and_applications_reach_it(routing, amqp_uri, admin):
    created = rpc(
        routing,
        "create_institution",
        admin,
        code="DG-06-YENIKENT",
        name=" Yenikent  Kaymakamlığı ",
        type="district_governorship",
        province="06",
        district="sincan",
        parent="GOV-06",
    )
    expected = {
        "code": "DG-06-YENIKENT",
        "name": "Yenikent Kaymakamlığı",
        "type": "district_governorship",
        "province": "06",
        "district": "Sincan",
        "parent": "GOV-06",
        "ministry": None,
        "active": True,
    }
    assert created == expected
    assert rpc(routing, "get_institution", "DG-06-YENIKENT") == expected
    assert [i["code"] for i in rpc(routing, "list_institutions", q="yenikent")] == ["DG-06-YENIKENT"]

    receive(routing, amqp_uri, channel="in_person", recorded_by="DG-06-YENIKENT")
    payload = next_event(amqp_uri, INTAKE_QUEUE)["payload"]
    assert (payload["institution"], payload["coordinators"]) == ("DG-06-YENIKENT", ["GOV-06", "PRESIDENCY"])


def test_an_administrator_renames_moves_and_retires_an_institution(routing, amqp_uri, admin):
    renamed = rpc(routing, "update_institution", admin, "DG-06-CANKAYA", name="Çankaya Kaymakamlığı (yeni)")
    assert renamed["name"] == "Çankaya Kaymakamlığı (yeni)" and renamed["parent"] == "GOV-06" and renamed["active"]

    moved = rpc(routing, "update_institution", admin, "MU-UAB-KGM", parent="MIN-ICISLERI")
    assert moved["parent"] == "MIN-ICISLERI" and moved["name"] == "Karayolları Genel Müdürlüğü"
    receive(routing, amqp_uri, channel="in_person", recorded_by="RD-UAB-KGM-4")
    assert next_event(amqp_uri, INTAKE_QUEUE)["payload"]["coordinators"] == [
        "MU-UAB-KGM",
        "MIN-ICISLERI",
        "PRESIDENCY",
        "GOV-06",
    ]

    retired = rpc(routing, "update_institution", admin, "GOV-06", active=False)
    assert retired["active"] is False
    assert "GOV-06" not in [i["code"] for i in rpc(routing, "list_institutions", type="governorship", limit=500)]
    assert rpc(routing, "get_institution", "GOV-06")["active"] is False  # retired, never deleted
    receive(routing, amqp_uri, province="06", tracking_number="260000000026")
    payload = next_event(amqp_uri, INTAKE_QUEUE)["payload"]
    assert (payload["institution"], payload["coordinators"]) == ("PRESIDENCY", [])
    # A Kaymakamlık under the retired governorship is still coordinated from above it.
    receive(routing, amqp_uri, channel="in_person", recorded_by="DG-06-CANKAYA", tracking_number="260000000034")
    assert next_event(amqp_uri, INTAKE_QUEUE)["payload"]["coordinators"] == ["PRESIDENCY"]

    assert rpc(routing, "update_institution", admin, "GOV-06", active=True)["active"] is True
    assert "GOV-06" in [i["code"] for i in rpc(routing, "list_institutions", type="governorship", limit=500)]


def test_the_directory_refuses_what_breaks_its_rules(routing, admin):
    new = {"name": "Yeni Birim", "type": "ministry_unit", "parent": "MIN-SAGLIK", "ministry": "SAGLIK"}
    assert refused(
        Conflict,
        routing,
        "create_institution",
        admin,
        code="GOV-06",
        **{**new, "type": "governorship", "province": "06", "parent": "PRESIDENCY", "ministry": None},
    ) == ("institution_exists", "code")
    # A retired institution keeps its code.
    rpc(routing, "update_institution", admin, "DG-06-MAMAK", active=False)
    assert refused(Conflict, routing, "create_institution", admin, code="DG-06-MAMAK", **new)[0] == "institution_exists"
    cases = [
        ({"code": "mu-saglik-x"}, ("invalid_code", "code")),
        ({"code": "MU-SAGLIK-X", "type": "municipality"}, ("invalid_type", "type")),
        ({"code": "MU-SAGLIK-X", "province": "99"}, ("unknown_province", "province")),
        ({"code": "MU-SAGLIK-X", "parent": "MIN-YOK"}, ("unknown_parent", "parent")),
        ({"code": "MU-SAGLIK-X", "parent": "DG-06-MAMAK"}, ("unknown_parent", "parent")),  # retired
        ({"code": "MU-SAGLIK-X", "ministry": "YOK"}, ("unknown_ministry", "ministry")),
    ]
    for overrides, expected in cases:
        assert refused(InvalidRequest, routing, "create_institution", admin, **{**new, **overrides}) == expected, (
            overrides
        )

    assert refused(InvalidRequest, routing, "update_institution", admin, "GOV-06", parent="DG-06-CANKAYA") == (
        "parent_cycle",
        "parent",
    )
    assert refused(InvalidRequest, routing, "update_institution", admin, "PRESIDENCY", parent="GOV-06") == (
        "parent_cycle",
        "parent",
    )
    assert refused(InvalidRequest, routing, "update_institution", admin, "PRESIDENCY", active=False) == (
        "presidency_cannot_be_retired",
        "active",
    )
    assert refused(InvalidRequest, routing, "update_institution", admin, "GOV-06", name="") == ("name_required", "name")
    assert refused(NotFound, routing, "update_institution", admin, "GOV-82", active=False)[0] == "institution_not_found"
    # Nothing of a refused change was kept.
    assert rpc(routing, "get_institution", "GOV-06")["parent"] == "PRESIDENCY"
    assert rpc(routing, "get_institution", "PRESIDENCY")["active"] is True


def forged(token):
    """`token` with its signature changed."""
    return token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")


CALLERS = {
    "an officer and coordinator": (
        lambda: token_for("gov-06", "GOV-06", "officer", "coordinator"),
        Forbidden,
        "forbidden",
    ),
    "the Presidency's officer": (
        lambda: token_for("p", "PRESIDENCY", "officer", "coordinator"),
        Forbidden,
        "forbidden",
    ),
    "no token": (lambda: None, Unauthorized, "login_required"),
    "an empty token": (lambda: "", Unauthorized, "login_required"),
    "a garbage token": (lambda: "not-a-token", Unauthorized, "invalid_token"),
    "a forged admin token": (lambda: forged(token_for("admin", "PRESIDENCY", "admin")), Unauthorized, "invalid_token"),
}


@pytest.mark.parametrize("caller", CALLERS)
def test_only_an_administrator_changes_the_directory(routing, caller):
    make_token, error, code = CALLERS[caller]
    token = make_token()
    new = {
        "code": "MU-SAGLIK-X",
        "name": "Yeni Birim",
        "type": "ministry_unit",
        "parent": "MIN-SAGLIK",
        "ministry": "SAGLIK",
    }
    assert refused(error, routing, "create_institution", token, **new)[0] == code
    assert refused(error, routing, "update_institution", token, "GOV-06", active=False)[0] == code
    assert refused(NotFound, routing, "get_institution", "MU-SAGLIK-X")
    assert rpc(routing, "get_institution", "GOV-06")["active"] is True


# --- A directory of the real size -------------------------------------------------------------------------------

SYNTHETIC = 60_000


def explain(session, statement=None, **filters):
    """The plan of the statement `list_institutions` runs (or of `statement`), sent as the service sends it (values
    as parameters)."""
    statement = handlers.institutions_query(**filters) if statement is None else statement
    compiled = statement.compile(dialect=session.get_bind().dialect, compile_kwargs={"render_postcompile": True})
    return "\n".join(session.connection().exec_driver_sql(f"EXPLAIN {compiled}", compiled.params).scalars())


def test_listing_uses_indexes_at_the_size_of_the_real_directory(routing):
    """The state has ~60,000 administrative units: the search and the filters of `list_institutions` must be
    answered from indexes, not by reading the whole table (timing is for benchmarks; the plan is checked here)."""
    with service_database(routing) as session:
        session.execute(
            text(
                """
                INSERT INTO institutions (code, name, type, province, parent, ministry, active)
                SELECT 'SYN-' || lpad(i::text, 5, '0'),
                       'Sentetik Birim ' || i || ' Müdürlüğü',
                       (ARRAY['ministry_unit', 'provincial_directorate', 'regional_directorate',
                              'disciplinary_board'])[i % 4 + 1],
                       lpad((i % 81 + 1)::text, 2, '0'),
                       'MIN-SAGLIK', 'SAGLIK', i % 50 <> 0
                FROM generate_series(1, :n) AS i
                """
            ),
            {"n": SYNTHETIC},
        )
    with service_database(routing, as_owner=True) as session:  # ANALYZE is the owner's
        session.execute(text("ANALYZE institutions"))  # what autovacuum does after a load of this size
        assert session.scalar(select(func.count()).select_from(Institution)) == len(directory.entries()) + SYNTHETIC

        plans = {
            "q": explain(session, q="çankaya"),
            "q and province": explain(session, q="sentetik birim 12345", province="06"),
            "rare type": explain(session, type="governorship"),
            "common type": explain(session, type="provincial_directorate"),
            "province": explain(session, province="06"),
            "type and province": explain(session, type="provincial_directorate", province="06", offset=100),
        }
        # What a holder may forward to is looked for among the types and the province its edges allow only.
        snapshot = handlers.DatabaseDirectory(session)
        for holder, q in (("PRESIDENCY", None), ("GOV-06", None), ("GOV-06", "saglik"), ("MIN-ADALET", None)):
            candidates = domain.forward_candidates(holder, snapshot)
            plans[f"forward targets of {holder}, q={q}"] = explain(
                session, handlers.forward_targets_query(candidates, q, [holder]).limit(20)
            )
    for case, plan in plans.items():
        print(f"--- {case}\n{plan}")  # shown when the test fails
        assert "Seq Scan" not in plan, (case, plan)
    assert "ix_institutions_code_folded_trgm" in plans["q"] and "ix_institutions_name_folded_trgm" in plans["q"]
    assert "_folded_trgm" in plans["q and province"], plans["q and province"]
    assert "ix_institutions_type_code" in plans["rare type"], plans["rare type"]
    # A quarter of the table: read in code order from an index until the page is full, never all of it sorted.
    assert "Index Scan" in plans["common type"] and "Sort" not in plans["common type"], plans["common type"]
    assert "ix_institutions_province_code" in plans["province"], plans["province"]

    # And the answers are still right at this size.
    with entrypoint_hook(routing, "list_institutions") as list_institutions:
        assert [i["code"] for i in list_institutions(q="çankaya")] == ["DG-06-CANKAYA", "DHRB-06-CANKAYA"]
        assert [i["code"] for i in list_institutions(q="Sentetik Birim 12345")] == ["SYN-12345"]
        assert list_institutions(q="sentetik birim 12350") == []  # retired (every 50th)
        assert len(list_institutions(type="governorship", limit=500)) == 81
        page = list_institutions(province="06", limit=500)
        assert len(page) == 500 and all(i["province"] == "06" for i in page)
        assert [i["code"] for i in page] == sorted(i["code"] for i in page)


def test_health(routing):
    with entrypoint_hook(routing, "health") as health:
        assert health() == {"service": "routing", "status": "ok"}
