"""Interface tests of what officers do at intake: record phone and in-person applications, list their inbox, open
an application (scope, masking, confidentiality) and leave an audit line for each read."""

import pytest
from nameko.testing.services import entrypoint_hook, entrypoint_waiter

from cimer_common.errors import Forbidden, NotFound, Unauthorized
from cimer_common.outbox import consumer_queue
from cimer_common.testing import assigned_event, next_event, publish, token_for

pytestmark = pytest.mark.interface

APPLICANT = {"national_id": "10000000146", "first_name": "Ayşe", "last_name": "Yılmaz", "phone": "05321234567"}
PETITION = {
    "kind": "petition",
    "petition_type": "complaint",
    "subject": "transport",
    "title": "Yol bozuk",
    "body": "Mahallemizdeki yol aylardır bozuk.",
    "province": "06",
    "applicant": APPLICANT,
}
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
