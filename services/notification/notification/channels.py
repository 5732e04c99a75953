"""The two ways a notice leaves CİMER: e-mail through an SMTP server, SMS through an HTTP provider. Each call is one
attempt; any failure is a `DeliveryFailed` with a reason fit for the delivery log (never the address itself)."""

from __future__ import annotations

import smtplib
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

import requests

from notification.messages import Attachment

SMTP_TIMEOUT_SECONDS = 10
SMS_TIMEOUT_SECONDS = 10


class DeliveryFailed(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def send_mail(
    config: Mapping[str, Any], to: str, subject: str, text: str, html: str, attachments: tuple[Attachment, ...] = ()
) -> None:
    """One multipart/alternative message (plain text, then HTML), UTF-8, from MAIL_FROM; with attachments, the
    whole is multipart/mixed."""
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="cimer.gov.tr")
    message.set_content(text, charset="utf-8")
    message.add_alternative(html, subtype="html", charset="utf-8")
    for attachment in attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        message.add_attachment(attachment.body, maintype=maintype, subtype=subtype, filename=attachment.filename)
    host, port = config.get("SMTP_HOST", "127.0.0.1"), int(config.get("SMTP_PORT", 1025))
    try:
        with smtplib.SMTP(host, port, timeout=SMTP_TIMEOUT_SECONDS) as smtp:
            smtp.send_message(message)
    except smtplib.SMTPRecipientsRefused:
        raise DeliveryFailed(f"smtp {host}:{port}: recipient refused") from None  # its text names the address
    except smtplib.SMTPResponseException as error:
        raise DeliveryFailed(f"smtp {host}:{port}: {type(error).__name__} {error.smtp_code}") from None
    except (OSError, smtplib.SMTPException) as error:
        raise DeliveryFailed(f"smtp {host}:{port}: {type(error).__name__}: {error}") from None


def send_sms(config: Mapping[str, Any], to: str, text: str) -> None:
    """POST `{"to", "text"}` to SMS_PROVIDER_URL with the API key; anything but a 2xx is a failure."""
    url = config["SMS_PROVIDER_URL"]
    try:
        response = requests.post(
            url,
            json={"to": to, "text": text},
            headers={"Authorization": f"Bearer {config['SMS_API_KEY']}"},
            timeout=SMS_TIMEOUT_SECONDS,
        )
    except requests.RequestException as error:
        raise DeliveryFailed(f"sms {url}: {type(error).__name__}") from None
    if not 200 <= response.status_code < 300:
        raise DeliveryFailed(f"sms {url}: HTTP {response.status_code}")


class Channels:
    """The channels bound to a service's configuration, what `handlers.deliver_due` sends through."""

    def __init__(self, config: Mapping[str, Any]):
        self.config = config

    def mail(self, to: str, subject: str, text: str, html: str, attachments: tuple[Attachment, ...] = ()) -> None:
        send_mail(self.config, to, subject, text, html, attachments)

    def sms(self, to: str, text: str) -> None:
        send_sms(self.config, to, text)
