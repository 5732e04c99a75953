"""Answer templates end to end through the gateway's HTTP API (SPEC section 12): a coordinator keeps their
institution's templates, the holder's officer gets them filled in for an application and answers with one, and
nobody else sees or uses them."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import pytest

from cimer_common import calendar
from tests.e2e.conftest import wait_for
from tests.e2e.test_lifecycle import APPLICANT, TEXT, act, file, status, wait_until_held_by

pytestmark = pytest.mark.e2e

PATH = "/api/v1/answer-templates"
ROAD = {**TEXT, "kind": "petition", "petition_type": "complaint", "subject": "transport", "province": "06"}
BODY = (
    "Sayın {basvuru_sahibi}, {basvuru_no} numaralı ve {basvuru_tarihi} tarihli başvurunuz {kurum} tarafından "
    "incelenmiş ve yolun onarımı planlanmıştır. Son gün: {son_gun}. Tarih: {today}."
)


def day(iso: str) -> str:
    """A date, or the day in Turkey of a timestamp, as the templates write it."""
    if "T" in iso:
        return datetime.fromisoformat(iso).astimezone(calendar.TURKEY).strftime("%d.%m.%Y")
    return date.fromisoformat(iso).strftime("%d.%m.%Y")


def create(api, login, who="gov-06", **body):
    response = api.post(PATH, json=body, headers=login(who))
    assert response.status_code == 201, response.text
    return response.json()


def offered(api, login, who, accepted):
    return api.get(f"/api/v1/applications/{accepted['tracking_number']}/answer-templates", headers=login(who))


def test_a_coordinator_s_template_is_filled_in_for_the_holder_s_officer_who_answers_with_it(api, login):
    title = f"Yol onarımı {uuid.uuid4().hex[:8]}"
    created = create(api, login, title=title, subject="transport", body=BODY)
    assert (created["institution"], created["subject"], created["active"], created["created_by"]) == (
        "GOV-06",
        "transport",
        True,
        "gov-06",
    )
    other_subject = create(api, login, title=f"Sağlık {title}", subject="health", body="Sayın {applicant_name}, ...")
    listed = api.get(PATH, params={"subject": "transport"}, headers=login("gov-06")).json()
    assert created in listed and other_subject["id"] not in {t["id"] for t in listed}

    accepted = file(api, login, {**ROAD, "applicant": APPLICANT})
    wait_until_held_by(api, accepted, "GOV-06")
    response = offered(api, login, "gov-06", accepted)
    assert response.status_code == 200, response.text
    mine = {t["id"]: t for t in response.json()}
    assert set(mine[created["id"]]) == {"id", "title", "text"}
    assert other_subject["id"] not in mine  # another subject's template is not offered
    public = status(api, accepted)
    text = mine[created["id"]]["text"]
    assert text == (
        f"Sayın Ayşe Yılmaz, {accepted['tracking_number']} numaralı ve {day(public['received_at'])} tarihli "
        f"başvurunuz Ankara Valiliği tarafından incelenmiş ve yolun onarımı planlanmıştır. Son gün: "
        f"{day(accepted['deadline'])}. Tarih: {calendar.today().strftime('%d.%m.%Y')}."
    )

    answered = act(api, login, "gov-06", accepted, "answer", outcome="positive", text=text)
    assert answered.status_code == 200, answered.text

    def answer_text():
        return (status(api, accepted).get("answer") or {}).get("text")

    assert wait_for(answer_text) == text


def test_an_anonymous_applicant_is_never_named(api, login):
    created = create(api, login, title=f"Genel {uuid.uuid4().hex[:8]}", body="Sayın {applicant_name}, {basvuru_no}.")
    accepted = file(api, login, {**ROAD, "applicant": None})
    wait_until_held_by(api, accepted, "GOV-06")
    mine = {t["id"]: t for t in offered(api, login, "gov-06", accepted).json()}
    assert mine[created["id"]]["text"] == f"Sayın Başvuru Sahibi, {accepted['tracking_number']}."  # any subject


def test_an_officer_of_another_institution_cannot_see_or_use_them(api, login):
    created = create(api, login, title=f"Gizli {uuid.uuid4().hex[:8]}", subject="transport", body=BODY)
    accepted = file(api, login, {**ROAD, "applicant": APPLICANT})
    wait_until_held_by(api, accepted, "GOV-06")

    for who in ("gov-34", "pd-06-saglik"):
        assert api.get(PATH, params={"institution": "GOV-06"}, headers=login(who)).status_code == 403
        assert created["id"] not in {t["id"] for t in api.get(PATH, headers=login(who)).json()}
        assert api.patch(f"{PATH}/{created['id']}", json={"active": False}, headers=login(who)).status_code in (
            403,
            404,
        )
        # Not the holder: an application outside their reach is missing, like any other.
        assert offered(api, login, who, accepted).status_code == 404
    # An officer who keeps no templates is refused by the gateway before routing is asked; a call-centre officer
    # has nothing to do with them.
    assert api.patch(f"{PATH}/{created['id']}", json={"title": "X"}, headers=login("pd-06-saglik")).status_code == 403
    assert api.post(PATH, json={"title": "X", "body": BODY}, headers=login("pd-06-saglik")).status_code == 403
    assert api.get(PATH, headers=login("cc-06")).status_code == 403
    assert api.get(PATH).status_code == 401
    # The holder's officer still has it, untouched.
    assert created["id"] in {t["id"] for t in offered(api, login, "gov-06", accepted).json()}


def test_an_administrator_keeps_any_institution_s_and_a_retired_one_is_no_longer_offered(api, login):
    created = create(
        api, login, "admin", institution="PD-06-SAGLIK", subject="health", title=f"Randevu {uuid.uuid4().hex[:8]}",
        body="Sayın {basvuru_sahibi}, randevunuz oluşturulmuştur.",
    )  # fmt: skip
    assert created["institution"] == "PD-06-SAGLIK" and created["created_by"] == "admin"
    assert created["id"] in {t["id"] for t in api.get(PATH, headers=login("pd-06-saglik")).json()}
    # gov-06 coordinates Ankara but keeps only GOV-06's templates.
    assert (
        api.post(
            PATH, json={"institution": "PD-06-SAGLIK", "title": "X", "body": BODY}, headers=login("gov-06")
        ).status_code
        == 403
    )

    edited = api.patch(
        f"{PATH}/{created['id']}", json={"subject": None, "title": "Randevu (genel)"}, headers=login("admin")
    )
    assert edited.status_code == 200, edited.text
    assert (edited.json()["subject"], edited.json()["title"]) == (None, "Randevu (genel)")
    retired = api.patch(f"{PATH}/{created['id']}", json={"active": False}, headers=login("admin"))
    assert retired.status_code == 200 and retired.json()["active"] is False
    assert created["id"] not in {t["id"] for t in api.get(PATH, headers=login("pd-06-saglik")).json()}
    everything = api.get(PATH, params={"institution": "PD-06-SAGLIK"}, headers=login("admin")).json()
    assert {t["id"]: t["active"] for t in everything}[created["id"]] is False


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"title": "Yol", "body": "Sayın {ad_soyad}, başvurunuz incelendi."}, "unknown_placeholder"),
        ({"title": "Yol", "body": "Sayın {basvuru_sahibi, başvurunuz incelendi."}, "unclosed_placeholder"),
        ({"title": "   ", "body": BODY}, "invalid_request"),
        ({"title": "Yol", "body": "kısa"}, "invalid_request"),
        ({"title": "Yol", "body": "x" * 8001}, "invalid_request"),
        ({"title": "Yol", "body": BODY, "subject": "roads"}, "invalid_request"),
        ({"title": "Yol", "body": BODY, "institution": "gov-06"}, "invalid_request"),
        ({"title": "Yol", "body": BODY, "extra": 1}, "invalid_request"),
        ({"title": "Yol"}, "invalid_request"),
    ],
)
def test_bad_input_is_a_4xx_with_a_clear_message(api, login, body, code):
    response = api.post(PATH, json=body, headers={**login("gov-06"), "Accept-Language": "en"})
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert detail["code"] == code and detail["message"]


def test_bad_ids_and_filters_are_4xx(api, login):
    headers = login("gov-06")
    assert api.patch(f"{PATH}/0", json={"active": False}, headers=headers).status_code == 422
    assert api.patch(f"{PATH}/abc", json={"active": False}, headers=headers).status_code == 422
    assert api.patch(f"{PATH}/{2**63}", json={"active": False}, headers=headers).status_code == 422
    assert api.patch(f"{PATH}/999999999", json={"active": False}, headers=headers).status_code == 404
    assert api.patch(f"{PATH}/1", json={"active": "maybe"}, headers=headers).status_code == 422
    assert api.get(PATH, params={"subject": "roads"}, headers=headers).status_code == 422
    assert api.get(PATH, params={"institution": "../x"}, headers=headers).status_code == 422
    assert api.get("/api/v1/applications/1/answer-templates", headers=headers).status_code == 422
    assert api.get("/api/v1/applications/269999999999/answer-templates", headers=headers).status_code == 404
