"""Interface tests of delivery: the real notification service sends through the real local SMTP server and SMS
provider (started in this process on free ports), asking test-only stand-ins for intake and identity for the
contacts; each notice arrives once, in the applicant's language, with the right content."""

import time
import uuid
from base64 import b64encode
from datetime import UTC, date, datetime

import pytest
from nameko.testing.services import entrypoint_hook, entrypoint_waiter

from cimer_common.events import ApplicationAnswered, DeadlineApproaching, spec
from cimer_common.testing import assigned_event, first_assignment, publish, received_event, routing_event
from notification.local.mailbox import Mailbox

pytestmark = pytest.mark.interface

HANDLERS = {
    "application_received": "handle_application_received",
    "application_answered": "handle_application_answered",
    "application_assigned": "handle_application_assigned",
    "deadline_approaching": "handle_deadline_approaching",
}
QUIET_SECONDS = 2.5  # several sender rounds: long enough for a duplicate to show up


def deliver(container, amqp_uri, envelope):
    with entrypoint_waiter(container, HANDLERS[envelope.type]) as result:
        publish(amqp_uri, envelope)
    result.get()


def log_of(container, application_id):
    with entrypoint_hook(container, "delivery_log") as delivery_log:
        return delivery_log(str(application_id))


def notices(container, application_id):
    with entrypoint_hook(container, "notices_for") as notices_for:
        return notices_for(str(application_id))


def applicant(language="tr", **overrides):
    return {
        "name": "Ayşe Yılmaz",
        "email": "ayse.yilmaz@example.org",
        "phone": "+90 532 123 45 67",
        "language": language,
        "tracking_number": "260000000018",
        "access_code": "K7PX-93QD",
        **overrides,
    }


def text_of(message):
    return message.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")


def html_of(message):
    return message.get_body(preferencelist=("html",)).get_content()


@pytest.mark.parametrize("language", ["tr", "en"])
def test_the_receipt_is_delivered_once_by_mail_and_sms_in_the_applicants_language(
    start_notification, stand_ins, mailbox, sms_provider, amqp_uri, wait_for, language
):
    container = start_notification()
    envelope = received_event(language=language)
    application_id = envelope.payload["application_id"]
    stand_ins.applicants[application_id] = applicant(language)
    deliver(container, amqp_uri, envelope)

    wait_for(lambda: mailbox.files() and sms_provider.messages(), what="the receipt")
    time.sleep(QUIET_SECONDS)
    [mail], [sms] = mailbox.messages(), sms_provider.messages()

    assert mail["To"] == "ayse.yilmaz@example.org"
    assert "bildirim@cimer.gov.tr" in mail["From"]
    assert mail.get_content_type() == "multipart/alternative"
    if language == "tr":
        assert mail["Subject"] == "CİMER başvurunuz alındı: 260000000018"
        assert "Sayın Ayşe Yılmaz" in text_of(mail) and "Erişim kodu: K7PX-93QD" in text_of(mail)
        assert "Erişim kodu" in html_of(mail)
        assert sms["text"] == "CİMER başvurunuz alındı. No: 260000000018 Erişim kodu: K7PX-93QD"
    else:
        assert mail["Subject"] == "Your CİMER application has been received: 260000000018"
        assert "Dear Ayşe Yılmaz" in text_of(mail) and "Access code: K7PX-93QD" in text_of(mail)
        assert "Access code" in html_of(mail)
        assert sms["text"] == "Your CİMER application was received. No: 260000000018 Access code: K7PX-93QD"
    assert "<code>K7PX-93QD</code>" in html_of(mail)
    assert sms["to"] == "+90 532 123 45 67"

    # intake is told once, after the receipt went out, so it can forget the sealed access code
    assert stand_ins.calls.count(("receipts_done", application_id, None)) == 1
    [notice] = notices(container, application_id)
    assert (notice["status"], notice["attempts"]) == ("sent", 1)
    log = log_of(container, application_id)
    assert sorted((e["channel"], e["to"], e["result"], e["attempt"]) for e in log) == [
        ("email", "a***@example.org", "ok", 1),
        ("sms", "******4567", "ok", 1),
    ]


def test_an_anonymous_applicant_gets_nothing(start_notification, stand_ins, mailbox, sms_provider, amqp_uri):
    container = start_notification()
    envelope = received_event(anonymous=True, reachable=False)
    application_id = envelope.payload["application_id"]
    stand_ins.applicants[application_id] = applicant()  # even were intake to answer, nothing is asked
    deliver(container, amqp_uri, envelope)
    time.sleep(QUIET_SECONDS)
    assert mailbox.files() == [] and sms_provider.messages() == []
    assert notices(container, application_id) == []
    assert not [call for call in stand_ins.calls if call[1] == application_id]


