"""How a mail is composed: the `email.mime` classes for ASCII addresses (the cheap way), `EmailMessage` for an
address with Turkish letters, which only goes out through SMTPUTF8."""

import email
import email.policy

from notification.channels import compose
from notification.messages import Attachment

CONFIG = {"MAIL_FROM": "CİMER <bildirim@cimer.gov.tr>"}


def parsed(message, to):
    """As smtplib.send_message puts it on the wire (SMTPUTF8 for an address that is not ASCII), read back."""
    wire = message.as_bytes() if to.isascii() else message.as_bytes(policy=message.policy.clone(utf8=True))
    return email.message_from_bytes(wire, policy=email.policy.default)


def test_a_mail_reads_back_the_same_whichever_way_it_was_built():
    report = (Attachment("rapor.pdf", "application/pdf", b"%PDF-1.7 ..."),)
    for to in ("ayse@example.org", "çağrı@örnek.com.tr"):
        message = compose(CONFIG, to, "Başvurunuz alındı: 260000000018", "Metin ğüşiöç", "<p>Metin</p>", report)
        mail = parsed(message, to)
        assert mail["To"] == to and "bildirim@cimer.gov.tr" in mail["From"] and "CİMER" in mail["From"]
        assert mail["Subject"] == "Başvurunuz alındı: 260000000018"
        assert mail.get_body(preferencelist=("plain",)).get_content().strip() == "Metin ğüşiöç"
        attached = [(a.get_filename(), a.get_content()) for a in mail.iter_attachments()]
        assert attached == [("rapor.pdf", b"%PDF-1.7 ...")]


def test_an_address_with_turkish_letters_can_be_sent_with_smtputf8():
    message = compose(CONFIG, "çağrı@örnek.com.tr", "Konu", "Metin", "<p>Metin</p>")
    # What smtplib.send_message does for a non-ASCII address; the email.mime classes' policy cannot.
    assert "çağrı@örnek.com.tr" in message.as_bytes(policy=message.policy.clone(utf8=True)).decode()
