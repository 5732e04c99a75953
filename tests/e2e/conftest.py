"""The whole system, started once for the end-to-end tests: every process of the `Procfile` (the same list that
`make up` runs), on the test vhost and databases, with the gateway on its own port. Each process logs to
`var/test-logs/<name>.log`, which tests may read (a correlation id followed through the services, say)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import httpx
import pytest

from cimer_common.settings import SERVICES
from cimer_common.system import System
from cimer_common.testing import purge_queues, reset_database

ROOT = Path(__file__).resolve().parents[2]
LOGS = ROOT / "var" / "test-logs"
GATEWAY_PORT = int(os.environ.get("E2E_GATEWAY_PORT", "8765"))
# The run's own local mail and SMS servers, apart from those of a running `make up`.
MAIL_DIR = ROOT / "var" / "test-mail"
SMS_DIR = ROOT / "var" / "test-sms"
TEST_ENV = {
    "CIMER_ENVIRONMENT": "development",  # the committed development secrets (see settings.check_secrets)
    # Every filing here comes from 127.0.0.1, many with one applicant's address: the limits on web filings have
    # their own tests (services/intake/tests/test_filing_limits.py) and would only get in the way.
    "WEB_FILINGS_PER_ADDRESS": "1000000",
    "WEB_FILINGS_PER_CONTACT": "1000000",
    # The tests play the ingress: a test that speaks for several clients names each in X-Forwarded-For.
    "TRUSTED_PROXIES": "127.0.0.1",
    "SMTP_PORT": os.environ.get("E2E_SMTP_PORT", "8825"),
    "SMS_PROVIDER_URL": f"http://127.0.0.1:{os.environ.get('E2E_SMS_PORT', '8826')}/messages",
    "MAIL_DIR": str(MAIL_DIR),
    "SMS_DIR": str(SMS_DIR),
    "NOTIFY_INTERVAL_SECONDS": "0.5",
    "REPORT_PRODUCE_INTERVAL_SECONDS": "2",  # last month's reports, produced and sent during the run
    "DEADLINE_SCAN_SECONDS": "1",  # the deadline and closing watch: a test that moves an answer back sees it closed
    "DUPLICATE_SCAN_SECONDS": "1",  # intake's scan for duplicates: a near duplicate is flagged within a second or two
    # Each process's metrics on the Procfile's port plus this (19100 the gateway's, 19101 intake's, ...): apart from
    # a running `make up`'s.
    "METRICS_PORT_OFFSET": os.environ.get("E2E_METRICS_PORT_OFFSET", "10000"),
}


# The consumers run as two processes each, as an operator scales them (`CIMER_CONCURRENCY`): every flow below is
# also a test that competing consumers share a queue without losing a message or applying one twice.
COMPETING = {"routing": 2, "notification": 2, "reporting": 2}


class Run:
    def __init__(self, base_url: str, logs: Path):
        self.base_url = base_url
        self.logs = logs

    def process_log(self, label: str) -> str:
        """What one process logged: `routing` is the first of its service, `routing.2` the second."""
        return (self.logs / f"{label}.log").read_text(encoding="utf-8")

    def log(self, name: str) -> str:
        """What every process of `name` logged (`routing.log`, `routing.2.log`, …)."""
        return "".join(
            path.read_text(encoding="utf-8")
            for path in sorted(self.logs.glob(f"{name}*.log"))
            if path.stem.split(".")[0] == name
        )

    def mails_to(self, address: str) -> list[EmailMessage]:
        """Every message the local SMTP server has received for `address`."""
        found = []
        for path in sorted(MAIL_DIR.glob("*.eml")):
            message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
            if address in str(message.get("To", "")):
                found.append(message)
        return found

    def sms_to(self, number: str) -> list[dict[str, str]]:
        log = SMS_DIR / "messages.jsonl"
        if not log.exists():
            return []
        return [m for m in map(json.loads, log.read_text(encoding="utf-8").splitlines()) if m.get("to") == number]


@pytest.fixture(scope="session")
def system() -> Iterator[Run]:
    env = {**os.environ, **TEST_ENV, "GATEWAY_PORT": str(GATEWAY_PORT), "LOG_FORMAT": "json", "PYTHONUNBUFFERED": "1"}
    for folder in (MAIL_DIR, SMS_DIR):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    for command in (["cimer-broker", "migrate-queues"], ["cimer-broker", "provision"]):
        subprocess.run(command, env=env, check=True, capture_output=True)
    for service in SERVICES:
        reset_database(service)
    subprocess.run(["cimer-seed-directory"], env=env, check=True, capture_output=True)
    subprocess.run(["cimer-demo-seed"], env=env, check=True, capture_output=True)
    purge_queues(env["AMQP_URI"])

    processes = System().start(env, LOGS, COMPETING)
    base_url = f"http://127.0.0.1:{GATEWAY_PORT}"
    try:
        processes.wait_healthy(base_url)
        yield Run(base_url, LOGS)
    finally:
        processes.stop()


@pytest.fixture
def api(system: Run) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=system.base_url, timeout=15) as client:
        yield client


def wait_for(found, timeout=20.0):
    """`found()`'s first truthy result, asked again until it comes: what the services do after answering a
    request (route, notify, count) happens a moment later."""
    deadline = time.monotonic() + timeout
    while not (result := found()):
        assert time.monotonic() < deadline, "not there in time"
        time.sleep(0.2)
    return result


DEMO_PASSWORD = os.environ.get("CIMER_DEMO_PASSWORD", "demo-password")


@pytest.fixture(scope="session")
def login(system: Run):
    """`login("gov-06")` → the headers of a logged-in demo officer (SPEC section 9), once per user per run."""
    tokens: dict[str, str] = {}

    def headers(username: str) -> dict[str, str]:
        if username not in tokens:
            response = httpx.post(
                f"{system.base_url}/api/v1/auth/login",
                json={"username": username, "password": DEMO_PASSWORD},
                timeout=15,
            )
            assert response.status_code == 200, response.text
            tokens[username] = response.json()["access_token"]
        return {"Authorization": f"Bearer {tokens[username]}"}

    return headers


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The fuzz tests run last: fuzzing as an administrator changes users and the directory at random (a demo
    officer's roles, an institution retired), which the other tests, sharing the one running system, rely on."""
    items.sort(key=lambda item: item.path.name == "test_fuzz.py")
