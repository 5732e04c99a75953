"""The two ways a notice leaves CİMER: e-mail through an SMTP server, SMS through an HTTP provider. Each call is one
attempt; any failure is a `DeliveryFailed` with a reason fit for the delivery log (never the address itself).

`Channels` keeps its connections between the sends of a round (one SMTP session for all of a round's mail, one
HTTP connection kept alive to the SMS provider); the sender closes them when the round is done, and a failure
closes them at once, so the next send starts on a fresh one."""

from __future__ import annotations

import smtplib
from collections.abc import Mapping
from email import encoders
from email.header import Header
from email.message import EmailMessage
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr, make_msgid, parseaddr
from typing import Any

import requests

from notification.messages import Attachment

SMTP_TIMEOUT_SECONDS = 10
SMS_TIMEOUT_SECONDS = 10


class DeliveryFailed(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def compose(
    config: Mapping[str, Any], to: str, subject: str, text: str, html: str, attachments: tuple[Attachment, ...] = ()
) -> MIMEBase | EmailMessage:
    """One multipart/alternative message (plain text, then HTML), UTF-8, from MAIL_FROM; with attachments, the
    whole is multipart/mixed.

    Built with the `email.mime` classes rather than `EmailMessage`: the same MIME on the wire, but
    `EmailMessage`'s header registry and refolding cost four times as much per mail (1.5 against 0.37 ms), the
    largest share of notification's CPU in the profile (bench/README.md). An address that is not ASCII (a Turkish
    letter in it) needs SMTPUTF8, which only `EmailMessage`'s policy can send: such a mail is built that way."""
    name, address = parseaddr(config["MAIL_FROM"])
    if not (to.isascii() and address.isascii()):
        return _international(config, to, subject, text, html, attachments)
    body = MIMEMultipart("alternative")
    body.attach(MIMEText(text, "plain", "utf-8"))
    body.attach(MIMEText(html, "html", "utf-8"))
    message: MIMEBase = body
    if attachments:
        message = MIMEMultipart("mixed")
        message.attach(body)
        for attachment in attachments:
            maintype, _, subtype = attachment.content_type.partition("/")
            part = MIMEBase(maintype, subtype)
            part.set_payload(attachment.body)
            encoders.encode_base64(part)
            part.add_header("Content-Disposition", "attachment", filename=attachment.filename)
            message.attach(part)
    message["From"] = formataddr((name, address), charset="utf-8")
    message["To"] = to
    message["Subject"] = Header(subject, "utf-8")
    message["Message-ID"] = make_msgid(domain="cimer.gov.tr")
    return message


def _international(
    config: Mapping[str, Any], to: str, subject: str, text: str, html: str, attachments: tuple[Attachment, ...]
) -> EmailMessage:
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
    return message


class Channels:
    """The channels bound to a service's configuration, what `delivery.deliver_due` sends through."""

    def __init__(self, config: Mapping[str, Any]):
        self.config = config
        self.smtp_host = config.get("SMTP_HOST", "127.0.0.1")
        self.smtp_port = int(config.get("SMTP_PORT", 1025))
        self._smtp: smtplib.SMTP | None = None
        self._http: requests.Session | None = None

    def mail(self, to: str, subject: str, text: str, html: str, attachments: tuple[Attachment, ...] = ()) -> None:
        message = compose(self.config, to, subject, text, html, attachments)
        where = f"smtp {self.smtp_host}:{self.smtp_port}"
        try:
            if self._smtp is None:
                self._smtp = smtplib.SMTP(self.smtp_host, self.smtp_port, timeout=SMTP_TIMEOUT_SECONDS)
            self._smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused:
            # The server refused this address and reset the transaction: the session serves the next one.
            raise DeliveryFailed(f"{where}: recipient refused") from None  # its text names the address
        except smtplib.SMTPResponseException as error:
            self._close_smtp()
            raise DeliveryFailed(f"{where}: {type(error).__name__} {error.smtp_code}") from None
        except (OSError, smtplib.SMTPException) as error:
            self._close_smtp()
            raise DeliveryFailed(f"{where}: {type(error).__name__}: {error}") from None

    def sms(self, to: str, text: str) -> None:
        """POST `{"to", "text"}` to SMS_PROVIDER_URL with the API key; anything but a 2xx is a failure."""
        url = self.config["SMS_PROVIDER_URL"]
        if self._http is None:
            self._http = requests.Session()
        try:
            response = self._http.post(
                url,
                json={"to": to, "text": text},
                headers={"Authorization": f"Bearer {self.config['SMS_API_KEY']}"},
                timeout=SMS_TIMEOUT_SECONDS,
            )
        except requests.RequestException as error:
            self._http.close()
            self._http = None
            raise DeliveryFailed(f"sms {url}: {type(error).__name__}") from None
        if not 200 <= response.status_code < 300:
            raise DeliveryFailed(f"sms {url}: HTTP {response.status_code}")

    def close(self) -> None:
        """The round is done: let the servers go until the next one."""
        self._close_smtp()
        if self._http is not None:
            self._http.close()
            self._http = None

    def _close_smtp(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()
