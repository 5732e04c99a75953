"""Notices end to end: file through the gateway, answer as an officer, and find the mail in the local SMTP server's
mailbox (and the SMS at the local provider) — each once, in the applicant's language."""

from __future__ import annotations

import time
import uuid

import pytest

from cimer_common.calendar import month_name, today
from identity.demo_seed import demo_email
from reporting.domain import previous_period
from tests.e2e.conftest import wait_for

pytestmark = pytest.mark.e2e


def body_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


@pytest.mark.parametrize("language", ["tr", "en"])
def test_the_receipt_and_the_answer_reach_the_applicant_once(api, login, system, language):
    address = f"basvuran-{uuid.uuid4().hex[:8]}@example.org"
    phone = f"0532{uuid.uuid4().int % 10**7:07d}"
    application = {
        "kind": "petition", "petition_type": "request", "subject": "transport", "province": "06",
        "title": "Yol bozuk", "body": "Mahallemizdeki yol aylardır bozuk.", "language": language,
        "applicant": {"national_id": "10000000146", "first_name": "Ayşe", "last_name": "Yılmaz", "email": address,
                      "phone": phone},
    }  # fmt: skip
    accepted = api.post("/api/v1/applications", json=application).json()

    receipt = wait_for(lambda: system.mails_to(address))[0]
    assert accepted["tracking_number"] in body_of(receipt)
    assert accepted["access_code"] in body_of(receipt)
    sms = wait_for(lambda: system.sms_to(phone))[0]
    assert accepted["tracking_number"] in sms["text"]

    deadline = time.monotonic() + 15
    while (
        api.get(
            f"/api/v1/applications/{accepted['tracking_number']}/status",
            params={"access_code": accepted["access_code"]},
        ).json()["institution"]
        != "GOV-06"
    ):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    answer_text = "Yol onarım programına alınmıştır; çalışmalar gelecek ay başlayacaktır."
    answered = api.post(
        f"/api/v1/applications/{accepted['tracking_number']}/answer",
        json={"outcome": "positive", "text": answer_text},
        headers=login("gov-06"),
    )
    assert answered.status_code == 200, answered.text

    mails = wait_for(lambda: [m for m in system.mails_to(address) if answer_text in body_of(m)])
    assert len(mails) == 1
    time.sleep(1.5)  # a few more delivery rounds: nothing is sent twice
    assert len(system.mails_to(address)) == 2  # the receipt and the answer, once each
    subjects = " ".join(str(m["Subject"]) for m in system.mails_to(address))
    assert ("Başvurunuz" in subjects) if language == "tr" else ("application" in subjects.lower())


def test_last_month_s_state_report_reaches_the_presidency_s_coordinators_with_its_pdf(api, login, system):
    """Reporting's timer produces the month before's reports (every 2 s in this run), notification mails each to
    its recipients' coordinators; the state's goes to the Presidency."""
    period = previous_period(today())
    month = month_name(period)
    (mail,) = wait_for(
        lambda: [m for m in system.mails_to(demo_email("presidency")) if "Devlet geneli" in str(m["Subject"])]
    )
    assert mail["Subject"] == f"CİMER aylık raporu, {month}: Devlet geneli"
    (pdf,) = list(mail.iter_attachments())
    assert pdf.get_filename() == f"cimer-{period}-devlet.pdf" and pdf.get_content().startswith(b"%PDF")

    report = api.get("/api/v1/reports/monthly", params={"period": period}, headers=login("presidency")).json()
    assert f"Alınan başvuru: {report['received']['total']}" in body_of(mail)
    # The Presidency's administrator is no coordinator: no report.
    assert not [m for m in system.mails_to(demo_email("admin")) if "aylık raporu" in str(m["Subject"])]
