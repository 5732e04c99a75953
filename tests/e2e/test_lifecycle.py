"""The whole lifecycle end to end (SPEC sections 2 and 4): every first destination, forwarding along the hierarchy
and back, answers reaching the public status, extensions, and who may do each."""

from __future__ import annotations

import time

import pytest

pytestmark = pytest.mark.e2e

APPLICANT = {"national_id": "10000000146", "first_name": "Ayşe", "last_name": "Yılmaz", "email": "ayse@example.org"}
TEXT = {"title": "Başvuru", "body": "Yaşam döngüsü sınaması için bir başvuru metni."}
PETITION = {**TEXT, "kind": "petition", "petition_type": "request", "subject": "health", "applicant": APPLICANT}
OFFICIAL = {"name": "Bir Görevli", "institution": "MIN-SAGLIK"}

# Every row of SPEC section 4's first destinations: (application, recording officer, first holder).
FIRST_DESTINATIONS = {
    "phone: the officer's governorship": ({**PETITION, "channel": "phone"}, "cc-06", "GOV-06"),
    "in person: the bureau's institution": (
        {**PETITION, "channel": "in_person", "province": "06", "district": "Çankaya"},
        "bureau-dg-06-cankaya",
        "DG-06-CANKAYA",
    ),
    "web, local: the province's governorship": ({**PETITION, "province": "35"}, None, "GOV-35"),
    "web, naming a ministry: the Presidency": ({**PETITION, "target_institution": "MIN-SAGLIK"}, None, "PRESIDENCY"),
    "web, naming a central body: the Presidency": (
        {**PETITION, "target_institution": "HR-PRESIDENCY"}, None, "PRESIDENCY"
    ),
    "web, naming a local body: its governorship": (
        {**PETITION, "target_institution": "PD-06-SAGLIK"}, None, "GOV-06"
    ),
    "ethics, general director or above: the Ethics Board": (
        {**TEXT, "kind": "ethics_complaint", "subject": "health", "province": "06", "applicant": APPLICANT,
         "official": {**OFFICIAL, "rank": "general_director_or_above"}},
        None,
        "ETHICS-BOARD",
    ),
    "ethics, below: the institution's disciplinary board": (
        {**TEXT, "kind": "ethics_complaint", "subject": "health", "province": "06", "applicant": APPLICANT,
         "official": {**OFFICIAL, "rank": "below_general_director"}},
        None,
        "DISC-MIN-SAGLIK",
    ),
    "human rights: the provincial board": (
        {**TEXT, "kind": "human_rights", "subject": "justice", "province": "06", "applicant": APPLICANT}, None, "HRB-06"
    ),
    "human rights in person at a Kaymakamlık: the district board": (
        {**TEXT, "kind": "human_rights", "subject": "justice", "channel": "in_person", "province": "06",
         "district": "Çankaya", "applicant": APPLICANT},
        "bureau-dg-06-cankaya",
        "DHRB-06-CANKAYA",
    ),
}  # fmt: skip


def file(api, login, body, recorder=None):
    response = api.post("/api/v1/applications", json=body, headers=login(recorder) if recorder else {})
    assert response.status_code == 201, response.text
    return response.json()


def status(api, accepted):
    return api.get(
        f"/api/v1/applications/{accepted['tracking_number']}/status", params={"access_code": accepted["access_code"]}
    ).json()


def wait_until_held_by(api, accepted, institution, timeout=15.0):
    deadline = time.monotonic() + timeout
    while True:
        current = status(api, accepted)
        if current["institution"] == institution and current["status"] in ("assigned", "answered"):
            return current
        assert time.monotonic() < deadline, current
        time.sleep(0.05)


def act(api, login, who, accepted, action, **body):
    return api.post(f"/api/v1/applications/{accepted['tracking_number']}/{action}", json=body, headers=login(who))


@pytest.mark.parametrize("row", list(FIRST_DESTINATIONS))
def test_every_first_destination_of_section_4(api, login, row):
    body, recorder, holder = FIRST_DESTINATIONS[row]
    wait_until_held_by(api, file(api, login, body, recorder), holder)


