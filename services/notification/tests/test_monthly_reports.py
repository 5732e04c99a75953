"""Interface tests of the monthly reports' distribution (SPEC section 6): reporting announces a produced report,
notification sends it, with its PDF, to the coordinators of each recipient, once."""

import time
from datetime import UTC, datetime

import pytest
from nameko.testing.services import entrypoint_waiter

from cimer_common.events import MonthlyReportProduced
from cimer_common.testing import event, publish

pytestmark = pytest.mark.interface

QUIET_SECONDS = 2.5  # several sender rounds: long enough for a duplicate to show up


def produced(institution, recipients, **figures):
    headline = {"received": 1234, "answered": 1000, "positive_share": 0.625, "median_days": 4.25, "open": 300}
    payload = MonthlyReportProduced(
        period="2026-03",
        institution=institution,
        recipients=recipients,
        overdue=12,
        produced_at=datetime(2026, 4, 1, 0, 5, tzinfo=UTC),
        **{**headline, **figures},
    )
    return event("reporting", "monthly_report_produced", payload)


def deliver(container, amqp_uri, envelope):
    with entrypoint_waiter(container, "handle_monthly_report_produced") as result:
        publish(amqp_uri, envelope)
    result.get()


def attachments(message):
    return [(part.get_filename(), part.get_content_type(), part.get_content()) for part in message.iter_attachments()]


def test_a_governorship_s_report_goes_to_its_coordinators_and_the_interior_s_once_with_its_pdf(
    start_notification, stand_ins, mailbox, sms_provider, amqp_uri, wait_for
):
    container = start_notification()
    stand_ins.officers["GOV-06"] = [
        {"username": "vali-yardimcisi", "email": "vy@ankara.gov.tr", "roles": ("coordinator",)},
        {"username": "memur", "email": "memur@ankara.gov.tr"},  # an officer: works applications, gets no report
    ]
    stand_ins.officers["MIN-ICISLERI"] = [
        {"username": "icisleri", "email": "koordinasyon@icisleri.gov.tr", "roles": ("coordinator", "officer")}
    ]
    event = produced("GOV-06", ["GOV-06", "MIN-ICISLERI"])
    deliver(container, amqp_uri, event)
    deliver(container, amqp_uri, event)  # redelivered

    wait_for(lambda: len(mailbox.files()) == 2, what="the report to two coordinators")
    time.sleep(QUIET_SECONDS)
    messages = sorted(mailbox.messages(), key=lambda m: m["To"])
    assert [(m["To"], m["Subject"]) for m in messages] == [
        ("koordinasyon@icisleri.gov.tr", "CİMER aylık raporu, Mart 2026: GOV-06"),
        ("vy@ankara.gov.tr", "CİMER aylık raporu, Mart 2026: GOV-06"),
    ]
    for message in messages:
        assert attachments(message) == [("cimer-2026-03-GOV-06.pdf", "application/pdf", stand_ins.report_pdf)]
        text = message.get_body(preferencelist=("plain",)).get_content()
        assert "Alınan başvuru: 1.234" in text and "Olumlu yanıt oranı: %62,5" in text
        assert "Ortanca yanıt süresi: 4,3 gün" in text and "süresi geçmiş: 12" in text
    assert sms_provider.messages() == []
    assert ("stored_report_document", "2026-03", "GOV-06") in stand_ins.calls


def test_the_state_report_goes_to_the_presidency_s_coordinators(
    start_notification, stand_ins, mailbox, amqp_uri, wait_for
):
    container = start_notification()
    stand_ins.officers["PRESIDENCY"] = [
        {"username": "baskanlik", "email": "rapor@iletisim.gov.tr", "roles": ("coordinator",)}
    ]
    deliver(container, amqp_uri, produced(None, ["PRESIDENCY"], positive_share=None, median_days=None))

    (message,) = wait_for(lambda: mailbox.messages(), what="the state's report")
    assert message["Subject"] == "CİMER aylık raporu, Mart 2026: Devlet geneli"
    assert attachments(message)[0][0] == "cimer-2026-03-devlet.pdf"
    assert "Olumlu yanıt oranı: -" in message.get_body(preferencelist=("plain",)).get_content()


def test_a_report_waits_while_reporting_cannot_give_its_document(
    start_notification, stand_ins, mailbox, amqp_uri, wait_for
):
    stand_ins.officers["MIN-SAGLIK"] = [
        {"username": "saglik", "email": "rapor@saglik.gov.tr", "roles": ("coordinator",)}
    ]
    container = start_notification()
    stand_ins.report_unavailable.set()
    deliver(container, amqp_uri, produced("MIN-SAGLIK", ["MIN-SAGLIK"]))
    wait_for(lambda: ("stored_report_document", "2026-03", "MIN-SAGLIK") in stand_ins.calls, what="a first try")
    time.sleep(0.5)
    assert mailbox.messages() == []
    stand_ins.report_unavailable.clear()
    (message,) = wait_for(lambda: mailbox.messages(), what="the report once reporting answers")
    assert attachments(message)[0][0] == "cimer-2026-03-MIN-SAGLIK.pdf"
