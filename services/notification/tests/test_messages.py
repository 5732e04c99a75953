"""Unit tests of what notices say, in both languages, and of what the delivery log may show: no broker, no
database."""

from datetime import timedelta

import pytest

from notification import domain
from notification.messages import render

APPLICANT_FACTS = {
    "receipt": {"access_code": "K7PX-93QD"},
    "extension": {"deadline": "2026-12-31", "previous_deadline": "2026-12-10", "reason": "Bilgi derleniyor."},
    "status_30_days": {"received_on": "2026-10-01T09:00:00+00:00", "holder": "GOV-06", "deadline": "2026-12-01"},
    "answer": {"institution": "GOV-06", "outcome": "positive", "text": "Yolunuz onarıldı."},
}
OFFICER_FACTS = {
    "new_assignment": {"institution": "GOV-06", "reason": "forwarded"},
    "digest": {
        "institution": "GOV-06",
        "day": "2026-11-26",
        "assignments": [
            {"tracking_number": "260000000018", "reason": "initial"},
            {"tracking_number": "260000012353", "reason": "returned"},
        ],
    },
    "due_soon": {"institution": "GOV-06", "deadline": "2026-12-10", "working_days_left": 3},
    "overdue": {"institution": "DG-06-CANKAYA", "deadline": "2026-12-10", "coordinating": "GOV-06"},
}


@pytest.mark.parametrize("kind", sorted(APPLICANT_FACTS))
@pytest.mark.parametrize("language", ["tr", "en"])
def test_every_applicant_notice_has_a_subject_text_html_and_a_short_sms(kind, language):
    rendered = render(kind, language, {"tracking_number": "260000000018", "name": "Ayşe", **APPLICANT_FACTS[kind]})
    for part in (rendered.subject, rendered.text, rendered.html, rendered.sms):
        assert "260000000018" in part
    assert "Ayşe" in rendered.text and "Ayşe" in rendered.html
    assert f'<html lang="{language}">' in rendered.html
    assert rendered.sms is not None and len(rendered.sms) <= 160


@pytest.mark.parametrize("kind", sorted(OFFICER_FACTS))
@pytest.mark.parametrize("language", ["tr", "en"])
def test_officer_notices_are_mail_only(kind, language):
    rendered = render(kind, language, {"tracking_number": "260000000018", **OFFICER_FACTS[kind]})
    assert rendered.subject and rendered.text and "<html" in rendered.html
    assert rendered.sms is None


def test_the_receipt_carries_the_tracking_number_and_access_code_in_turkish_and_english():
    tr = render("receipt", "tr", {"tracking_number": "260000000018", "access_code": "K7PX-93QD"})
    en = render("receipt", "en", {"tracking_number": "260000000018", "access_code": "K7PX-93QD"})
    assert tr.subject == "CİMER başvurunuz alındı: 260000000018"
    assert "Erişim kodu: K7PX-93QD" in tr.text and "Sayın başvuru sahibi" in tr.text
    assert en.subject == "Your CİMER application has been received: 260000000018"
    assert "Access code: K7PX-93QD" in en.text and "Dear applicant" in en.text
    assert "K7PX-93QD" in tr.sms and "K7PX-93QD" in en.sms


def test_any_language_but_english_is_turkish():
    assert render("receipt", "de", {"tracking_number": "1", "access_code": "X"}).subject.startswith("CİMER başvurunuz")


def test_the_extension_says_the_new_deadline_and_the_reason():
    facts = {"tracking_number": "260000000018", **APPLICANT_FACTS["extension"]}
    tr, en = render("extension", "tr", facts), render("extension", "en", facts)
    assert "Yeni yanıt tarihi: 31.12.2026" in tr.text and "Gerekçe: Bilgi derleniyor." in tr.text
    assert "New deadline: 31 December 2026" in en.text and "Reason: Bilgi derleniyor." in en.text


def test_the_30_day_notice_cites_law_3071_and_where_the_application_stands():
    facts = {"tracking_number": "260000000018", **APPLICANT_FACTS["status_30_days"]}
    tr, en = render("status_30_days", "tr", facts), render("status_30_days", "en", facts)
    assert "3071" in tr.text and "GOV-06" in tr.text and "01.10.2026" in tr.text
    assert "Law No. 3071" in en.text and "by GOV-06" in en.text


def test_the_answer_carries_its_outcome_and_text():
    negative = {"tracking_number": "1", "institution": "GOV-06", "outcome": "negative", "text": "Talep reddedildi."}
    assert "olumsuz" in render("answer", "tr", negative).text
    en = render("answer", "en", negative)
    assert "negatively" in en.text and "Talep reddedildi." in en.text


def test_the_digest_lists_the_days_assignments():
    rendered = render("digest", "tr", OFFICER_FACTS["digest"])
    assert "26.11.2026" in rendered.subject and "2 yeni başvuru" in rendered.subject
    assert "- 260000000018 (ilk yönlendirme)" in rendered.text and "- 260000012353 (iade)" in rendered.text


def test_html_escapes_what_people_wrote_and_plain_text_does_not():
    facts = {"tracking_number": "1", "institution": "X", "outcome": "positive", "text": "<script>x</script> & co"}
    rendered = render("answer", "en", {**facts, "name": "<b>Ali</b>"})
    assert "<script>" not in rendered.html and "&lt;script&gt;x&lt;/script&gt; &amp; co" in rendered.html
    assert "&lt;b&gt;Ali&lt;/b&gt;" in rendered.html
    assert "<script>x</script> & co" in rendered.text


@pytest.mark.parametrize(
    ("address", "masked"),
    [("ayse.yilmaz@example.org", "a***@example.org"), ("a@b.tr", "a***@b.tr"), ("no-at-sign", "***")],
)
def test_email_addresses_are_masked(address, masked):
    assert domain.mask_email(address) == masked


@pytest.mark.parametrize(
    ("number", "masked"), [("+90 532 123 45 67", "******4567"), ("05321234567", "******4567"), ("123", "***")]
)
def test_phone_numbers_are_masked(number, masked):
    assert domain.mask_phone(number) == masked


def test_retries_back_off_doubling():
    assert [domain.retry_delay(n, 30) for n in (1, 2, 3, 4)] == [timedelta(seconds=s) for s in (30, 60, 120, 240)]


def test_recipients_name_their_institution():
    assert domain.institution_of("institution:GOV-06") == "GOV-06"
    assert domain.institution_of("coordinators:PRESIDENCY") == "PRESIDENCY"
    assert domain.institution_of("applicant") is None