def test_a_forward_chain_from_the_presidency_to_a_provincial_directorate_and_an_answer_on_the_public_status(api, login):
    accepted = file(api, login, {**PETITION, "target_institution": "MIN-SAGLIK", "province": "06"})
    wait_until_held_by(api, accepted, "PRESIDENCY")
    moved = act(api, login, "presidency", accepted, "forward", to_institution="MIN-SAGLIK", note="Bakanlığın konusu.")
    assert moved.status_code == 200, moved.text
    wait_until_held_by(api, accepted, "MIN-SAGLIK")
    assert act(api, login, "min-saglik", accepted, "forward", to_institution="PD-06-SAGLIK").status_code == 200
    wait_until_held_by(api, accepted, "PD-06-SAGLIK")

    in_inbox = api.get("/api/v1/inbox", params={"limit": 200}, headers=login("pd-06-saglik")).json()["items"]
    assert accepted["tracking_number"] in {item["tracking_number"] for item in in_inbox}

    answer_text = "Başvurunuz incelenmiş ve hastanedeki sorun giderilmiştir."
    answered = act(api, login, "pd-06-saglik", accepted, "answer", outcome="positive", text=answer_text)
    assert answered.status_code == 200, answered.text
    deadline = time.monotonic() + 15
    while (public := status(api, accepted))["status"] != "answered":
        assert time.monotonic() < deadline, public
        time.sleep(0.05)
    assert public["answer"]["outcome"] == "positive"
    assert public["answer"]["text"] == answer_text
    assert [(h["status"], h["institution"]) for h in public["history"]] == [
        ("received", None),
        ("assigned", "PRESIDENCY"),
        ("assigned", "MIN-SAGLIK"),
        ("assigned", "PD-06-SAGLIK"),
        ("answered", "PD-06-SAGLIK"),
    ]
    # Answered: no longer anyone's work; a second answer is refused.
    again = act(api, login, "pd-06-saglik", accepted, "answer", outcome="negative", text=answer_text)
    assert again.status_code == 409
    in_inbox = api.get("/api/v1/inbox", params={"limit": 200}, headers=login("pd-06-saglik")).json()["items"]
    assert accepted["tracking_number"] not in {item["tracking_number"] for item in in_inbox}


def test_forwarding_only_along_the_edges_and_back_to_the_sender(api, login):
    accepted = file(api, login, {**PETITION, "province": "06"})
    wait_until_held_by(api, accepted, "GOV-06")
    off_edge = act(api, login, "gov-06", accepted, "forward", to_institution="MIN-SAGLIK")
    assert off_edge.status_code == 422 and off_edge.json()["detail"]["code"] == "forward_not_allowed"
    assert act(api, login, "gov-06", accepted, "forward", to_institution="DG-06-CANKAYA").status_code == 200
    wait_until_held_by(api, accepted, "DG-06-CANKAYA")
    assert act(api, login, "dg-06-cankaya", accepted, "forward", to_institution="PD-06-SAGLIK").status_code == 422
    assert act(api, login, "dg-06-cankaya", accepted, "forward", to_institution="GOV-06").status_code == 200  # back
    wait_until_held_by(api, accepted, "GOV-06")


def test_a_local_matter_never_reaches_a_ministry(api, login):
    road = {**TEXT, "kind": "petition", "petition_type": "complaint", "channel": "phone", "subject": "transport",
            "district": "Çankaya", "applicant": APPLICANT}  # fmt: skip
    accepted = file(api, login, road, "cc-06")
    wait_until_held_by(api, accepted, "GOV-06")
    # Whatever reason the officer gives.
    refused = act(api, login, "gov-06", accepted, "forward", to_institution="PRESIDENCY", note="Bakanlığın konusu.")
    assert refused.status_code == 422, refused.text
    assert refused.json()["detail"]["code"] == "forward_not_allowed"


def test_a_governorship_sends_a_ministry_s_matter_up_only_with_a_reason(api, login):
    # A health matter naming no district: Ankara has a health directorate, and it may still go up, with a reason.
    accepted = file(api, login, {**PETITION, "province": "06"})
    wait_until_held_by(api, accepted, "GOV-06")
    for note in (None, "   "):
        refused = act(api, login, "gov-06", accepted, "forward", to_institution="PRESIDENCY", note=note)
        assert refused.status_code == 422, refused.text
        assert refused.json()["detail"]["code"] == "reason_required"
    moved = act(api, login, "gov-06", accepted, "forward", to_institution="PRESIDENCY", note="Bakanlık düzeyinde.")
    assert moved.status_code == 200, moved.text
    wait_until_held_by(api, accepted, "PRESIDENCY")


