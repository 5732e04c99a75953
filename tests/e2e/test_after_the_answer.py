"""What follows the answer, end to end through the gateway (SPEC section 12): an information request refused,
appealed to the information review board, the board orders an answer, the institution answers, the applicant
reads it and rates it, and the application closes once its appeal window is over; the applicant is told each step
by mail and SMS, and the month's report counts the rating and the closing."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, text

from cimer_common import calendar
from cimer_common.settings import get_settings
from tests.e2e.conftest import wait_for

pytestmark = pytest.mark.e2e

REFUSAL = "İstediğiniz ihale belgeleri ticari sır niteliğinde olduğundan verilememektedir."
APPEAL = "Belgeler ihale sonuçlandıktan sonra kamuya açıktır; ret kararı yerinde değildir."
ORDER = "İhale sonuçlanmıştır; belgeler ticari sır sayılamaz, başvuru cevaplanmalıdır."
ANSWER = "İhale belgelerinin birer örneği ekte gönderilmiştir."


def body_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def applicant():
    return {
        "national_id": "10000000146",
        "first_name": "Ayşe",
        "last_name": "Yılmaz",
        "email": f"itiraz-{uuid.uuid4().hex[:8]}@example.org",
        "phone": f"0532{uuid.uuid4().int % 10**7:07d}",
    }


def information_request(person):
    return {
        "kind": "information_request",
        "channel": "web",
        "subject": "health",
        "title": "İhale belgeleri",
        "body": "Hastanenin temizlik ihalesinin belgelerini istiyorum.",
        "province": "06",
        "applicant": person,
    }


def status_of(api, filed):
    response = api.get(
        f"/api/v1/applications/{filed['tracking_number']}/status", params={"access_code": filed["access_code"]}
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_refused_appealed_ordered_answered_rated_and_closed(api, login, system):
    person = applicant()
    filed = api.post("/api/v1/applications", json=information_request(person)).json()
    number, code = filed["tracking_number"], filed["access_code"]
    wait_for(lambda: status_of(api, filed)["institution"] == "GOV-06")
    answered = api.post(
        f"/api/v1/applications/{number}/answer",
        json={"outcome": "negative", "text": REFUSAL},
        headers=login("gov-06"),
    )
    assert answered.status_code == 200, answered.text
    refused = wait_for(lambda: (s := status_of(api, filed))["status"] == "answered" and s)
    assert refused["appeal"]["may_appeal_until"]

    # Bad input changes nothing: a wrong access code is a missing application, a short reason a clear 422.
    wrong = api.post(f"/api/v1/applications/{number}/appeal", json={"access_code": "WRONG123", "reason": APPEAL})
    assert wrong.status_code == 404
    short = api.post(f"/api/v1/applications/{number}/appeal", json={"access_code": code, "reason": "Kısa"})
    assert short.status_code == 422

    appealed = api.post(f"/api/v1/applications/{number}/appeal", json={"access_code": code, "reason": APPEAL})
    assert appealed.status_code == 200, appealed.text
    assert appealed.json()["appeal"]["reason"] == APPEAL
    again = api.post(f"/api/v1/applications/{number}/appeal", json={"access_code": code, "reason": APPEAL})
    assert again.status_code == 409 and again.json()["detail"]["code"] == "already_appealed"
    at_board = wait_for(lambda: (s := status_of(api, filed))["institution"] == "BEDK" and s)
    assert at_board["status"] == "assigned" and at_board["history"][-1]["status"] == "appealed"
    wait_for(lambda: [m for m in system.mails_to(person["email"]) if "İtirazınız alındı" in str(m["Subject"])])
    wait_for(lambda: [s for s in system.sms_to(person["phone"]) if "Kuruluna ulaştı" in s["text"]])

    # The board reads it in its inbox, may only decide, and orders the governorship to answer.
    inbox = api.get("/api/v1/inbox", headers=login("bedk")).json()
    assert number in {item["tracking_number"] for item in inbox["items"]}
    targets = api.get(f"/api/v1/applications/{number}/forward-targets", headers=login("bedk")).json()
    assert targets["may_decide_appeal"] is True and targets["may_answer"] is False
    not_holder = api.post(
        f"/api/v1/applications/{number}/appeal-decision",
        json={"decision": "answer_ordered", "text": ORDER},
        headers=login("gov-06"),
    )
    assert not_holder.status_code in (403, 409), not_holder.text
    decided = api.post(
        f"/api/v1/applications/{number}/appeal-decision",
        json={"decision": "answer_ordered", "text": ORDER},
        headers=login("bedk"),
    )
    assert decided.status_code == 200, decided.text
    back = wait_for(lambda: (s := status_of(api, filed))["institution"] == "GOV-06" and s)
    assert back["status"] == "assigned" and back["appeal"]["decision"] == "answer_ordered"
    assert back["deadline"] == decided.json()["deadline"]
    ordered = wait_for(
        lambda: [m for m in system.mails_to(person["email"]) if "itirazınızı haklı buldu" in str(m["Subject"])]
    )
    assert ORDER in body_of(ordered[0])

    # The governorship answers as ordered; the applicant reads it, is told, and rates it once.
    answered = api.post(
        f"/api/v1/applications/{number}/answer", json={"outcome": "positive", "text": ANSWER}, headers=login("gov-06")
    )
    assert answered.status_code == 200, answered.text
    final = wait_for(lambda: (s := status_of(api, filed))["status"] == "answered" and s)
    assert final["answer"]["text"] == ANSWER and final["answer"]["outcome"] == "positive"
    told = wait_for(
        lambda: [m for m in system.mails_to(person["email"]) if "Kurul kararı üzerine" in str(m["Subject"])]
    )
    assert ANSWER in body_of(told[0])

    bad = api.post(f"/api/v1/applications/{number}/feedback", json={"access_code": code, "rating": 7, "solved": True})
    assert bad.status_code == 422
    rated = api.post(
        f"/api/v1/applications/{number}/feedback",
        json={"access_code": code, "rating": 4, "solved": True, "comment": "Geç de olsa cevap geldi."},
    )
    assert rated.status_code == 200, rated.text
    assert rated.json()["feedback"]["rating"] == 4
    twice = api.post(f"/api/v1/applications/{number}/feedback", json={"access_code": code, "rating": 5, "solved": True})
    assert twice.status_code == 409
    seen = api.get(f"/api/v1/applications/{number}", headers=login("gov-06")).json()
    assert seen["feedback"]["comment"] == "Geç de olsa cevap geldi."

    # Sixteen days on: the test moves the answer back where both routing and intake keep it, as the calendar would
    # (intake closes only the answer routing's closing names); routing's watch then closes it.
    at = datetime.now(UTC) - timedelta(days=16)
    for service, table in (("routing", "assignments"), ("intake", "applications")):
        engine = create_engine(get_settings().database_url(service))
        with engine.begin() as connection:
            moved = connection.execute(
                text(f"UPDATE {table} SET answered_at = :at WHERE tracking_number = :number"),
                {"at": at, "number": number},
            )
            assert moved.rowcount == 1
        engine.dispose()
    closed = wait_for(lambda: (s := status_of(api, filed))["status"] == "closed" and s)
    assert closed["closed_at"] and closed["history"][-1]["status"] == "closed"
    inbox = api.get("/api/v1/inbox", params={"limit": 200}, headers=login("gov-06")).json()
    assert number not in {item["tracking_number"] for item in inbox["items"]}

    # The month's report of the governorship counts the rating and the closing.
    period = calendar.today().strftime("%Y-%m")  # the month in Turkey, as reports count it

    def counted():
        report = api.get(
            "/api/v1/reports/monthly", params={"period": period, "institution": "GOV-06"}, headers=login("gov-06")
        ).json()
        return report if report["ratings"]["count"] >= 1 and report["closed"] >= 1 else None

    report = wait_for(counted)
    assert 1 <= report["ratings"]["mean"] <= 5


@pytest.mark.parametrize("kind", ["petition", "positive"])
def test_only_a_refused_information_request_may_be_appealed(api, login, kind):
    body = information_request(applicant())
    if kind == "petition":
        body = {**body, "kind": "petition", "petition_type": "request"}
    filed = api.post("/api/v1/applications", json=body).json()
    number = filed["tracking_number"]
    wait_for(lambda: status_of(api, filed)["institution"] == "GOV-06")
    outcome = "positive" if kind == "positive" else "negative"
    api.post(
        f"/api/v1/applications/{number}/answer", json={"outcome": outcome, "text": REFUSAL}, headers=login("gov-06")
    )
    wait_for(lambda: status_of(api, filed)["status"] == "answered")
    refused = api.post(
        f"/api/v1/applications/{number}/appeal", json={"access_code": filed["access_code"], "reason": APPEAL}
    )
    assert refused.status_code == 422 and refused.json()["detail"]["code"] == "appeal_not_allowed"
    assert status_of(api, filed)["status"] == "answered"
