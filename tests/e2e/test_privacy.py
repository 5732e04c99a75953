"""No national ID in any log line or event of a full run: applications filed on every channel, assigned, and
opened by officers (which writes the audit trail); then every process's log and every event on the bus is read."""

from __future__ import annotations

import json
import random
import time

import pytest
from kombu import Connection, Exchange, Queue

from cimer_common.settings import SERVICES, get_settings

pytestmark = pytest.mark.e2e


def national_id(rng: random.Random) -> str:
    """A valid T.C. Kimlik No (the checksum of SPEC section 2), different every run."""
    d = [rng.randint(1, 9)] + [rng.randint(0, 9) for _ in range(8)]
    d.append(((d[0] + d[2] + d[4] + d[6] + d[8]) * 7 - (d[1] + d[3] + d[5] + d[7])) % 10)
    d.append(sum(d) % 10)
    return "".join(map(str, d))


@pytest.fixture
def tap():
    """A queue that hears every event every service publishes, from now on."""
    with Connection(get_settings().amqp_uri) as connection:
        queue = Queue(exclusive=True, auto_delete=True)
        bound = queue(connection.default_channel)
        bound.declare()
        for service in SERVICES:
            exchange = Exchange(f"{service}.events", type="topic", durable=True)
            exchange(connection.default_channel).declare()
            bound.bind_to(exchange=exchange, routing_key="#")
        bodies: list[str] = []

        def drain() -> list[str]:
            while (message := bound.get(no_ack=True)) is not None:
                bodies.append(message.body if isinstance(message.body, str) else message.body.decode())
            return bodies

        yield drain


def test_no_national_id_reaches_a_log_line_or_an_event(api, login, system, tap):
    the_id = national_id(random.Random())
    applicant = {"national_id": the_id, "first_name": "Gizli", "last_name": "Kişi", "email": "kisi@example.org"}
    base = {"kind": "petition", "petition_type": "complaint", "subject": "health", "title": "Şikâyet",
            "body": "Hastanede yaşadığım sorun hakkında.", "province": "06", "applicant": applicant}  # fmt: skip
    filed = [
        api.post("/api/v1/applications", json=base),
        api.post("/api/v1/applications", json={**base, "channel": "phone"}, headers=login("cc-06")),
        api.post(
            "/api/v1/applications",
            json={**base, "channel": "in_person", "district": "Çankaya"},
            headers=login("bureau-dg-06-cankaya"),
        ),
        api.post("/api/v1/applications", json={**base, "confidential": True, "province": "34"}),
    ]
    assert [r.status_code for r in filed] == [201, 201, 201, 201]
    # A refused one too: a wrong ID is named in the request, and must not be named in a log line either.
    wrong = the_id[:-1] + str((int(the_id[-1]) + 1) % 10)
    assert (
        api.post("/api/v1/applications", json={**base, "applicant": {**applicant, "national_id": wrong}}).status_code
        == 422
    )

    readers = {"presidency": login("presidency"), "gov-06": login("gov-06")}
    deadline = time.monotonic() + 15
    for response in filed:
        number = response.json()["tracking_number"]
        while (
            api.get(f"/api/v1/applications/{number}", headers=readers["presidency"]).json().get("status") != "assigned"
        ):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        for headers in readers.values():
            api.get(f"/api/v1/applications/{number}", headers=headers)
    time.sleep(1.0)  # let the last events and log lines of the reads land

    events = tap()
    assert any('"activity_recorded"' in body for body in events), "the tap heard the audit events"
    assert any('"application_assigned"' in body for body in events)
    for body in events:
        assert the_id not in body and wrong not in body, json.loads(body)["type"]
    for name in [*SERVICES, "gateway"]:
        log = system.log(name)
        assert the_id not in log, f"{name} logged the national ID"
        assert wrong not in log, f"{name} logged the refused national ID"
