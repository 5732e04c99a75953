"""An institution's own system on the bus (SPEC section 10), end to end: the Ministry of Health's example system
(`clients/institution/examples`) plugged in with `cimer-institution plug MIN-SAGLIK`, run as its own process with
nothing but the printed credentials, working the applications the Presidency forwards to the ministry; the citizen
follows them on the public status. Stopped, it finds what came meanwhile; killed mid-stream, it loses nothing and
nothing is done twice."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import LOGS, ROOT, wait_for

pytestmark = pytest.mark.e2e

APPLICANT = {"national_id": "10000000146", "first_name": "Ayşe", "last_name": "Yılmaz"}


def petition(province: str | None, subject: str = "health") -> dict:
    return {
        "kind": "petition", "petition_type": "complaint", "subject": subject, "title": "Hastane randevusu",
        "body": "Hastaneden aylardır randevu alamıyorum.", "province": province, "target_institution": "MIN-SAGLIK",
        "applicant": APPLICANT,
    }  # fmt: skip


class Ministry:
    """The example system as an institution runs it: a process of its own, started and stopped at will."""

    def __init__(self, plug_file: Path, env: dict[str, str]):
        self.plug_file = plug_file
        self.env = env
        self.log = LOGS / "ministry-of-health.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [str(Path(sys.executable).parent / "cimer-example-ministry"), "--plug", str(self.plug_file)],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(15)
        self.process = None

    def handled(self) -> str:
        return self.log.read_text(encoding="utf-8") if self.log.exists() else ""


@pytest.fixture(scope="module")
def ministry(system) -> Iterator[Ministry]:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    plugged = subprocess.run(
        ["cimer-institution", "plug", "MIN-SAGLIK"], env=env, check=True, capture_output=True, text=True, cwd=ROOT
    )
    printed = json.loads(plugged.stdout)
    assert set(printed) == {"institution", "amqp_uri", "queue", "commands_exchange"}
    plug_file = ROOT / "var" / "test-ministry-plug.json"
    plug_file.write_text(plugged.stdout, encoding="utf-8")
    plug_file.chmod(0o600)
    running = Ministry(plug_file, env)
    running.log.unlink(missing_ok=True)
    running.start()
    yield running
    running.stop()
    subprocess.run(["cimer-institution", "unplug", "MIN-SAGLIK"], env=env, check=True, capture_output=True, cwd=ROOT)


def file_for_the_ministry(api, login, application) -> dict:
    """Filed on the web naming the ministry (it reaches the Presidency), then sent on to the ministry."""
    accepted = api.post("/api/v1/applications", json=application)
    assert accepted.status_code == 201, accepted.text
    number = accepted.json()["tracking_number"]
    wait_for(lambda: status(api, accepted.json())["institution"] == "PRESIDENCY")
    moved = api.post(
        f"/api/v1/applications/{number}/forward", json={"to_institution": "MIN-SAGLIK"}, headers=login("presidency")
    )
    assert moved.status_code == 200, moved.text
    return accepted.json()


def status(api, accepted) -> dict:
    response = api.get(
        f"/api/v1/applications/{accepted['tracking_number']}/status", params={"access_code": accepted["access_code"]}
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_the_ministrys_system_forwards_one_and_answers_another_and_the_citizen_sees_both(api, login, ministry):
    to_the_province = file_for_the_ministry(api, login, petition("06"))
    to_answer = file_for_the_ministry(api, login, petition(None))
    elsewhere = api.post("/api/v1/applications", json={**petition("34", "transport"), "target_institution": None})
    assert elsewhere.status_code == 201

    forwarded = wait_for(lambda: (s := status(api, to_the_province))["institution"] == "PD-06-SAGLIK" and s)
    assert [h["institution"] for h in forwarded["history"]][-3:] == ["PRESIDENCY", "MIN-SAGLIK", "PD-06-SAGLIK"]
    answered = wait_for(lambda: (s := status(api, to_answer))["status"] == "answered" and s)
    assert answered["answer"]["institution"] == "MIN-SAGLIK" and answered["answer"]["outcome"] == "positive"

    # It saw exactly the applications that reached the ministry: none of anyone else's.
    wait_for(lambda: ministry.handled().count("accepted") >= 2)
    log = ministry.handled()
    assert to_the_province["tracking_number"] in log and to_answer["tracking_number"] in log
    assert elsewhere.json()["tracking_number"] not in log


def test_what_comes_while_it_is_stopped_waits_and_a_kill_loses_nothing_and_does_nothing_twice(api, login, ministry):
    ministry.stop()
    waiting = [file_for_the_ministry(api, login, petition(province)) for province in ("06", "34", "35")]
    ministry.start()
    for accepted, province in zip(waiting, ("06", "34", "35"), strict=True):
        wait_for(lambda a=accepted, p=province: status(api, a)["institution"] == f"PD-{p}-SAGLIK", timeout=30)

    # Killed without warning while applications stream in, then started again.
    streaming = [file_for_the_ministry(api, login, petition(None)) for _ in range(5)]
    ministry.stop(signal.SIGKILL)
    ministry.start()
    for accepted in streaming:
        done = wait_for(lambda a=accepted: (s := status(api, a))["status"] == "answered" and s, timeout=30)
        # One answer, and the ministry held it once: nothing was applied twice.
        assert [h["status"] for h in done["history"]].count("answered") == 1
        assert [(h["status"], h["institution"]) for h in done["history"]].count(("assigned", "MIN-SAGLIK")) == 1
