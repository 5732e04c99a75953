"""Interface tests of what officers do at intake: record phone and in-person applications, list their inbox, open
an application (scope, masking, confidentiality) and leave an audit line for each read."""

from datetime import date

import pytest
from nameko.testing.services import entrypoint_hook, entrypoint_waiter
from sqlalchemy import text, update

from cimer_common import testing
from cimer_common.errors import Forbidden, NotFound, Unauthorized
from cimer_common.outbox import consumer_queue
from cimer_common.testing import assigned_event, next_event, publish, service_database, token_for
from cimer_common.tokens import Principal
from intake import handlers
from intake.models import Application

pytestmark = pytest.mark.interface

# The shared petition with no district, its applicant reachable by phone alone.
APPLICANT = {**{k: v for k, v in testing.PETITION["applicant"].items() if k != "email"}, "phone": "05321234567"}
PETITION = {**{k: v for k, v in testing.PETITION.items() if k != "district"}, "applicant": APPLICANT}
RECEIVED = consumer_queue("intake", "application_received", "routing.handle_application_received").name
AUDIT = consumer_queue("intake", "activity_recorded", "identity.handle_activity_recorded").name

CALL_CENTRE_06 = token_for("cc-06", "GOV-06", "call_centre")
BUREAU_CANKAYA = token_for("bureau", "DG-06-CANKAYA", "bureau")
OFFICER_GOV_06 = token_for("gov-06", "GOV-06", "officer")
OFFICER_PD_SAGLIK = token_for("pd", "PD-06-SAGLIK", "officer")
COORDINATOR_MIN_SAGLIK = token_for("min", "MIN-SAGLIK", "coordinator")
PRESIDENCY = token_for("presidency", "PRESIDENCY", "officer", "coordinator")


def call(container, method, *args, **kwargs):
    with entrypoint_hook(container, method) as entrypoint:
        return entrypoint(*args, **kwargs)


def file_and_assign(container, amqp_uri, application, institution, coordinators=(), token=None):
    accepted = call(container, "file_application", application, token=token)
    received = next_event(amqp_uri, RECEIVED)["payload"]
    with entrypoint_waiter(container, "handle_application_assigned"):
        publish(
            amqp_uri,
            assigned_event(
                received["application_id"], accepted["tracking_number"], institution, coordinators=list(coordinators)
            ),
        )
    return accepted, received


def test_a_phone_application_is_recorded_for_the_officers_own_province(start_service, amqp_uri):
    intake = start_service("intake")
    accepted = call(
        intake, "file_application", {**PETITION, "channel": "phone", "province": None}, token=CALL_CENTRE_06
    )
    received = next_event(amqp_uri, RECEIVED)["payload"]
    assert received["channel"] == "phone" and received["recorded_by"] == "GOV-06" and received["province"] == "06"
    assert accepted["status"] == "received"

    with pytest.raises(Forbidden) as other_province:
        call(intake, "file_application", {**PETITION, "channel": "phone", "province": "34"}, token=CALL_CENTRE_06)
    assert other_province.value.code == "other_province"


def test_only_the_right_officers_record_phone_and_in_person_applications(start_service, amqp_uri):
    intake = start_service("intake")
    with pytest.raises(Unauthorized):
        call(intake, "file_application", {**PETITION, "channel": "phone"})
    with pytest.raises(Forbidden):
        call(intake, "file_application", {**PETITION, "channel": "phone"}, token=BUREAU_CANKAYA)
    with pytest.raises(Forbidden):
        call(intake, "file_application", {**PETITION, "channel": "in_person"}, token=CALL_CENTRE_06)
    with pytest.raises(Unauthorized):
        call(intake, "file_application", {**PETITION, "channel": "in_person"}, token="not-a-token")

    call(intake, "file_application", {**PETITION, "channel": "in_person", "district": "Çankaya"}, token=BUREAU_CANKAYA)
    assert next_event(amqp_uri, RECEIVED)["payload"]["recorded_by"] == "DG-06-CANKAYA"


def test_the_inbox_holds_what_the_institution_holds_nearest_deadline_first(start_service, amqp_uri):
    intake = start_service("intake")
    info = {**PETITION, "kind": "information_request", "petition_type": None}  # 15 working days: due sooner
    file_and_assign(intake, amqp_uri, PETITION, "GOV-06")
    file_and_assign(intake, amqp_uri, info, "GOV-06")
    file_and_assign(intake, amqp_uri, PETITION, "GOV-34")

    page = call(intake, "inbox", OFFICER_GOV_06)
    assert page["total"] == 2
    assert [item["kind"] for item in page["items"]] == ["information_request", "petition"]
    assert all("applicant" not in item for item in page["items"])  # a list shows no personal data
    assert call(intake, "inbox", OFFICER_GOV_06, limit=1, offset=1)["items"][0]["kind"] == "petition"
    with pytest.raises(Forbidden):
        call(intake, "inbox", CALL_CENTRE_06)