def test_an_applicant_intake_cannot_name_is_skipped_in_the_log(
    start_notification, stand_ins, mailbox, sms_provider, amqp_uri, wait_for
):
    container = start_notification()
    envelope = received_event()
    application_id = envelope.payload["application_id"]
    stand_ins.applicants[application_id] = None  # intake: anonymous or unknown
    deliver(container, amqp_uri, envelope)
    wait_for(lambda: notices(container, application_id)[0]["status"] == "skipped", what="the skip")
    assert mailbox.files() == [] and sms_provider.messages() == []
    [entry] = log_of(container, application_id)
    assert (entry["channel"], entry["result"], entry["to"]) == ("none", "skipped", None)


def test_the_answer_is_delivered_with_its_outcome_and_text(
    start_notification, stand_ins, mailbox, sms_provider, amqp_uri, wait_for
):
    container = start_notification()
    received = received_event(language="en")
    application_id = received.payload["application_id"]
    stand_ins.applicants[application_id] = applicant("en", phone=None)
    deliver(container, amqp_uri, received)
    answered = ApplicationAnswered(
        application_id=application_id,
        tracking_number="260000000018",
        institution="GOV-06",
        outcome="positive",
        text="Your road was repaired.\nThank you.",
        answered_at=datetime.now(UTC),
    )
    deliver(container, amqp_uri, routing_event("application_answered", answered))

    wait_for(lambda: len(mailbox.files()) == 2, what="receipt and answer")
    time.sleep(QUIET_SECONDS)
    by_subject = {m["Subject"]: m for m in mailbox.messages()}
    answer = by_subject["Your application has been answered: 260000000018"]
    assert "answered positively by GOV-06" in text_of(answer)
    assert "Your road was repaired.\nThank you." in text_of(answer)
    assert len(by_subject) == 2 and sms_provider.messages() == []  # no phone, no SMS
    # the access code is asked for the receipt only
    kinds = [kind for method, app, kind in stand_ins.calls if method == "notice_contacts" and app == application_id]
    assert set(kinds) == {"receipt", "answer"}


def test_the_answer_s_mail_carries_the_files_its_institution_attached(
    start_notification, stand_ins, mailbox, sms_provider, amqp_uri, wait_for
):
    """SPEC section 12: an answer's attachment is delivered with the answer's mail (asked of intake when sent)."""
    container = start_notification()
    received = received_event()
    application_id = received.payload["application_id"]
    stand_ins.applicants[application_id] = applicant(phone=None)
    pdf = b"%PDF-1.4 the documents asked for\n%%EOF\n"
    stand_ins.answer_files[application_id] = [
        {"filename": "ihale-belgeleri.pdf", "content_type": "application/pdf", "body": b64encode(pdf).decode()}
    ]
    deliver(container, amqp_uri, received)
    answered = ApplicationAnswered(
        application_id=application_id,
        tracking_number="260000000018",
        institution="GOV-06",
        outcome="positive",
        text="İstediğiniz belgeler ektedir.",
        answered_at=datetime.now(UTC),
    )
    deliver(container, amqp_uri, routing_event("application_answered", answered))

    wait_for(lambda: len(mailbox.files()) == 2, what="receipt and answer")
    by_subject = {m["Subject"]: m for m in mailbox.messages()}
    [answer] = [m for subject, m in by_subject.items() if subject.startswith("Başvurunuz yanıtlandı")]
    [attached] = list(answer.iter_attachments())
    assert attached.get_filename() == "ihale-belgeleri.pdf" and attached.get_content() == pdf
    [receipt] = [m for subject, m in by_subject.items() if m is not answer]
    assert list(receipt.iter_attachments()) == []  # only an answer carries the answer's files


