"""Duplicates end to end through the gateway (SPEC section 12): two near duplicates filed on the web by one
applicant are flagged on the officer's page, linked, and answered together, both with the same text; an officer
of another institution sees neither, and cannot link or answer them."""

from __future__ import annotations

import random
import uuid

import pytest

from tests.e2e.conftest import wait_for

pytestmark = pytest.mark.e2e

ANSWER = "Cadde belediyenin bu haftaki programına alınmış, çukurlar kapatılmıştır."


def national_id() -> str:
    """A valid T.C. Kimlik No of this run's own (SPEC section 2), so no other test's applicant is the same."""
    digits = [random.randint(1, 9)] + [random.randint(0, 9) for _ in range(8)]
    digits.append(((sum(digits[0:9:2]) * 7) - sum(digits[1:8:2])) % 10)
    digits.append(sum(digits) % 10)
    return "".join(map(str, digits))


def road(person: dict[str, str], street: str, body: str) -> dict[str, object]:
    return {
        "kind": "petition",
        "petition_type": "complaint",
        "channel": "web",
        "subject": "transport",
        "title": f"{street} caddesi bozuk",
        "body": body,
        "province": "06",
        "district": "Çankaya",
        "applicant": person,
    }


def status_of(api, filed):
    response = api.get(
        f"/api/v1/applications/{filed['tracking_number']}/status", params={"access_code": filed["access_code"]}
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_two_near_duplicates_are_flagged_linked_and_answered_together(api, login):
    person = {
        "national_id": national_id(),
        "first_name": "Zeynep",
        "last_name": "Arslan",
        "email": f"mukerrer-{uuid.uuid4().hex[:8]}@example.org",
    }
    street = f"Çiçek{uuid.uuid4().hex[:4]}"
    first = api.post(
        "/api/v1/applications",
        json=road(person, street, f"{street} caddesindeki çukurlar aylardır kapatılmadı, araçlar zarar görüyor."),
    )
    second = api.post(
        "/api/v1/applications",
        json=road(person, street, f"{street} caddesindeki çukurlar hâlâ kapatılmadı; araçlarımız zarar görüyor."),
    )
    assert first.status_code == second.status_code == 201, (first.text, second.text)
    first, second = first.json(), second.json()
    a, b = first["tracking_number"], second["tracking_number"]
    for filed in (first, second):
        wait_for(
            lambda filed=filed: (s := status_of(api, filed))["institution"] == "GOV-06" and s["status"] == "assigned"
        )

    # Flagged on the governorship officer's page, both ways, for the same applicant.
    def flagged(number, other):
        seen = api.get(f"/api/v1/applications/{number}", headers=login("gov-06")).json()
        return next((d for d in seen.get("duplicates", []) if d["tracking_number"] == other), None)

    close = wait_for(lambda: flagged(a, b))
    assert (close["reason"], close["state"], close["status"], close["institution"]) == (
        "same_applicant",
        "flagged",
        "assigned",
        "GOV-06",
    )
    assert close["similarity"] >= 0.5
    assert flagged(b, a)["state"] == "flagged"

    # Another institution's officer sees neither, and can neither link nor answer them.
    for number in (a, b):
        assert api.get(f"/api/v1/applications/{number}", headers=login("gov-34")).status_code == 404
    outsider = api.post(
        f"/api/v1/applications/{a}/duplicates", json={"other": b, "linked": True}, headers=login("gov-34")
    )
    assert outsider.status_code == 404, outsider.text

    # Not linked yet: an answer to both is refused whole, and nothing is answered.
    early = api.post(
        f"/api/v1/applications/{a}/answer",
        json={"outcome": "positive", "text": ANSWER, "also": [b]},
        headers=login("gov-06"),
    )
    assert early.status_code == 422, early.text
    assert early.json()["detail"]["code"] == "answer_together_not_allowed"
    assert status_of(api, first)["status"] == status_of(api, second)["status"] == "assigned"
    bad = api.post(
        f"/api/v1/applications/{a}/duplicates", json={"other": b, "linked": "maybe"}, headers=login("gov-06")
    )
    assert bad.status_code == 422

    # Linked by the holder's officer: both pages show it.
    linked = api.post(
        f"/api/v1/applications/{a}/duplicates", json={"other": b, "linked": True}, headers=login("gov-06")
    )
    assert linked.status_code == 200, linked.text
    assert [d["state"] for d in linked.json()["duplicates"] if d["tracking_number"] == b] == ["linked"]
    assert flagged(b, a)["state"] == "linked"

    # Answered together: one answer, the same text to both applicants.
    answered = api.post(
        f"/api/v1/applications/{a}/answer",
        json={"outcome": "positive", "text": ANSWER, "also": [b]},
        headers=login("gov-06"),
    )
    assert answered.status_code == 200, answered.text
    result = answered.json()
    assert result["tracking_number"] == a and result["status"] == "answered"
    assert result["all_answered"] is True
    assert [(item["tracking_number"], item["answered"]) for item in result["also"]] == [(b, True)]
    for filed in (first, second):
        final = wait_for(lambda filed=filed: (s := status_of(api, filed))["status"] == "answered" and s)
        assert (final["answer"]["outcome"], final["answer"]["text"], final["answer"]["institution"]) == (
            "positive",
            ANSWER,
            "GOV-06",
        )
    # Both answered: nothing is left to answer together.
    again = api.post(
        f"/api/v1/applications/{b}/answer",
        json={"outcome": "positive", "text": ANSWER, "also": [a]},
        headers=login("gov-06"),
    )
    assert again.status_code in (409, 422), again.text