def test_an_officer_reads_in_scope_with_the_national_id_masked_and_the_read_is_audited(start_service, amqp_uri):
    intake = start_service("intake")
    accepted, _ = file_and_assign(intake, amqp_uri, PETITION, "PD-06-SAGLIK", ["MIN-SAGLIK", "PRESIDENCY", "GOV-06"])
    number = accepted["tracking_number"]

    seen = call(intake, "get_application", OFFICER_PD_SAGLIK, number, client_address="10.1.2.3")
    assert seen["applicant"]["national_id"] == "10*******46"
    assert seen["applicant"]["first_name"] == "Ayşe"
    audit = next_event(amqp_uri, AUDIT)["payload"]
    assert audit["action"] == "read_personal_data" and audit["target"] == number
    assert audit["actor_institution"] == "PD-06-SAGLIK" and audit["client_address"] == "10.1.2.3"

    assert call(intake, "get_application", COORDINATOR_MIN_SAGLIK, number)["applicant"]["national_id"] == "10*******46"
    assert call(intake, "get_application", PRESIDENCY, number)["applicant"]["national_id"] == "10000000146"

    # Out of scope is answered as missing: an officer cannot learn what exists elsewhere.
    for outsider in (OFFICER_GOV_06, token_for("x", "MIN-MEB", "coordinator"), token_for("a", "PRESIDENCY", "admin")):
        with pytest.raises(NotFound):
            call(intake, "get_application", outsider, number)


def test_a_confidential_applicant_is_hidden_from_the_handling_institution(start_service, amqp_uri):
    intake = start_service("intake")
    accepted, _ = file_and_assign(intake, amqp_uri, {**PETITION, "confidential": True}, "GOV-06", ["PRESIDENCY"])
    seen = call(intake, "get_application", OFFICER_GOV_06, accepted["tracking_number"])
    assert seen["applicant"] == {"confidential": True}
    assert next_event(amqp_uri, AUDIT)["payload"]["action"] == "read_application"
    seen_by_cimer = call(intake, "get_application", PRESIDENCY, accepted["tracking_number"])
    assert seen_by_cimer["applicant"]["last_name"] == "Yılmaz"


def test_an_officer_still_reads_what_their_institution_once_held(start_service, amqp_uri):
    intake = start_service("intake")
    accepted, received = file_and_assign(intake, amqp_uri, PETITION, "GOV-06", ["PRESIDENCY"])
    with entrypoint_waiter(intake, "handle_application_assigned"):
        publish(
            amqp_uri,
            assigned_event(
                received["application_id"],
                accepted["tracking_number"],
                "DG-06-CANKAYA",
                reason="forwarded",
                previous_institution="GOV-06",
                coordinators=["GOV-06", "PRESIDENCY"],
            ),
        )
    assert (
        call(intake, "get_application", OFFICER_GOV_06, accepted["tracking_number"])["institution"] == "DG-06-CANKAYA"
    )
    assert call(intake, "inbox", OFFICER_GOV_06)["total"] == 0


# --- A coordinator's overview of their subtree ---------------------------------------------------------------------


