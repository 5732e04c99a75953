"""Fixtures of notification's delivery tests: the local SMTP server and SMS provider, real servers on free ports in
this process, and test-only stand-ins for intake and identity (small nameko services answering from a dict, since
the real RPCs are built in parallel)."""

from __future__ import annotations

import os
import threading
import time
from base64 import b64encode
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from cimer_common.bus import rpc  # declares the RPC queue as the real service does (a quorum queue)
from cimer_common.errors import NotFound
from notification.local.mailbox import Mailbox, free_port
from notification.local.sms_provider import SmsProvider

# The sender's timer interval is fixed when notification.service is imported (nameko reads it at class
# definition); tests want it brisk.
os.environ.setdefault("NOTIFY_INTERVAL_SECONDS", "0.5")

SMS_KEY = "test-sms-key"

# What the stand-ins answer; emptied before each test.
APPLICANTS: dict[str, dict[str, Any] | None] = {}
OFFICERS: dict[str, list[dict[str, str]]] = {}
CALLS: list[tuple[str, str, str | None]] = []
ROUNDS: list[tuple[str, int]] = []  # (method, how many it was asked about) of every call to intake
REPORT_UNAVAILABLE = threading.Event()  # set: reporting refuses, as before the month's report is stored
REPORT_PDF = b"%PDF-1.4 a stand-in for the month's report\n%%EOF\n"
ANSWER_FILES: dict[str, list[dict[str, str]]] = {}  # application id → the files its answering institution attached


class IntakeStandIn:
    """TEST ONLY: answers as intake's `notice_contacts` and `receipts_done` do; each notice asked about and
    each receipt reported is a call of its own in CALLS, each round a line in ROUNDS."""

    name = "intake"

    @rpc
    def notice_contacts(self, notices: list[dict[str, str]]) -> list[dict[str, Any] | None]:
        ROUNDS.append(("notice_contacts", len(notices)))
        found: list[dict[str, Any] | None] = []
        for notice in notices:
            application_id, kind = notice["application_id"], notice["kind"]
            CALLS.append(("notice_contacts", application_id, kind))
            contact = APPLICANTS.get(application_id)
            found.append(
                None
                if contact is None
                else {**contact, "access_code": contact.get("access_code") if kind == "receipt" else None}
            )
        return found

    @rpc
    def answer_attachments(self, application_id: str, answered_at: str | None = None) -> list[dict[str, str]]:
        CALLS.append(("answer_attachments", application_id, None))
        return ANSWER_FILES.get(application_id, [])

    @rpc
    def receipts_done(self, application_ids: list[str]) -> None:
        ROUNDS.append(("receipts_done", len(application_ids)))
        CALLS.extend(("receipts_done", application_id, None) for application_id in application_ids)


class IdentityStandIn:
    """TEST ONLY: answers as identity's `officer_contacts` does; an officer listed without `roles` is an officer."""

    name = "identity"

    @rpc
    def officer_contacts(self, institutions: list[dict[str, Any]]) -> list[list[dict[str, str]]]:
        ROUNDS.append(("officer_contacts", len(institutions)))
        found = []
        for asked in institutions:
            institution, coordinators_only = asked["institution"], asked["coordinators_only"]
            CALLS.append(("officer_contacts", institution, "coordinators" if coordinators_only else None))
            found.append(
                [
                    {"username": o["username"], "email": o["email"]}
                    for o in OFFICERS.get(institution, [])
                    if not coordinators_only or "coordinator" in o.get("roles", ("officer",))
                ]
            )
        return found


class ReportingStandIn:
    """TEST ONLY: answers as reporting's `stored_report_document` does, with REPORT_PDF for a produced report."""

    name = "reporting"

    @rpc(expected_exceptions=NotFound)
    def stored_report_document(self, period: str, institution: str | None = None) -> dict[str, str]:
        CALLS.append(("stored_report_document", period, institution))
        if REPORT_UNAVAILABLE.is_set():
            raise NotFound("report_not_found", "period")
        return {
            "content_type": "application/pdf",
            "filename": f"cimer-{period}-{institution or 'devlet'}.pdf",
            "body": b64encode(REPORT_PDF).decode(),
        }


@pytest.fixture
def mailbox(tmp_path) -> Iterator[Mailbox]:
    box = Mailbox(tmp_path / "mail", port=0).start()
    yield box
    box.stop()


@pytest.fixture
def sms_provider(tmp_path) -> Iterator[SmsProvider]:
    provider = SmsProvider(tmp_path / "sms", SMS_KEY, port=0).start()
    yield provider
    provider.stop()


class StandIns:
    applicants = APPLICANTS  # application id → contact, as intake would give it (None: cannot be told)
    officers = OFFICERS  # institution code → [{username, email}]
    answer_files = ANSWER_FILES  # application id → [{filename, content_type, body}] its answer's mail carries
    calls = CALLS  # (method, argument, kind) of every call they answered
    rounds = ROUNDS
    report_pdf = REPORT_PDF
    report_unavailable = REPORT_UNAVAILABLE


@pytest.fixture
def stand_ins(container_factory, service_config) -> StandIns:
    """Test-only `intake`, `identity` and `reporting` on the bus, answering from APPLICANTS, OFFICERS and
    REPORT_PDF."""
    APPLICANTS.clear()
    OFFICERS.clear()
    ANSWER_FILES.clear()
    CALLS.clear()
    ROUNDS.clear()
    REPORT_UNAVAILABLE.clear()
    for cls in (IntakeStandIn, IdentityStandIn, ReportingStandIn):
        # Each as the service it stands in for, with that service's broker user: the broker lets only intake
        # consume intake's RPC queue.
        container_factory(cls, service_config(cls.name)).start()
    return StandIns()


@pytest.fixture
def start_notification(start_service, mailbox, sms_provider, stand_ins) -> Callable[..., Any]:
    """The real notification service, its channels pointed at this test's mailbox and SMS provider."""

    def start(fresh_database: bool = True, **config: Any) -> Any:
        return start_service(
            "notification",
            fresh_database=fresh_database,
            SMTP_PORT=mailbox.port,
            SMS_PROVIDER_URL=sms_provider.url,
            SMS_API_KEY=SMS_KEY,
            NOTIFY_RETRY_BASE_SECONDS="0.1",
            **config,
        )

    return start


def _wait_for(predicate: Callable[[], Any], timeout: float = 20, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def wait_for() -> Callable[..., Any]:
    return _wait_for


@pytest.fixture
def unused_port() -> int:
    return free_port()
