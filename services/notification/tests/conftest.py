"""Fixtures of notification's delivery tests: the local SMTP server and SMS provider, real servers on free ports in
this process, and test-only stand-ins for intake and identity (small nameko services answering from a dict, since
the real RPCs are built in parallel)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from nameko.rpc import rpc

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


class IntakeStandIn:
    """TEST ONLY: answers as intake's `notice_contact` and `receipt_delivered` will."""

    name = "intake"

    @rpc
    def notice_contact(self, application_id: str, kind: str) -> dict[str, Any] | None:
        CALLS.append(("notice_contact", application_id, kind))
        contact = APPLICANTS.get(application_id)
        if contact is None:
            return None
        return {**contact, "access_code": contact.get("access_code") if kind == "receipt" else None}

    @rpc
    def receipt_delivered(self, application_id: str) -> None:
        CALLS.append(("receipt_delivered", application_id, None))


class IdentityStandIn:
    """TEST ONLY: answers as identity's `officer_contacts` will."""

    name = "identity"

    @rpc
    def officer_contacts(self, institution: str) -> list[dict[str, str]]:
        CALLS.append(("officer_contacts", institution, None))
        return OFFICERS.get(institution, [])


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
    calls = CALLS  # (method, argument, kind) of every call they answered


@pytest.fixture
def stand_ins(container_factory, service_config) -> StandIns:
    """Test-only `intake` and `identity` on the bus, answering from APPLICANTS and OFFICERS."""
    APPLICANTS.clear()
    OFFICERS.clear()
    CALLS.clear()
    for cls in (IntakeStandIn, IdentityStandIn):
        container_factory(cls, service_config("notification")).start()
    return StandIns()


@pytest.fixture
def start_notification(start_service, mailbox, sms_provider, stand_ins) -> Callable[..., Any]:
    """The real notification service, its channels pointed at this test's mailbox and SMS provider."""

    def start(**config: Any) -> Any:
        return start_service(
            "notification",
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
