"""The access matrix, end to end through the gateway: every demo role (SPEC section 9) against applications held in
different places. No officer reads or lists outside their scope, and each can do what their role needs.
Later issues extend the same matrix (forward, answer, extend)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from cimer_common.settings import get_settings
from cimer_common.tokens import Principal, generate_key_pair, issue_access_token, read_key

pytestmark = pytest.mark.e2e

APPLICANT = {"national_id": "10000000146", "first_name": "Ayşe", "last_name": "Yılmaz", "phone": "05321234567"}
BASE = {"subject": "transport", "title": "Başvuru", "body": "Uçtan uca erişim sınaması için bir başvuru metni."}
REQUEST = {**BASE, "kind": "petition", "petition_type": "request", "applicant": APPLICANT}

# Where each test application goes first (SPEC section 4), and who records it.
APPLICATIONS = {
    "web-06": ({**REQUEST, "province": "06"}, None, "GOV-06"),
    "web-34": ({**REQUEST, "province": "34"}, None, "GOV-34"),
    "ministry": (
        {**BASE, "kind": "petition", "petition_type": "request", "subject": "health",
         "target_institution": "MIN-SAGLIK", "applicant": APPLICANT},
        None,
        "PRESIDENCY",
    ),
    "ethics": (
        {**BASE, "kind": "ethics_complaint", "province": "06", "applicant": APPLICANT,
         "official": {"name": "Bir Genel Müdür", "rank": "general_director_or_above", "institution": "MIN-SAGLIK"}},
        None,
        "ETHICS-BOARD",
    ),
    "human-rights": ({**BASE, "kind": "human_rights", "province": "06", "applicant": APPLICANT}, None, "HRB-06"),
    "phone-06": ({**REQUEST, "petition_type": "complaint", "channel": "phone"}, "cc-06", "GOV-06"),
    "bureau-cankaya": (
        {**BASE, "kind": "information_request", "channel": "in_person", "province": "06", "district": "Çankaya",
         "applicant": APPLICANT},
        "bureau-dg-06-cankaya",
        "DG-06-CANKAYA",
    ),
}  # fmt: skip

# Who may open which (200); everyone else gets 404 (not theirs), or 403 when their role reads no application.
READS = {
    "gov-06": {"web-06", "phone-06", "bureau-cankaya", "human-rights"},  # holds two, coordinates the province
    "dg-06-cankaya": {"bureau-cankaya"},
    "pd-06-saglik": set(),
    "gov-34": {"web-34"},
    "presidency": set(APPLICATIONS),
    "min-saglik": set(),  # the health petition is at the Presidency until it is forwarded (issue 4)
    "ethics-board": {"ethics"},
    "hrb-06": {"human-rights"},
}
NO_READING_ROLE = {"cc-06", "admin", "bureau-dg-06-cankaya"}


@pytest.fixture(scope="module")
def filed(system, login):
    """Each application filed once for the module, and waited for until routing has assigned it."""
    numbers: dict[str, str] = {}
    with httpx.Client(base_url=system.base_url, timeout=15) as api:
        for name, (body, recorder, _) in APPLICATIONS.items():
            response = api.post("/api/v1/applications", json=body, headers=login(recorder) if recorder else {})
            assert response.status_code == 201, (name, response.text)
            numbers[name] = response.json()["tracking_number"]
        presidency = login("presidency")
        deadline = time.monotonic() + 15
        for name, number in numbers.items():
            while True:
                seen = api.get(f"/api/v1/applications/{number}", headers=presidency)
                if seen.status_code == 200 and seen.json()["status"] == "assigned":
                    break
                assert time.monotonic() < deadline, (name, seen.text)
                time.sleep(0.05)
    return numbers


@pytest.mark.parametrize("name", list(APPLICATIONS))
def test_each_application_goes_where_section_4_says(api, login, filed, name):
    seen = api.get(f"/api/v1/applications/{filed[name]}", headers=login("presidency")).json()
    assert seen["institution"] == APPLICATIONS[name][2]


@pytest.mark.parametrize("username", [*READS, *NO_READING_ROLE])
def test_no_officer_reads_outside_their_scope(api, login, filed, username):
    headers = login(username)
    for name, number in filed.items():
        response = api.get(f"/api/v1/applications/{number}", headers=headers)
        expected = 403 if username in NO_READING_ROLE else 200 if name in READS[username] else 404
        assert response.status_code == expected, (username, name, response.text)


@pytest.mark.parametrize("username", list(READS))
def test_each_inbox_lists_exactly_what_the_institution_holds(api, login, filed, username):
    page = api.get("/api/v1/inbox", params={"limit": 200}, headers=login(username)).json()
    listed = {item["tracking_number"] for item in page["items"]}
    holder_of = {name: APPLICATIONS[name][2] for name in filed}
    institution = {
        "gov-06": "GOV-06", "dg-06-cankaya": "DG-06-CANKAYA", "pd-06-saglik": "PD-06-SAGLIK", "gov-34": "GOV-34",
        "presidency": "PRESIDENCY", "min-saglik": "MIN-SAGLIK", "ethics-board": "ETHICS-BOARD", "hrb-06": "HRB-06",
    }[username]  # fmt: skip
    for name, number in filed.items():
        assert (number in listed) == (holder_of[name] == institution), (username, name)
    deadlines = [item["deadline"] for item in page["items"]]
    assert deadlines == sorted(deadlines)


@pytest.mark.parametrize("username", sorted(NO_READING_ROLE))
def test_roles_that_work_no_inbox_are_refused_one(api, login, username):
    assert api.get("/api/v1/inbox", headers=login(username)).status_code == 403


def test_the_national_id_is_masked_except_for_cimer_staff_and_boards(api, login, filed):
    number = filed["human-rights"]
    assert api.get(f"/api/v1/applications/{number}", headers=login("gov-06")).json()["applicant"]["national_id"] == (
        "10*******46"
    )
    assert api.get(f"/api/v1/applications/{number}", headers=login("hrb-06")).json()["applicant"]["national_id"] == (
        "10000000146"
    )
    assert (
        api.get(f"/api/v1/applications/{number}", headers=login("presidency")).json()["applicant"]["national_id"]
        == "10000000146"
    )


@pytest.mark.parametrize(
    ("username", "channel", "expected"),
    [
        ("cc-06", "phone", 201),
        ("gov-06", "phone", 403),
        ("bureau-dg-06-cankaya", "phone", 403),
        ("bureau-dg-06-cankaya", "in_person", 201),
        ("cc-06", "in_person", 403),
        ("dg-06-cankaya", "in_person", 403),
        ("admin", "phone", 403),
        (None, "phone", 401),
        (None, "in_person", 401),
    ],
)
def test_only_call_centre_and_bureau_officers_record_for_citizens(api, login, username, channel, expected):
    body = {**BASE, "kind": "petition", "petition_type": "complaint", "channel": channel, "province": "06",
            "applicant": APPLICANT}  # fmt: skip
    response = api.post("/api/v1/applications", json=body, headers=login(username) if username else {})
    assert response.status_code == expected, response.text


def test_a_call_centre_officer_records_only_for_their_own_province(api, login):
    body = {**BASE, "kind": "petition", "petition_type": "request", "channel": "phone", "province": "34",
            "applicant": APPLICANT}  # fmt: skip
    response = api.post("/api/v1/applications", json=body, headers=login("cc-06"))
    assert response.status_code == 403
    assert response.json()["detail"]["code"] == "other_province"


# --- Tokens ------------------------------------------------------------------------------------------------------


def test_wrong_password_and_unknown_user_get_the_same_401(api):
    wrong = api.post("/api/v1/auth/login", json={"username": "gov-34", "password": "not-the-password"})
    unknown = api.post("/api/v1/auth/login", json={"username": "nobody-here", "password": "not-the-password"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()


def _token(private_key: bytes, now: datetime, institution: str = "PRESIDENCY") -> str:
    principal = Principal("u-1", "forger", institution, frozenset({"officer", "coordinator"}), "s-1")
    return issue_access_token(private_key, principal, now=now)


def test_expired_forged_tampered_and_missing_tokens_are_refused(api, tmp_path):
    settings = get_settings()
    real_key = read_key(settings.jwt_private_key_file)
    generate_key_pair(tmp_path / "other.pem", tmp_path / "other.pub")
    forged_key = read_key(str(tmp_path / "other.pem"))

    expired = _token(real_key, datetime.now(UTC) - timedelta(hours=1))
    forged = _token(forged_key, datetime.now(UTC))
    header, payload, signature = _token(real_key, datetime.now(UTC)).split(".")
    tampered = f"{header}.{payload[:-2]}AA.{signature}"
    for token, code in ((expired, "token_expired"), (forged, "invalid_token"), (tampered, "invalid_token"),
                        ("garbage", "invalid_token")):  # fmt: skip
        response = api.get("/api/v1/inbox", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, token
        assert response.json()["detail"]["code"] == code
        assert response.headers["WWW-Authenticate"] == "Bearer"
    assert api.get("/api/v1/inbox").status_code == 401


def test_a_logged_out_session_is_refused_at_once_and_cannot_be_renewed(api):
    pair = api.post("/api/v1/auth/login", json={"username": "gov-34", "password": "demo-password"}).json()
    headers = {"Authorization": f"Bearer {pair['access_token']}"}
    assert api.get("/api/v1/inbox", headers=headers).status_code == 200
    assert api.post("/api/v1/auth/logout", headers=headers).status_code == 204
    refused = api.get("/api/v1/inbox", headers=headers)
    assert refused.status_code == 401 and refused.json()["detail"]["code"] == "session_revoked"
    assert api.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]}).status_code == 401


def test_a_refresh_token_renews_once(api):
    pair = api.post("/api/v1/auth/login", json={"username": "hrb-06", "password": "demo-password"}).json()
    renewed = api.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert renewed.status_code == 200
    assert (
        api.get("/api/v1/inbox", headers={"Authorization": f"Bearer {renewed.json()['access_token']}"}).status_code
        == 200
    )
    assert api.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]}).status_code == 401


def test_repeated_failures_for_one_account_are_throttled(api):
    codes = [
        api.post("/api/v1/auth/login", json={"username": "min-saglik", "password": f"guess-{i}"}).status_code
        for i in range(7)
    ]
    assert codes[:5] == [401] * 5
    assert codes[5:] == [429, 429]
    locked = api.post("/api/v1/auth/login", json={"username": "min-saglik", "password": "demo-password"})
    assert locked.status_code == 429  # even the right password, until the window has passed
    assert int(locked.headers["Retry-After"]) > 0


# --- Administration --------------------------------------------------------------------------------------------


def test_only_an_admin_manages_users_and_a_disabled_user_is_locked_out(api, login):
    new_user = {"username": "pd-06-saglik-2", "password": "a-long-password-1", "institution": "PD-06-SAGLIK",
                "roles": ["officer"]}  # fmt: skip
    assert api.post("/api/v1/admin/users", json=new_user, headers=login("gov-06")).status_code == 403
    created = api.post("/api/v1/admin/users", json=new_user, headers=login("admin"))
    assert created.status_code == 201, created.text
    assert api.post("/api/v1/admin/users", json=new_user, headers=login("admin")).status_code == 409

    pair = api.post("/api/v1/auth/login", json={"username": "pd-06-saglik-2", "password": "a-long-password-1"}).json()
    headers = {"Authorization": f"Bearer {pair['access_token']}"}
    assert api.get("/api/v1/inbox", headers=headers).status_code == 200
    disabled = api.patch("/api/v1/admin/users/pd-06-saglik-2", json={"active": False}, headers=login("admin"))
    assert disabled.status_code == 200, disabled.text
    deadline = time.monotonic() + 5  # the revocation reaches the gateway as an event
    while api.get("/api/v1/inbox", headers=headers).status_code != 401:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    again = api.post("/api/v1/auth/login", json={"username": "pd-06-saglik-2", "password": "a-long-password-1"})
    assert again.status_code == 401


def test_only_an_admin_changes_the_directory(api, login):
    unit = {"code": "MU-SAGLIK-TEST", "name": "Deneme Genel Müdürlüğü", "type": "ministry_unit", "parent": "MIN-SAGLIK",
            "ministry": "SAGLIK"}  # fmt: skip
    assert api.post("/api/v1/admin/institutions", json=unit, headers=login("presidency")).status_code == 403
    created = api.post("/api/v1/admin/institutions", json=unit, headers=login("admin"))
    assert created.status_code == 201, created.text
    listed = api.get("/api/v1/institutions", params={"q": "MU-SAGLIK-TEST"}).json()
    assert [i["code"] for i in listed] == ["MU-SAGLIK-TEST"]
    # A name with a control character in it (NUL, which PostgreSQL cannot store) is refused, and nothing changes.
    renamed = api.patch(
        "/api/v1/admin/institutions/MU-SAGLIK-TEST", json={"name": "Deneme\u0000 Müdürlüğü"}, headers=login("admin")
    )
    assert renamed.status_code == 422, renamed.text
    assert renamed.json()["detail"]["code"] == "name_not_printable"
    assert [i["name"] for i in api.get("/api/v1/institutions", params={"q": "MU-SAGLIK-TEST"}).json()] == [unit["name"]]
    retired = api.patch("/api/v1/admin/institutions/MU-SAGLIK-TEST", json={"active": False}, headers=login("admin"))
    assert retired.status_code == 200
    assert api.get("/api/v1/institutions", params={"q": "MU-SAGLIK-TEST"}).json() == []
