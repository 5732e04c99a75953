"""Parsing what arrives on the queue: no broker."""

import json
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from cimer_institution import (
    Applicant,
    ApplicationAssigned,
    CommandAccepted,
    CommandRefused,
    InstitutionClient,
    MalformedMessage,
    OtherMessage,
    parse_message,
)


def test_application_assigned_is_typed(make_assignment):
    raw = make_assignment(message_id="m-1", future_field={"x": 1})
    message = parse_message(json.dumps(raw).encode())

    assert isinstance(message, ApplicationAssigned)
    assert message.message_id == "m-1"
    assert message.tracking_number == "2025-000123"
    assert message.occurred_at == datetime(2025, 3, 10, 9, 15, tzinfo=timezone(timedelta(hours=3)))
    assert message.received_at.tzinfo is not None
    assert message.deadline == date(2025, 4, 9)
    assert (message.kind, message.petition_type, message.channel, message.subject) == (
        "petition",
        "request",
        "web",
        "health",
    )
    assert (message.province, message.district, message.reason) == ("06", "Çankaya", "initial")
    assert message.from_institution is None and message.note is None
    assert message.applicant == Applicant(
        national_id="10*******46", first_name="Ayşe", last_name="Yılmaz", email="ayse@example.org"
    )
    assert message.extra == {"future_field": {"x": 1}}
    hash(message)  # frozen values can go in sets, e.g. to de-duplicate


def test_nullable_fields_may_be_null_or_missing(make_assignment):
    raw = make_assignment(applicant=None, province=None, occurred_at="2025-03-10T06:15:00Z")
    del raw["district"], raw["petition_type"], raw["note"], raw["from_institution"]

    message = parse_message(json.dumps(raw))

    assert message.applicant is None
    assert (message.province, message.district, message.petition_type, message.note) == (None, None, None, None)
    assert message.occurred_at == datetime(2025, 3, 10, 6, 15, tzinfo=UTC)


def test_forwarded_assignment_says_where_from(make_assignment):
    raw = make_assignment(reason="forwarded", from_institution="MIN-SAGLIK", note="İlgili birime.")
    raw["applicant"] = {"national_id": None, "first_name": None, "nickname": "x"}

    message = parse_message(json.dumps(raw))

    assert (message.reason, message.from_institution, message.note) == ("forwarded", "MIN-SAGLIK", "İlgili birime.")
    assert message.applicant == Applicant(extra={"nickname": "x"})


@pytest.mark.parametrize(("kind", "cls"), [("command_accepted", CommandAccepted), ("command_refused", CommandRefused)])
def test_command_outcomes(kind, cls):
    message = parse_message(
        json.dumps(
            {"type": kind, "command_id": "c-1", "code": "forbidden", "message": "Başvuru sizde değil.", "x": 2}
        ).encode()
    )

    assert message == cls(command_id="c-1", code="forbidden", message="Başvuru sizde değil.", extra={"x": 2})
    assert message.tracking_number is None


def test_outcome_with_tracking_number():
    message = parse_message(
        b'{"type": "command_accepted", "command_id": "c", "code": "forwarded", "message": "ok", '
        b'"tracking_number": "2025-000001"}'
    )
    assert message.tracking_number == "2025-000001"


def test_a_type_not_known_yet_is_not_an_error():
    message = parse_message(b'{"type": "deadline_near", "tracking_number": "2025-000001"}')

    assert message == OtherMessage(
        type="deadline_near", data={"type": "deadline_near", "tracking_number": "2025-000001"}
    )


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"not json", "not JSON"),
        (b"\xff\xfe", "not JSON"),
        (b"[1, 2]", "not a JSON object"),
        (b'{"message_id": "m"}', "'type'"),
        (b'{"type": 3}', "'type'"),
        (b'{"type": "command_refused", "command_id": "c", "code": "x"}', "'message'"),
        (b'{"type": "command_refused", "command_id": 7, "code": "x", "message": "m"}', "'command_id'"),
    ],
)
def test_malformed_bodies(body, error):
    with pytest.raises(MalformedMessage, match=error):
        parse_message(body)


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"message_id": None}, "'message_id'"),
        ({"occurred_at": "yesterday"}, "'occurred_at'"),
        ({"deadline": "2025-13-40"}, "'deadline'"),
        ({"title": 5}, "'title'"),
        ({"province": 6}, "'province'"),
        ({"applicant": "Ayşe"}, "'applicant'"),
        ({"applicant": {"first_name": ["A"]}}, "'first_name'"),
    ],
)
def test_malformed_assignments(make_assignment, change, error):
    with pytest.raises(MalformedMessage, match=error):
        parse_message(json.dumps(make_assignment(**change)))


@pytest.mark.parametrize("field", ["message_id", "tracking_number", "received_at", "deadline", "reason", "body"])
def test_assignment_missing_a_required_field(make_assignment, field):
    raw = make_assignment()
    del raw[field]
    with pytest.raises(MalformedMessage, match=f"missing field '{field}'"):
        parse_message(json.dumps(raw))


def test_client_from_plug_output():
    plug = {
        "institution": "MIN-SAGLIK",
        "amqp_uri": "amqp://institution-MIN-SAGLIK:secret@broker.example:5672/cimer",
        "queue": "cimer.institution.MIN-SAGLIK",
        "commands_exchange": "cimer.commands",
    }
    client = InstitutionClient.from_plug_output(json.dumps(plug))

    assert (client.institution, client.username, client.queue, client.commands_exchange) == (
        "MIN-SAGLIK",
        "institution-MIN-SAGLIK",
        "cimer.institution.MIN-SAGLIK",
        "cimer.commands",
    )
    assert "secret" not in repr(client)


def test_institution_code_comes_from_the_queue_or_the_user():
    by_queue = InstitutionClient("amqp://u:p@h/v", "cimer.institution.GOV-06", "cimer.commands")
    by_user = InstitutionClient("amqp://institution-PD-06-SAGLIK:p@h/v", "q", "cimer.commands")

    assert (by_queue.institution, by_user.institution) == ("GOV-06", "PD-06-SAGLIK")
    with pytest.raises(ValueError, match="institution="):
        InstitutionClient("amqp://guest:guest@h/v", "some.queue", "cimer.commands")
    with pytest.raises(ValueError, match="not an institution code"):
        InstitutionClient("amqp://guest:guest@h/v", "q", "x", institution="A.#")


@pytest.mark.parametrize("plug", ["not json", "[]", '{"amqp_uri": "amqp://a:b@h/v", "queue": "q"}'])
def test_bad_plug_output(plug):
    with pytest.raises(ValueError, match="plug output"):
        InstitutionClient.from_plug_output(plug)


def test_answer_outcome_is_checked_before_sending():
    client = InstitutionClient("amqp://guest:guest@127.0.0.1:1/v", "q", "x", institution="MIN-TEST")
    with pytest.raises(ValueError, match="positive"):
        client.answer("2025-000001", "maybe", "Başvurunuz incelendi.")


def test_run_needs_an_assignment_callback():
    client = InstitutionClient("amqp://guest:guest@127.0.0.1:1/v", "q", "x", institution="MIN-TEST")
    with pytest.raises(RuntimeError, match="on_application_assigned"):
        client.run()