def test_a_failing_smtp_server_is_retried_until_it_comes_back_and_nothing_is_duplicated(
    start_service, stand_ins, sms_provider, amqp_uri, wait_for, unused_port, tmp_path
):
    down = Mailbox(tmp_path / "mail", port=unused_port)  # nothing listens there yet
    container = start_service(
        "notification",
        SMTP_PORT=down.port,
        SMS_PROVIDER_URL=sms_provider.url,
        SMS_API_KEY="test-sms-key",
        NOTIFY_RETRY_BASE_SECONDS="0.2",
        NOTIFY_MAX_ATTEMPTS="50",
    )
    envelope = received_event()
    application_id = envelope.payload["application_id"]
    stand_ins.applicants[application_id] = applicant()
    deliver(container, amqp_uri, envelope)

    def failed_mail_attempts():
        return [e for e in log_of(container, application_id) if e["channel"] == "email" and e["result"] == "failed"]

    failures = wait_for(lambda: len(failed_mail_attempts()) >= 2 and failed_mail_attempts(), what="failed attempts")
    assert "smtp 127.0.0.1" in failures[0]["error"]
    assert notices(container, application_id)[0]["status"] in ("pending", "sending")

    down.start()  # the SMTP server comes back
    try:
        wait_for(lambda: notices(container, application_id)[0]["status"] == "sent", what="delivery")
        time.sleep(QUIET_SECONDS)
        assert len(down.files()) == 1
        assert len(sms_provider.messages()) == 1  # the SMS succeeded the first time and was not sent again
        log = log_of(container, application_id)
        assert [e["result"] for e in log if e["channel"] == "sms"] == ["ok"]
        mail_results = [e["result"] for e in log if e["channel"] == "email"]
        assert mail_results[-1] == "ok" and mail_results.count("ok") == 1 and len(mail_results) >= 3
        assert stand_ins.calls.count(("receipts_done", application_id, None)) == 1
    finally:
        down.stop()


def test_a_notice_fails_for_good_after_the_last_attempt(
    start_service, stand_ins, sms_provider, amqp_uri, wait_for, unused_port
):
    container = start_service(
        "notification",
        SMTP_PORT=unused_port,
        SMS_PROVIDER_URL=sms_provider.url,
        SMS_API_KEY="wrong-key",  # the provider says 401
        NOTIFY_RETRY_BASE_SECONDS="0.1",
        NOTIFY_MAX_ATTEMPTS="3",
    )
    envelope = received_event()
    application_id = envelope.payload["application_id"]
    stand_ins.applicants[application_id] = applicant()
    deliver(container, amqp_uri, envelope)

    wait_for(lambda: notices(container, application_id)[0]["status"] == "failed", what="the final failure")
    [notice] = notices(container, application_id)
    assert notice["attempts"] == 3
    log = log_of(container, application_id)
    failed = sorted((e["channel"], e["attempt"]) for e in log if e["result"] == "failed")
    assert failed == sorted((channel, attempt) for attempt in (1, 2, 3) for channel in ("email", "sms"))
    final = log[-1]
    assert (final["result"], final["attempt"]) == ("gave_up", 3)
    assert final["error"].startswith("gave up after 3 attempts") and "HTTP 401" in final["error"]
    assert sms_provider.messages() == []
    # Given up: intake is told the receipt is done with, so it forgets the access code sealed for it.
    assert ("receipts_done", application_id, None) in stand_ins.calls


def test_the_same_event_delivered_twice_sends_one_mail(
    start_notification, stand_ins, mailbox, sms_provider, amqp_uri, wait_for
):
    container = start_notification()
    envelope = received_event()
    stand_ins.applicants[envelope.payload["application_id"]] = applicant(phone=None)
    again = received_event(**envelope.payload)  # the same fact in a new envelope, too
    for event in (envelope, envelope, again):
        deliver(container, amqp_uri, event)
    wait_for(mailbox.files, what="the receipt")
    time.sleep(QUIET_SECONDS)
    assert len(mailbox.files()) == 1


def test_the_first_assignment_brings_the_receipt_and_the_holders_notice_once_whichever_way_it_came(
    start_notification, stand_ins, mailbox, sms_provider, amqp_uri, wait_for
):
    """The way every application comes now: its first assignment carries it as it was received. The same
    application left in the retired `application_received` queue at an upgrade changes nothing twice."""
    container = start_notification()
    received = received_event(language="en")
    application_id = received.payload["application_id"]
    stand_ins.applicants[application_id] = applicant("en", phone=None)
    stand_ins.officers["GOV-06"] = [{"username": "mehmet", "email": "mehmet@valilik.gov.tr"}]
    first = first_assignment(received, institution="GOV-06")
    assert "notification.handle_application_received" not in spec("intake", "application_received").consumers
    deliver(container, amqp_uri, first)
    wait_for(lambda: len(mailbox.files()) == 2, what="the receipt and the holder's notice")
    deliver(container, amqp_uri, received)  # an earlier version's, still in the retired queue
    deliver(container, amqp_uri, first)  # and the assignment again
    time.sleep(QUIET_SECONDS)
    assert sorted((m["To"], m["Subject"]) for m in mailbox.messages()) == [
        ("ayse.yilmaz@example.org", "Your CİMER application has been received: 260000000018"),
        ("mehmet@valilik.gov.tr", "Yeni başvuru: 260000000018"),
    ]
    assert sorted((n["kind"], n["status"]) for n in notices(container, application_id)) == [
        ("new_assignment", "sent"),
        ("receipt", "sent"),
    ]
    assert stand_ins.calls.count(("receipts_done", application_id, None)) == 1


