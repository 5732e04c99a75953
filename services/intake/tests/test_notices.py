"""Interface tests of the internal contracts notification relies on: `notice_contacts` and `receipts_done`,
through the real entrypoints, on the real RabbitMQ and PostgreSQL."""

import uuid
from datetime import timedelta

import pytest
from nameko.testing.services import entrypoint_hook
from sqlalchemy import create_engine, select, update

from cimer_common import testing
from cimer_common.errors import InvalidRequest
from cimer_common.outbox import consumer_queue
from cimer_common.settings import get_settings
from cimer_common.testing import next_event, service_database
from intake.models import Application

pytestmark = pytest.mark.interface

# The shared petition, its applicant reachable by phone too, its notices in English.
APPLICANT = {**testing.PETITION["applicant"], "phone": "+905551112233"}
PETITION = {**testing.PETITION, "language": "en", "applicant": APPLICANT}


def call(container, method, *args, **kwargs):
    with entrypoint_hook(container, method) as hook:
        return hook(*args, **kwargs)


def contact(container, application_id, kind):
    """What `notice_contacts` says of one notice (a round of one)."""
    (found,) = call(container, "notice_contacts", [{"application_id": application_id, "kind": kind}])
    return found


def delivered(container, *application_ids):
    return call(container, "receipts_done", list(application_ids))


def file(container, amqp_uri, application):
    """File through the real entrypoint; the application id, as notification learns it, from the event."""
    accepted = call(container, "file_application", application)
    queue = consumer_queue("intake", "application_received", "routing.handle_application_received")
    event = next_event(amqp_uri, queue.name)
    assert event["payload"]["tracking_number"] == accepted["tracking_number"]
    return event["payload"]["application_id"], accepted


def test_the_receipt_carries_the_access_code_until_it_is_delivered(start_service, amqp_uri):
    intake = start_service("intake")
    application_id, accepted = file(intake, amqp_uri, PETITION)

    assert contact(intake, application_id, "receipt") == {
        "name": "Ayşe Yılmaz",
        "email": "a@example.org",
        "phone": "+905551112233",
        "language": "en",
        "tracking_number": accepted["tracking_number"],
        "access_code": accepted["access_code"],
    }
    # Sealed in the database, never in clear.
    engine = create_engine(get_settings().database_url("intake"))
    with engine.connect() as connection:
        sealed = connection.scalar(select(Application.access_code_sealed))
    assert sealed and accepted["access_code"] not in sealed

    assert delivered(intake, application_id) is None
    assert contact(intake, application_id, "receipt")["access_code"] is None
    assert delivered(intake, application_id) is None  # again: nothing happens
    with engine.connect() as connection:
        assert connection.scalar(select(Application.access_code_sealed)) is None
    engine.dispose()
    # The code still works for the public status: only the sealed copy is forgotten, the hash stays.
    status = call(intake, "get_status", accepted["tracking_number"], accepted["access_code"])
    assert status["tracking_number"] == accepted["tracking_number"]


def test_other_notices_never_carry_the_access_code(start_service, amqp_uri):
    intake = start_service("intake")
    application_id, accepted = file(intake, amqp_uri, PETITION)
    for kind in ("answer", "assigned", "extended", ""):
        found = contact(intake, application_id, kind)
        assert found["access_code"] is None
        assert found["tracking_number"] == accepted["tracking_number"] and found["email"] == "a@example.org"


def sealed_codes(intake):
    with service_database(intake) as session:
        return dict(session.execute(select(Application.tracking_number, Application.access_code_sealed)).all())


def test_nobody_to_tell_is_none_and_their_code_is_never_kept(start_service, amqp_uri):
    intake = start_service("intake")
    anonymous, by_nobody = file(intake, amqp_uri, {**PETITION, "applicant": None})
    unreachable, by_someone = file(
        intake, amqp_uri, {**PETITION, "applicant": {**APPLICANT, "email": None, "phone": None}}
    )
    assert contact(intake, anonymous, "receipt") is None
    assert contact(intake, unreachable, "receipt") is None
    assert contact(intake, str(uuid.uuid4()), "receipt") is None
    assert delivered(intake, str(uuid.uuid4())) is None  # unknown: nothing happens
    # No receipt will ever carry their codes: only the hashes are kept, from the start.
    codes = sealed_codes(intake)
    assert codes[by_nobody["tracking_number"]] is None and codes[by_someone["tracking_number"]] is None
    status = call(intake, "get_status", by_nobody["tracking_number"], by_nobody["access_code"])
    assert status["status"] == "received"


