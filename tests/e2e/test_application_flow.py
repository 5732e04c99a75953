"""End to end: the running system, spoken to over HTTP through the gateway, as the web channel would."""

from __future__ import annotations

import json
import time
import uuid

import pytest

pytestmark = pytest.mark.e2e

PETITION = {
    "kind": "petition",
    "petition_type": "complaint",
    "channel": "web",
    "subject": "transport",
    "title": "Yol bozuk",
    "body": "Mahallemizdeki yol aylardır bozuk ve onarılmıyor.",
    "province": "06",
    "district": "Çankaya",
    "applicant": {
        "national_id": "10000000146",
        "first_name": "Ayşe",
        "last_name": "Yılmaz",
        "email": "ayse@example.org",
        "phone": "05321234567",
    },
}


def wait_for_status(api, accepted, wanted, timeout=10.0):
    deadline = time.monotonic() + timeout
    while True:
        response = api.get(
            f"/api/v1/applications/{accepted['tracking_number']}/status",
            params={"access_code": accepted["access_code"]},
        )
        assert response.status_code == 200, response.text
        body = response.json()
        if body["status"] == wanted or time.monotonic() > deadline:
            return body
        time.sleep(0.05)


def test_a_web_petition_is_accepted_numbered_and_assigned_to_its_governorship(api):
    response = api.post("/api/v1/applications", json=PETITION)
    assert response.status_code == 201, response.text
    accepted = response.json()
    assert set(accepted) >= {"tracking_number", "access_code", "status", "deadline"}
    assert accepted["status"] == "received"

    status = wait_for_status(api, accepted, "assigned")
    assert status["status"] == "assigned"
    assert status["institution"] == "GOV-06"
    assert status["kind"] == "petition"
    assert [h["status"] for h in status["history"]] == ["received", "assigned"]
    assert status["history"][-1]["institution"] == "GOV-06"


def test_an_anonymous_complaint_is_accepted(api):
    response = api.post(
        "/api/v1/applications", json={**PETITION, "applicant": None, "province": "34", "district": None}
    )
    assert response.status_code == 201, response.text
    assert wait_for_status(api, response.json(), "assigned")["institution"] == "GOV-34"


def test_the_correlation_id_follows_the_application_through_the_services(api, system):
    request_id = f"e2e-{uuid.uuid4()}"
    response = api.post("/api/v1/applications", json=PETITION, headers={"X-Request-ID": request_id})
    assert response.headers["X-Request-ID"] == request_id
    wait_for_status(api, response.json(), "assigned")
    deadline = time.monotonic() + 5
    while request_id not in system.log("routing") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert request_id in system.log("intake")
    assert request_id in system.log("routing")


def test_two_routing_processes_share_the_applications_and_assign_each_once(api, system):
    """The system runs two processes of each consumer (`COMPETING` in conftest): both take applications from the
    one queue, and each application is assigned by exactly one of them, once."""
    accepted = []
    for _ in range(30):
        response = api.post("/api/v1/applications", json=PETITION)
        assert response.status_code == 201, response.text
        accepted.append(response.json())
    for application in accepted:
        assert wait_for_status(api, application, "assigned")["status"] == "assigned"

    def assigned_in(log: str) -> list[str]:
        lines = (json.loads(line) for line in log.splitlines() if '"application assigned"' in line)
        return [line["tracking_number"] for line in lines if line.get("entrypoint") == "handle_application_received"]

    ours = {application["tracking_number"] for application in accepted}
    by_process = [
        [n for n in assigned_in(system.process_log(label)) if n in ours] for label in ("routing", "routing.2")
    ]
    assert all(by_process), [len(numbers) for numbers in by_process]  # both took some
    assert sorted(by_process[0] + by_process[1]) == sorted(ours)  # each assigned once, by one of them


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"applicant": {**PETITION["applicant"], "national_id": "10000000147"}}, 422, "invalid_national_id"),
        ({"petition_type": "request", "applicant": None}, 422, "applicant_required"),
        ({"kind": "information_request", "petition_type": None, "channel": "phone"}, 401, "officer_login_required"),
        ({"province": "99", "district": None}, 422, "unknown_province"),
        ({"district": "Kadıköy"}, 422, "unknown_district"),
        ({"kind": "ethics_complaint", "petition_type": None}, 422, "official_required"),
        ({"subject": "weather"}, 422, "invalid_request"),
        ({"title": ""}, 422, "invalid_request"),
        ({"surprise": True}, 422, "invalid_request"),
        ({"channel": "phone"}, 401, "officer_login_required"),
    ],
)
def test_bad_applications_get_a_clear_4xx(api, change, status, code):
    response = api.post("/api/v1/applications", json={**PETITION, **change})
    assert response.status_code == status, response.text
    detail = response.json()["detail"]
    assert detail["code"] == code
    assert detail["message"]


def test_refusals_speak_english_when_asked(api):
    bad = {**PETITION, "applicant": {**PETITION["applicant"], "national_id": "12345678901"}}
    turkish = api.post("/api/v1/applications", json=bad).json()["detail"]["message"]
    english = api.post("/api/v1/applications", json=bad, headers={"Accept-Language": "en"}).json()["detail"]["message"]
    assert "geçersiz" in turkish
    assert "not valid" in english


def test_malformed_bodies_are_4xx_never_5xx(api):
    for body, content_type in (
        (b"{not json", "application/json"),
        (b"", "application/json"),
        (b"[]", "application/json"),
        (b"kind=petition", "application/x-www-form-urlencoded"),
    ):
        response = api.post("/api/v1/applications", content=body, headers={"Content-Type": content_type})
        assert 400 <= response.status_code < 500, (body, response.status_code, response.text)


def test_a_wrong_access_code_looks_exactly_like_a_missing_application(api):
    accepted = api.post("/api/v1/applications", json=PETITION).json()
    wrong = api.get(f"/api/v1/applications/{accepted['tracking_number']}/status", params={"access_code": "WRONG123"})
    missing = api.get("/api/v1/applications/269999999994/status", params={"access_code": accepted["access_code"]})
    garbage = api.get("/api/v1/applications/not-a-number/status", params={"access_code": "X"})
    assert wrong.status_code == missing.status_code == 404
    assert wrong.json() == missing.json()
    assert 400 <= garbage.status_code < 500


def test_the_directory_lists_institutions_by_type_province_and_name(api):
    governorships = api.get("/api/v1/institutions", params={"type": "governorship", "limit": 500}).json()
    assert len(governorships) == 81
    ankara = api.get("/api/v1/institutions", params={"province": "06", "type": "district_governorship"}).json()
    assert "DG-06-CANKAYA" in {i["code"] for i in ankara}
    assert all(i["parent"] == "GOV-06" for i in ankara)
    assert api.get("/api/v1/institutions", params={"type": "castle"}).status_code == 422


def test_health_and_openapi(api):
    health = api.get("/health")
    assert health.status_code == 200
    assert health.json()["services"] == {
        s: "ok" for s in ("intake", "routing", "notification", "reporting", "identity")
    }
    assert api.get("/ready").json() == {"status": "ok"}
    paths = api.get("/openapi.json").json()["paths"]
    assert {"/api/v1/applications", "/api/v1/applications/{tracking_number}/status", "/api/v1/institutions"} <= set(
        paths
    )
