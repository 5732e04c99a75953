"""What the web console asks of the API besides the lifecycle's moves, end to end through the gateway: the moves an
application's holder may make now (`forward-targets`), a coordinator's overview of their subtree, and field
errors in the request's language."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import wait_for
from tests.e2e.test_lifecycle import APPLICANT, PETITION, TEXT, act, file, status, wait_until_held_by

pytestmark = pytest.mark.e2e

ROAD = {**TEXT, "kind": "petition", "petition_type": "complaint", "subject": "transport", "applicant": APPLICANT}


def targets(api, login, who, accepted, **params):
    return api.get(
        f"/api/v1/applications/{accepted['tracking_number']}/forward-targets", params=params, headers=login(who)
    )


def codes(found):
    return [t["code"] for t in found["targets"]]


def province_of(api, code):
    rows = [row for row in api.get("/api/v1/institutions", params={"q": code}).json() if row["code"] == code]
    return rows[0]["province"] if rows else None


def test_a_governorship_is_offered_its_own_province_s_bodies_only_and_q_narrows(api, login):
    accepted = file(api, login, {**ROAD, "province": "06", "district": "Çankaya"})
    wait_until_held_by(api, accepted, "GOV-06")
    response = targets(api, login, "gov-06", accepted, limit=100)
    assert response.status_code == 200, response.text
    found = response.json()
    assert set(found) == {"return_to", "targets", "may_answer", "may_extend", "may_decide_appeal"}
    assert (found["return_to"], found["may_answer"], found["may_extend"]) == (None, True, False)
    assert {"DG-06-CANKAYA", "DG-06-MAMAK", "PD-06-SAGLIK", "RD-UAB-KGM-4"} <= set(codes(found))
    # Ankara's district governorships and directorates, never another province's, never up (a district's road).
    assert {t["type"] for t in found["targets"]} == {
        "district_governorship",
        "provincial_directorate",
        "regional_directorate",
    }
    assert all(code.startswith(("DG-06-", "PD-06-")) or code == "RD-UAB-KGM-4" for code in codes(found))
    assert not any("-34-" in code for code in codes(found))
    assert [t["name"] for t in found["targets"]] == sorted(t["name"] for t in found["targets"])
    # `q` as the directory's search takes it: part of the name or code, Turkish letters folded.
    assert codes(targets(api, login, "gov-06", accepted, q="çankaya").json()) == ["DG-06-CANKAYA"]
    assert codes(targets(api, login, "gov-06", accepted, q="CANKAYA").json()) == ["DG-06-CANKAYA"]
    assert codes(targets(api, login, "gov-06", accepted, q="sağlık").json()) == ["PD-06-SAGLIK"]
    assert codes(targets(api, login, "gov-06", accepted, q="kadıköy").json()) == []
    assert len(codes(targets(api, login, "gov-06", accepted).json())) == 20  # the default limit
    assert codes(targets(api, login, "gov-06", accepted, limit=5).json()) == codes(found)[:5]
    # Every target offered is a forward the API accepts.
    moved = act(api, login, "gov-06", accepted, "forward", to_institution=codes(found)[0])
    assert moved.status_code == 200, moved.text


def test_the_presidency_is_offered_ministries_and_governorships_and_the_receiver_a_return_to_the_sender(api, login):
    accepted = file(api, login, {**PETITION, "target_institution": "MIN-SAGLIK"})
    wait_until_held_by(api, accepted, "PRESIDENCY")
    found = targets(api, login, "presidency", accepted, limit=100).json()
    assert found["return_to"] is None
    assert {t["type"] for t in found["targets"]} == {"ministry", "governorship", "ethics_board", "hr_presidency"}
    assert {"MIN-SAGLIK", "MIN-ADALET", "GOV-06", "GOV-34", "ETHICS-BOARD", "HR-PRESIDENCY"} <= set(codes(found))
    assert "PRESIDENCY" not in codes(found)
    assert codes(targets(api, login, "presidency", accepted, q="istanbul").json()) == ["GOV-34"]

    assert act(api, login, "presidency", accepted, "forward", to_institution="MIN-SAGLIK").status_code == 200
    wait_until_held_by(api, accepted, "MIN-SAGLIK")
    found = targets(api, login, "min-saglik", accepted, limit=100).json()
    assert found["return_to"] == {
        "code": "PRESIDENCY",
        "name": "Cumhurbaşkanlığı İletişim Merkezi",
        "type": "presidency",
    }
    assert "PD-06-SAGLIK" in codes(found) and "PRESIDENCY" not in codes(found)
    assert {t["type"] for t in found["targets"]} <= {"ministry_unit", "provincial_directorate"}


def test_forward_targets_are_refused_as_forward_is(api, login):
    accepted = file(api, login, {**ROAD, "province": "06"})
    wait_until_held_by(api, accepted, "GOV-06")
    number = accepted["tracking_number"]
    for who, expected in (("gov-34", 404), ("dg-06-cankaya", 404), ("presidency", 403), ("pd-06-saglik", 404)):
        offered = targets(api, login, who, accepted)
        forwarded = act(api, login, who, accepted, "forward", to_institution="DG-06-CANKAYA")
        assert (offered.status_code, forwarded.status_code) == (expected, expected), (who, offered.text)
        assert offered.json()["detail"]["code"] == forwarded.json()["detail"]["code"]
    assert targets(api, login, "cc-06", accepted).status_code == 403  # no role that works applications
    assert api.get(f"/api/v1/applications/{number}/forward-targets").status_code == 401
    missing = api.get("/api/v1/applications/269999999999/forward-targets", headers=login("gov-06"))
    assert missing.status_code == 404
    for params in ({"limit": 0}, {"limit": 101}, {"q": ""}, {"q": "x" * 101}):
        assert targets(api, login, "gov-06", accepted, **params).status_code == 422, params


def test_an_information_request_may_be_extended_once_and_nothing_is_offered_after_the_answer(api, login):
    accepted = file(api, login, {**ROAD, "kind": "information_request", "petition_type": None, "province": "06"})
    wait_until_held_by(api, accepted, "GOV-06")
    assert targets(api, login, "gov-06", accepted).json()["may_extend"] is True
    assert act(api, login, "gov-06", accepted, "extend", reason="Başka kurumlardan bilgi istendi.").status_code == 200
    assert targets(api, login, "gov-06", accepted).json()["may_extend"] is False
    assert act(api, login, "gov-06", accepted, "answer", outcome="positive", text="Bilgi ekte sunulmuştur.").status_code
    wait_for(lambda: status(api, accepted)["status"] == "answered")
    assert targets(api, login, "gov-06", accepted).json() == {
        "return_to": None,
        "targets": [],
        "may_answer": False,
        "may_extend": False,
        "may_decide_appeal": False,
    }


def overview(api, login, who):
    response = api.get("/api/v1/overview", headers=login(who))
    assert response.status_code == 200, response.text
    return response.json()


def counted(found, institution):
    return next((item["open"] for item in found["items"] if item["institution"] == institution), 0)


def test_a_coordinator_s_overview_counts_their_subtree_only(api, login):
    before = {who: overview(api, login, who) for who in ("gov-06", "gov-34", "presidency")}
    ankara = file(api, login, {**ROAD, "province": "06"})
    cankaya = file(
        api, login, {**ROAD, "channel": "in_person", "province": "06", "district": "Çankaya"}, "bureau-dg-06-cankaya"
    )
    istanbul = file(api, login, {**ROAD, "province": "34"})
    wait_until_held_by(api, ankara, "GOV-06")
    wait_until_held_by(api, cankaya, "DG-06-CANKAYA")
    wait_until_held_by(api, istanbul, "GOV-34")

    after = {who: overview(api, login, who) for who in ("gov-06", "gov-34", "presidency")}
    gov06 = after["gov-06"]
    assert set(gov06) == {"open", "overdue", "items"}
    assert counted(gov06, "GOV-06") == counted(before["gov-06"], "GOV-06") + 1
    assert counted(gov06, "DG-06-CANKAYA") == counted(before["gov-06"], "DG-06-CANKAYA") + 1
    assert gov06["open"] == before["gov-06"]["open"] + 2
    # Ankara's institutions only (and, at most, a central body an application went up to from Ankara).
    for item in gov06["items"]:
        assert province_of(api, item["institution"]) in ("06", None), item
        assert 0 <= item["overdue"] <= item["open"]
    assert counted(gov06, "GOV-34") == 0
    assert counted(after["gov-34"], "GOV-34") == counted(before["gov-34"], "GOV-34") + 1
    assert counted(after["gov-34"], "DG-06-CANKAYA") == 0
    assert after["presidency"]["open"] == before["presidency"]["open"] + 3
    assert gov06["open"] == sum(item["open"] for item in gov06["items"])
    order = [(-item["overdue"], -item["open"]) for item in after["presidency"]["items"]]
    assert order == sorted(order)

    for who, expected in (("dg-06-cankaya", 403), ("pd-06-saglik", 403), ("admin", 403), ("hrb-06", 403)):
        assert api.get("/api/v1/overview", headers=login(who)).status_code == expected, who
    assert api.get("/api/v1/overview").status_code == 401


def test_field_errors_are_told_in_the_request_s_language(api):
    bad = {**ROAD, "body": "kısa", "province": "6", "applicant": {**APPLICANT, "email": "ayse-at-example"}}
    turkish = api.post("/api/v1/applications", json=bad)
    english = api.post("/api/v1/applications", json=bad, headers={"Accept-Language": "en"})
    assert turkish.status_code == english.status_code == 422
    tr_errors = {e["field"]: e for e in turkish.json()["detail"]["errors"]}
    en_errors = {e["field"]: e for e in english.json()["detail"]["errors"]}
    assert tr_errors["body"]["type"] == "string_too_short"
    assert tr_errors["body"]["message"] == "En az 10 karakter olmalıdır."
    assert en_errors["body"]["message"] == "Must be at least 10 characters long."
    assert tr_errors["province"]["message"] == "Biçimi geçersiz."
    assert tr_errors["applicant.email"]["message"] == "Geçerli bir e-posta adresi değil."
    assert en_errors["applicant.email"]["message"] == "Is not a valid e-mail address."
    listed = api.get("/api/v1/institutions", params={"limit": 0}, headers={"Accept-Language": "en"})
    assert listed.status_code == 422
    error = listed.json()["detail"]["errors"][0]
    assert (error["field"], error["type"], error["message"]) == (
        "query.limit",
        "greater_than_equal",
        "Must be at least 1.",
    )
    assert api.get("/api/v1/institutions", params={"limit": "çok"}).json()["detail"]["errors"][0]["message"] == (
        "Tam sayı olmalıdır."
    )