def test_a_code_whose_receipt_never_reports_back_is_forgotten_after_a_day(start_service, amqp_uri):
    intake = start_service("intake")
    _, old = file(intake, amqp_uri, PETITION)
    _, recent = file(intake, amqp_uri, PETITION)
    with service_database(intake) as session:
        session.execute(
            update(Application)
            .where(Application.tracking_number == old["tracking_number"])
            .values(received_at=Application.received_at - timedelta(hours=24, minutes=1))
        )
    assert call(intake, "forget_expired")["access_codes"] == 1
    codes = sealed_codes(intake)
    assert codes[old["tracking_number"]] is None and codes[recent["tracking_number"]] is not None
    assert call(intake, "forget_expired")["access_codes"] == 0


def test_a_phone_only_or_a_confidential_applicant_is_still_told(start_service, amqp_uri):
    intake = start_service("intake")
    phone_only, _ = file(intake, amqp_uri, {**PETITION, "applicant": {**APPLICANT, "email": None}})
    confidential, accepted = file(intake, amqp_uri, {**PETITION, "confidential": True})
    found = contact(intake, phone_only, "receipt")
    assert found["email"] is None and found["phone"] == "+905551112233" and found["access_code"]
    found = contact(intake, confidential, "receipt")
    assert found["name"] == "Ayşe Yılmaz" and found["access_code"] == accepted["access_code"]


def test_a_round_is_answered_in_one_call_in_the_order_asked(start_service, amqp_uri):
    intake = start_service("intake")
    first, accepted = file(intake, amqp_uri, PETITION)
    anonymous, _ = file(intake, amqp_uri, {**PETITION, "applicant": None})
    second, _ = file(intake, amqp_uri, {**PETITION, "applicant": {**APPLICANT, "first_name": "Elif"}})
    round_ = [
        {"application_id": second, "kind": "receipt"},
        {"application_id": anonymous, "kind": "receipt"},
        {"application_id": first, "kind": "receipt"},
        {"application_id": first, "kind": "answer"},  # the same application twice: each as its kind says
    ]
    found = call(intake, "notice_contacts", round_)
    assert [c and c["name"] for c in found] == ["Elif Yılmaz", None, "Ayşe Yılmaz", "Ayşe Yılmaz"]
    assert found[2]["access_code"] == accepted["access_code"] and found[3]["access_code"] is None
    assert call(intake, "notice_contacts", []) == []

    delivered(intake, first, second, str(uuid.uuid4()))
    assert [c["access_code"] for c in call(intake, "notice_contacts", [round_[0], round_[2]])] == [None, None]


@pytest.mark.parametrize("bad_id", ["not-a-uuid", "", 42, None])
def test_an_invalid_application_id_is_refused(start_service, bad_id):
    intake = start_service("intake")
    for method, args in (
        ("notice_contacts", ([{"application_id": bad_id, "kind": "receipt"}],)),
        ("receipts_done", ([bad_id],)),
    ):
        with pytest.raises(InvalidRequest) as caught:
            call(intake, method, *args)
        assert caught.value.args == ("invalid_application_id", "application_id")


@pytest.mark.parametrize(
    "notices",
    ["not-a-list", None, [{"application_id": str(uuid.uuid4())}], ["x"], [{}] * 501],
    ids=["text", "none", "no kind", "not an object", "too many"],
)
def test_a_malformed_round_is_refused(start_service, notices):
    intake = start_service("intake")
    with pytest.raises(InvalidRequest):
        call(intake, "notice_contacts", notices)
    with pytest.raises(InvalidRequest) as refused:
        call(intake, "receipts_done", "not-a-list")
    assert refused.value.args == ("invalid_request", "application_ids")


def test_a_code_sealed_with_another_key_does_not_hold_back_the_round(start_service, amqp_uri):
    """After ACCESS_CODE_SEAL_KEY is rotated, a receipt not yet delivered cannot be unsealed: it comes without its
    code (notification sends no receipt without one) and the rest of the round is answered as ever."""
    from cryptography.fernet import Fernet
    from sqlalchemy import update

    from intake import domain

    intake = start_service("intake")
    stranded, _ = file(intake, amqp_uri, PETITION)
    fine, accepted = file(intake, amqp_uri, PETITION)
    engine = create_engine(get_settings().database_url("intake"))
    with engine.begin() as connection:
        connection.execute(
            update(Application)
            .where(Application.id == uuid.UUID(stranded))
            .values(access_code_sealed=domain.seal_access_code(Fernet.generate_key().decode(), "K7PX93QD"))
        )
    engine.dispose()
    found = call(intake, "notice_contacts", [{"application_id": a, "kind": "receipt"} for a in (stranded, fine)])
    assert found[0]["access_code"] is None and found[0]["name"] == "Ayşe Yılmaz"
    assert found[1]["access_code"] == accepted["access_code"]
