"""The whole system, started once for the end-to-end tests: every process of the `Procfile` (the same list that
`make up` runs), on the test vhost and databases, with the gateway on its own port. Each process logs to
`var/test-logs/<name>.log`, which tests may read (a correlation id followed through the services, say)."""

from __future__ import annotations

import json
import os
import shutil
import signal
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
from cimer_common.testing import purge_queues, reset_database

ROOT = Path(__file__).resolve().parents[2]
LOGS = ROOT / "var" / "test-logs"
GATEWAY_PORT = int(os.environ.get("E2E_GATEWAY_PORT", "8765"))
# The run's own local mail and SMS servers, apart from those of a running `make up`.
MAIL_DIR = ROOT / "var" / "test-mail"
SMS_DIR = ROOT / "var" / "test-sms"
TEST_ENV = {
    "SMTP_PORT": os.environ.get("E2E_SMTP_PORT", "8825"),
    "SMS_PROVIDER_URL": f"http://127.0.0.1:{os.environ.get('E2E_SMS_PORT', '8826')}/messages",
    "MAIL_DIR": str(MAIL_DIR),
    "SMS_DIR": str(SMS_DIR),
    "NOTIFY_INTERVAL_SECONDS": "0.5",
    "REPORT_PRODUCE_INTERVAL_SECONDS": "2",  # last month's reports, produced and sent during the run
}


def procfile() -> dict[str, str]:
    entries = {}
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, command = line.split(":", 1)
            entries[name.strip()] = command.strip()
    return entries


class System:
    def __init__(self, base_url: str, logs: Path):
        self.base_url = base_url
        self.logs = logs

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(encoding="utf-8")

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
def system() -> Iterator[System]:
    env = {**os.environ, **TEST_ENV, "GATEWAY_PORT": str(GATEWAY_PORT), "LOG_FORMAT": "json", "PYTHONUNBUFFERED": "1"}
    for folder in (MAIL_DIR, SMS_DIR):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    for service in SERVICES:
        reset_database(service)
    subprocess.run(["cimer-seed-directory"], env=env, check=True, capture_output=True)
    subprocess.run(["cimer-demo-seed"], env=env, check=True, capture_output=True)
    purge_queues(env["AMQP_URI"])

    LOGS.mkdir(parents=True, exist_ok=True)
    processes: list[subprocess.Popen[bytes]] = []
    for name, command in procfile().items():
        log = (LOGS / f"{name}.log").open("wb")
        processes.append(subprocess.Popen(command.split(), env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT))

    base_url = f"http://127.0.0.1:{GATEWAY_PORT}"
    try:
        _wait_healthy(base_url, processes)
        yield System(base_url, LOGS)
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()


def _wait_healthy(base_url: str, processes: list[subprocess.Popen[bytes]], timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in processes):
            raise RuntimeError(f"a process of the system exited at start; see {LOGS}")
        try:
            if httpx.get(f"{base_url}/health", timeout=3).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    raise RuntimeError(f"the system did not become healthy in {timeout:.0f}s; see {LOGS}")


@pytest.fixture
def api(system: System) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=system.base_url, timeout=15) as client:
        yield client


DEMO_PASSWORD = os.environ.get("CIMER_DEMO_PASSWORD", "demo-password")


@pytest.fixture(scope="session")
def login(system: System):
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