def test_officers_are_told_of_a_new_assignment_and_a_deadline_coming_near(
    start_notification, stand_ins, mailbox, sms_provider, amqp_uri, wait_for
):
    container = start_notification()
    stand_ins.officers["GOV-06"] = [
        {"username": "mehmet", "email": "mehmet@valilik.gov.tr"},
        {"username": "zeynep", "email": "zeynep@valilik.gov.tr"},
    ]
    application_id = uuid.uuid4()
    deliver(container, amqp_uri, assigned_event(application_id, "260000000018", institution="GOV-06"))
    approaching = DeadlineApproaching(
        application_id=application_id,
        tracking_number="260000000018",
        institution="GOV-06",
        deadline=date(2026, 12, 10),
        working_days_left=3,
    )
    deliver(container, amqp_uri, routing_event("deadline_approaching", approaching))

    wait_for(lambda: len(mailbox.files()) == 4, what="two notices to two officers")
    time.sleep(QUIET_SECONDS)
    received = sorted((m["To"], m["Subject"]) for m in mailbox.messages())
    assert received == [
        ("mehmet@valilik.gov.tr", "Süresi yaklaşan başvuru: 260000000018"),
        ("mehmet@valilik.gov.tr", "Yeni başvuru: 260000000018"),
        ("zeynep@valilik.gov.tr", "Süresi yaklaşan başvuru: 260000000018"),
        ("zeynep@valilik.gov.tr", "Yeni başvuru: 260000000018"),
    ]
    assert sms_provider.messages() == []
    targets = sorted((e["kind"], e["target"], e["to"]) for e in log_of(container, application_id))
    assert targets == [
        ("due_soon", "mehmet", "m***@valilik.gov.tr"),
        ("due_soon", "zeynep", "z***@valilik.gov.tr"),
        ("new_assignment", "mehmet", "m***@valilik.gov.tr"),
        ("new_assignment", "zeynep", "z***@valilik.gov.tr"),
    ]


def test_a_round_asks_for_its_addresses_once_and_reports_its_receipts_once(
    start_notification, stand_ins, mailbox, sms_provider, amqp_uri, wait_for
):
    held = start_notification(NOTIFY_PAUSED="true")  # the notices are recorded, none sent yet
    events = [received_event() for _ in range(12)]
    unknown = received_event()  # intake cannot name its applicant: skipped, the others go out
    for event in events:
        stand_ins.applicants[event.payload["application_id"]] = applicant(phone=None)
    stand_ins.officers["GOV-06"] = [{"username": "mehmet", "email": "mehmet@valilik.gov.tr"}]
    stand_ins.officers["GOV-34"] = [{"username": "ayse", "email": "ayse@valilik.gov.tr"}]
    assignments = [
        assigned_event(uuid.uuid4(), f"26000000{n:04d}", institution=institution)
        for n, institution in enumerate(("GOV-06", "GOV-34", "GOV-06"))
    ]
    for event in (*events, unknown, *assignments):
        deliver(held, amqp_uri, event)
    held.stop()

    sender = start_notification(fresh_database=False)  # one round takes all sixteen
    wait_for(lambda: len(mailbox.files()) == 15, what="twelve receipts and three officers' notices")
    # The twelve sent and the one skipped: every receipt done with, in one call.
    wait_for(lambda: ("receipts_done", 13) in stand_ins.rounds, what="the receipts reported")
    assert sorted(stand_ins.rounds) == [("notice_contacts", 13), ("officer_contacts", 2), ("receipts_done", 13)]
    assert mailbox.connections() == 1  # one SMTP session for the round's mail
    # The round settles its notices after it reports the receipts (`delivery.receipts_reported`): wait for it.
    wait_for(
        lambda: notices(sender, unknown.payload["application_id"])[0]["status"] == "skipped", what="the skip settled"
    )
