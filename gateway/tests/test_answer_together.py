"""The answer to linked duplicates (SPEC section 12) through the real application over ASGI, with intake and routing
played by a stand-in: refused whole unless every one is linked and awaits an answer at the officer's institution;
otherwise each is answered, and what one refuses, or a routing that stops answering, is told per number while the
answers given stand."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from cimer_common.errors import Conflict
from cimer_common.tokens import Principal
from gateway.api.deps import current_officer, rpc_client
from gateway.auth import Officer
from gateway.main import create_app
from gateway.rpc import ServiceUnavailable

A, B, C, D = "260000000018", "260000000026", "260000000034", "260000000042"
TEXT = "Yolunuz bu hafta onarılmıştır."
OFFICER = Officer(Principal("u1", "gov-06", "GOV-06", frozenset({"officer"}), "s1"), "token")


def duplicate(number: str, state: str = "linked", status: str = "assigned", institution: str = "GOV-06") -> dict:
    return {
        "tracking_number": number,
        "reason": "same_applicant",
        "similarity": 0.7,
        "state": state,
        "status": status,
        "institution": institution,
    }


class Services:
    """Intake's list of duplicates and routing's answers, as they would answer (or refuse)."""

    def __init__(self, duplicates: list[dict[str, Any]], refused: dict[str, Exception] | None = None):
        self.duplicates = duplicates
        self.refused = refused or {}
        self.answered: list[str] = []

    async def call(self, service: str, method: str, **kwargs: Any) -> Any:
        if (service, method) == ("intake", "duplicates"):
            assert kwargs == {"token": "token", "tracking_number": A}
            return self.duplicates
        if (service, method) == ("intake", "text_names_applicant"):
            assert kwargs["tracking_number"] == A
            return "Ayşe Yılmaz" in kwargs["text"]
        assert (service, method) == ("routing", "answer")
        number = kwargs["tracking_number"]
        if number in self.refused:
            raise self.refused[number]
        self.answered.append(number)
        return {"tracking_number": number, "status": "answered", "outcome": kwargs["outcome"]}


def answer(services: Services, also: list[str], lang: str = "tr", text: str = TEXT) -> Any:
    app = create_app()
    app.dependency_overrides[rpc_client] = lambda: services
    app.dependency_overrides[current_officer] = lambda: OFFICER
    client = TestClient(app)  # no lifespan: no broker, the services are the stand-in
    return client.post(
        f"/api/v1/applications/{A}/answer",
        json={"outcome": "positive", "text": text, "also": also},
        headers={"Accept-Language": lang},
    )


def test_the_linked_ones_are_answered_with_the_same_text():
    services = Services([duplicate(B), duplicate(C)])
    response = answer(services, [B, f"{C[:2]} {C[2:]}", B])  # written as the officer may, and once each
    assert response.status_code == 200, response.text
    body = response.json()
    assert services.answered == [A, B, C]
    assert body["tracking_number"] == A and body["all_answered"] is True and "note" not in body
    assert [(item["tracking_number"], item["answered"]) for item in body["also"]] == [(B, True), (C, True)]


@pytest.mark.parametrize(
    "other",
    [
        duplicate(B, state="flagged"),
        duplicate(B, state="unlinked"),
        duplicate(B, status="answered"),
        duplicate(B, institution="PD-06-SAGLIK"),
        duplicate(C),  # B is not among its duplicates at all (or not shown to this officer)
    ],
)
def test_anything_not_linked_and_awaiting_an_answer_here_refuses_the_whole_request(other):
    services = Services([other])
    response = answer(services, [B])
    assert response.status_code == 422, response.text
    assert response.json()["detail"]["code"] == "answer_together_not_allowed"
    assert response.json()["detail"]["field"] == "also"
    assert services.answered == []


def test_a_text_that_names_this_application_s_applicant_goes_to_no_other():
    """A template filled in for this application (its applicant's name, its number) is not for the linked ones:
    they are other people's. The whole request is refused; nothing is answered."""
    services = Services([duplicate(B)])
    response = answer(services, [B], text="Sayın Ayşe Yılmaz, yolunuz onarılmıştır.")
    assert response.status_code == 422 and response.json()["detail"]["code"] == "answer_together_personal"
    assert services.answered == []


def test_the_application_itself_is_not_among_the_others():
    services = Services([duplicate(B)])
    assert answer(services, [A]).status_code == 422
    assert services.answered == []


def test_one_refused_midway_is_told_and_the_answers_given_stand():
    services = Services(
        [duplicate(B), duplicate(C), duplicate(D)],
        refused={B: Conflict("already_answered"), C: ServiceUnavailable("routing")},
    )
    response = answer(services, [B, C, D], lang="en")
    assert response.status_code == 200, response.text
    body = response.json()
    assert services.answered == [A]
    assert body["all_answered"] is False and "stand" in body["note"]
    results = {item["tracking_number"]: item for item in body["also"]}
    assert results[B]["answered"] is False and results[B]["error"]["code"] == "already_answered"
    assert results[C]["error"]["code"] == "service_unavailable"
    assert results[D]["error"]["code"] == "not_tried"  # after a routing that did not answer, the rest wait


def test_without_others_the_answer_is_as_it_was():
    services = Services([])
    response = answer(services, [])
    assert response.status_code == 200
    assert response.json() == {"tracking_number": A, "status": "answered", "outcome": "positive"}