def test_a_coordinator_sees_what_is_open_and_overdue_in_their_subtree_per_institution(start_service, amqp_uri):
    intake = start_service("intake")
    ankara = ["GOV-06", "PRESIDENCY"]
    numbers = {}
    for name, institution, coordinators in (
        ("gov", "GOV-06", ["PRESIDENCY"]),
        ("cankaya-1", "DG-06-CANKAYA", ankara),
        ("cankaya-2", "DG-06-CANKAYA", ankara),
        ("health", "PD-06-SAGLIK", ["MIN-SAGLIK", "PRESIDENCY", "GOV-06"]),
        ("istanbul", "GOV-34", ["PRESIDENCY"]),
        ("istanbul-health", "PD-34-SAGLIK", ["MIN-SAGLIK", "PRESIDENCY", "GOV-34"]),
        ("answered", "DG-06-CANKAYA", ankara),
    ):
        numbers[name] = file_and_assign(intake, amqp_uri, PETITION, institution, coordinators)[0]["tracking_number"]
    call(intake, "file_application", PETITION)  # received, not yet assigned: not open anywhere
    next_event(amqp_uri, RECEIVED)
    with service_database(intake) as session:
        past = date(2020, 1, 2)
        for name in ("cankaya-1", "istanbul", "istanbul-health"):
            session.execute(
                update(Application).where(Application.tracking_number == numbers[name]).values(deadline=past)
            )
        session.execute(
            update(Application).where(Application.tracking_number == numbers["answered"]).values(status="answered")
        )

    assert call(intake, "overview", token_for("c", "GOV-06", "coordinator")) == {
        "open": 4,
        "overdue": 1,
        "items": [
            {"institution": "DG-06-CANKAYA", "open": 2, "overdue": 1},
            {"institution": "GOV-06", "open": 1, "overdue": 0},
            {"institution": "PD-06-SAGLIK", "open": 1, "overdue": 0},
        ],
    }
    assert call(intake, "overview", COORDINATOR_MIN_SAGLIK) == {
        "open": 2,
        "overdue": 1,
        "items": [
            {"institution": "PD-34-SAGLIK", "open": 1, "overdue": 1},
            {"institution": "PD-06-SAGLIK", "open": 1, "overdue": 0},
        ],
    }
    everything = call(intake, "overview", PRESIDENCY)
    assert (everything["open"], everything["overdue"]) == (6, 3)
    assert [item["institution"] for item in everything["items"]] == [
        "DG-06-CANKAYA",  # 1 overdue of 2
        "GOV-34",
        "PD-34-SAGLIK",
        "GOV-06",
        "PD-06-SAGLIK",
    ]
    # A coordinator of an institution that no open application names: nothing; the rest may not ask.
    assert call(intake, "overview", token_for("x", "MIN-MEB", "coordinator")) == {"open": 0, "overdue": 0, "items": []}
    for outsider in (OFFICER_GOV_06, token_for("a", "PRESIDENCY", "admin"), token_for("p", "PRESIDENCY", "officer")):
        with pytest.raises(Forbidden):
            call(intake, "overview", outsider)
    with pytest.raises(Unauthorized):
        call(intake, "overview", None)


def test_the_overview_is_answered_from_the_open_applications_indexes(start_service):
    """With a year of a province's applications, a tenth of them open, the planner finds a subtree's open ones
    through the GIN index over `held_by || coordinators` (its expression must be the query's), and counts the
    Presidency's from the partial index without reading every application."""
    intake = start_service("intake")
    with service_database(intake) as session:
        session.execute(
            text(
                """
                INSERT INTO applications (id, tracking_number, access_code_hash, kind, channel, subject, title, body,
                    anonymous, confidential, language, status, institution, held_by, coordinators, received_at,
                    deadline)
                SELECT gen_random_uuid(), lpad(i::text, 12, '0'), 'x', 'petition', 'web', 'transport', 't', 'b',
                    false, false, 'tr', CASE WHEN i % 10 = 0 THEN 'assigned' ELSE 'answered' END,
                    'GOV-' || lpad((i % 81 + 1)::text, 2, '0'), ARRAY['GOV-' || lpad((i % 81 + 1)::text, 2, '0')],
                    ARRAY['PRESIDENCY'], now(), DATE '2026-12-01' + (i % 40)
                FROM generate_series(1, :n) AS i
                """
            ),
            {"n": 50_000},
        )
    with service_database(intake, as_owner=True) as session:
        session.execute(text("ANALYZE applications"))
        plans = {}
        for who, principal in (
            ("subtree", Principal("u", "c", "GOV-06", frozenset({"coordinator"}), "s")),
            ("everything", Principal("u", "p", "PRESIDENCY", frozenset({"coordinator"}), "s")),
        ):
            compiled = handlers.overview_query(principal, date(2026, 12, 20)).compile(
                dialect=session.get_bind().dialect, compile_kwargs={"render_postcompile": True}
            )
            plans[who] = "\n".join(
                session.connection().exec_driver_sql(f"EXPLAIN {compiled}", compiled.params).scalars()
            )
    for who, plan in plans.items():
        print(f"--- {who}\n{plan}")
        assert "Seq Scan" not in plan, (who, plan)
    assert "ix_applications_open_scope" in plans["subtree"]
    assert "ix_applications_open " in plans["everything"] + " "
    counts = call(intake, "overview", token_for("c", "GOV-06", "coordinator"))
    assert counts["items"] == [{"institution": "GOV-06", "open": counts["open"], "overdue": counts["overdue"]}]
    assert counts["open"] == len([i for i in range(1, 50_001) if i % 10 == 0 and i % 81 + 1 == 6])