def test_an_information_request_is_extended_once_with_a_reason(api, login):
    request = {**TEXT, "kind": "information_request", "subject": "education", "province": "06", "applicant": APPLICANT}
    accepted = file(api, login, request)
    wait_until_held_by(api, accepted, "GOV-06")
    before = status(api, accepted)["deadline"]
    extended = act(api, login, "gov-06", accepted, "extend", reason="İstenen bilgiler başka kurumlardan derleniyor.")
    assert extended.status_code == 200, extended.text
    deadline = time.monotonic() + 15
    while status(api, accepted)["deadline"] == before:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert status(api, accepted)["deadline"] == extended.json()["deadline"] > before
    again = act(api, login, "gov-06", accepted, "extend", reason="Bir kez daha uzatmak istiyoruz lütfen.")
    assert again.status_code == 409

    petition = file(api, login, {**PETITION, "province": "06"})
    wait_until_held_by(api, petition, "GOV-06")
    assert act(api, login, "gov-06", petition, "extend", reason="Dilekçe için uzatma olmaz.").status_code == 422


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("gov-06", 200),  # the holder
        ("presidency", 403),  # sees it, does not hold it
        ("gov-34", 404),  # out of reach: answered as missing
        ("hrb-06", 404),
        ("cc-06", 403),  # a role that works no application
        ("admin", 403),
    ],
)
def test_only_the_holder_works_an_application(api, login, who, expected):
    accepted = file(api, login, {**PETITION, "province": "06"})
    wait_until_held_by(api, accepted, "GOV-06")
    forward = act(api, login, who, accepted, "forward", to_institution="DG-06-CANKAYA")
    assert forward.status_code == expected, forward.text
    if expected != 200:
        answer = act(api, login, who, accepted, "answer", outcome="negative", text="Bu başvuru bizim konumuz değil.")
        assert answer.status_code == expected
        extend = act(api, login, who, accepted, "extend", reason="Uzatma gerekçesi yazılmıştır.")
        assert extend.status_code in (expected, 422)  # a petition: refused as such if the role got that far


def held_by_holder(api, login, holder):
    """A fresh application brought to `holder` the way the rules bring it there."""
    if holder == "GOV-06":
        accepted = file(api, login, {**PETITION, "province": "06"})
    elif holder == "GOV-06/district":  # a matter naming a district: locally solvable
        accepted, holder = file(api, login, {**PETITION, "province": "06", "district": "Çankaya"}), "GOV-06"
    elif holder in ("PRESIDENCY", "MIN-SAGLIK"):
        accepted = file(api, login, {**PETITION, "target_institution": "MIN-SAGLIK", "province": "06"})
        if holder == "MIN-SAGLIK":
            wait_until_held_by(api, accepted, "PRESIDENCY")
            assert act(api, login, "presidency", accepted, "forward", to_institution="MIN-SAGLIK").status_code == 200
    elif holder == "ETHICS-BOARD":
        accepted = file(api, login, FIRST_DESTINATIONS["ethics, general director or above: the Ethics Board"][0])
    else:
        assert holder == "HRB-06"
        accepted = file(api, login, FIRST_DESTINATIONS["human rights: the provincial board"][0])
    wait_until_held_by(api, accepted, holder)
    return accepted


# SPEC section 4's forwarding edges, each tried by the holder's officer: (holder, officer, target, allowed).
EDGES = [
    ("GOV-06", "gov-06", "DG-06-CANKAYA", True),  # its district governorships
    ("GOV-06", "gov-06", "PD-06-SAGLIK", True),  # its provincial directorates
    ("GOV-06", "gov-06", "RD-UAB-KGM-4", True),  # the regional directorates seated in its province
    ("GOV-06", "gov-06", "DG-34-KADIKOY", False),  # not another province's
    ("GOV-06", "gov-06", "PRESIDENCY", True),  # a ministry's matter goes up, with the officer's reason (the note)
    ("GOV-06/district", "gov-06", "PRESIDENCY", False),  # a district's matter stays local
    ("PRESIDENCY", "presidency", "MIN-SAGLIK", True),
    ("PRESIDENCY", "presidency", "GOV-34", True),
    ("PRESIDENCY", "presidency", "ETHICS-BOARD", True),
    ("PRESIDENCY", "presidency", "HR-PRESIDENCY", True),
    ("PRESIDENCY", "presidency", "PD-06-SAGLIK", False),  # through the ministry, not past it
    ("MIN-SAGLIK", "min-saglik", "MU-SAGLIK-TITCK", True),  # its units
    ("MIN-SAGLIK", "min-saglik", "PD-06-SAGLIK", True),  # its provincial directorates
    ("MIN-SAGLIK", "min-saglik", "PD-06-MEB", False),  # not another ministry's
    ("MIN-SAGLIK", "min-saglik", "PRESIDENCY", True),  # back to the sender
    ("ETHICS-BOARD", "ethics-board", "DISC-MIN-SAGLIK", True),  # a disciplinary board
    ("ETHICS-BOARD", "ethics-board", "GOV-06", False),
    ("HRB-06", "hrb-06", "DHRB-06-CANKAYA", True),  # the district boards of its province
    ("HRB-06", "hrb-06", "HR-PRESIDENCY", True),
    ("HRB-06", "hrb-06", "DHRB-34-KADIKOY", False),
]


@pytest.mark.parametrize(("holder", "officer", "target", "allowed"), EDGES, ids=lambda v: str(v))
def test_every_forwarding_edge_of_section_4(api, login, holder, officer, target, allowed):
    accepted = held_by_holder(api, login, holder)
    # Every move with a note: the send-up to the Presidency needs one, and no other move minds it.
    response = act(api, login, officer, accepted, "forward", to_institution=target, note="Sınama notu.")
    assert response.status_code == (200 if allowed else 422), response.text
    if allowed:
        wait_until_held_by(api, accepted, target)
