"""Interface tests of user administration: tokens checked by identity itself, the directory asked over RPC."""

import json
import uuid
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from cimer_common.errors import Conflict, Forbidden, InvalidRequest, NotFound, Unauthorized
from cimer_common.settings import get_settings
from cimer_common.testing import next_event, no_event, token_for
from cimer_common.tokens import Principal, issue_access_token, read_key, verify_access_token
from identity.models import AuditRecord, User

pytestmark = pytest.mark.interface

PASSWORD = "correct horse battery"
NEW_PASSWORD = "a brand new passphrase"
ADDRESS = "192.0.2.20"


def admin_token(user_id=None):
    return token_for("admin", "PRESIDENCY", "admin", user_id=user_id)


def refusal(call, container, method, *args, expected, **kwargs):
    with pytest.raises(expected) as caught:
        call(container, method, *args, **kwargs)
    return caught.value


def forged_token():
    other_key = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    principal = Principal(str(uuid.uuid4()), "admin", "PRESIDENCY", frozenset({"admin"}), str(uuid.uuid4()))
    return issue_access_token(other_key, principal)


# --- Who may administer ----------------------------------------------------------------------------------------

ADMIN_CALLS = [
    ("create_user", {"username": "new-user", "password": PASSWORD, "institution": "GOV-06", "roles": ["officer"]}),
    ("update_user", {"username": "gov-06", "active": False}),
    ("list_users", {}),
]


@pytest.mark.parametrize(("method", "kwargs"), ADMIN_CALLS)
def test_an_officer_without_the_admin_role_is_forbidden(identity, call, method, kwargs):
    token = token_for("gov-06", "GOV-06", "officer", "coordinator")
    refused = refusal(call, identity, method, token=token, **kwargs, expected=Forbidden)
    assert refused.args == ("forbidden", "manage_users")


@pytest.mark.parametrize(("method", "kwargs"), ADMIN_CALLS)
@pytest.mark.parametrize(
    ("token", "code"), [(None, "login_required"), ("", "login_required"), ("forged", "invalid_token")]
)
def test_no_token_or_a_forged_one_is_unauthorized(identity, call, method, kwargs, token, code):
    token = forged_token() if token == "forged" else token
    assert refusal(call, identity, method, token=token, **kwargs, expected=Unauthorized).args[0] == code


def test_an_administrator_whose_session_has_ended_is_refused_by_identity_itself(identity, call, add_user):
    add_user("admin", "PRESIDENCY", ("admin",))
    pair = call(identity, "login", "admin", PASSWORD, ADDRESS)
    call(identity, "logout", pair["access_token"])
    refused = refusal(call, identity, "list_users", pair["access_token"], expected=Unauthorized)
    assert refused.args[0] == "session_revoked"


# --- Creating users --------------------------------------------------------------------------------------------


def test_an_administrator_creates_a_user_who_can_then_log_in(identity, routing, call, identity_db):
    token = admin_token()
    created = call(identity, "create_user", token, "dg-06-cankaya", PASSWORD, "DG-06-CANKAYA", ["officer"])
    assert created["username"] == "dg-06-cankaya" and created["institution"] == "DG-06-CANKAYA"
    assert created["roles"] == ["officer"] and created["active"] is True
    assert "password" not in json.dumps(created) and "argon2" not in json.dumps(created)

    pair = call(identity, "login", "dg-06-cankaya", PASSWORD, ADDRESS)
    principal = verify_access_token(read_key(get_settings().jwt_public_key_file), pair["access_token"])
    assert principal.user_id == created["id"] and principal.institution == "DG-06-CANKAYA"
    with Session(identity_db) as session:
        assert session.scalars(select(User.password_hash)).one().startswith("$argon2id$")
        line = session.scalars(select(AuditRecord).where(AuditRecord.action == "user_created")).one()
        assert (line.actor_username, line.target) == ("admin", "dg-06-cankaya")


def test_creating_a_user_checks_every_field(identity, routing, call):
    token = admin_token()

    def refused(expected=InvalidRequest, **overrides):
        fields = {"username": "new-user", "password": PASSWORD, "institution": "GOV-06", "roles": ["officer"]}
        return refusal(call, identity, "create_user", token, **{**fields, **overrides}, expected=expected).args

    assert refused(username="No Such") == ("invalid_username", "username")
    assert refused(username="10000000146") == ("invalid_username", "username")
    assert refused(password="short") == ("password_too_short", "password")
    assert refused(roles=[]) == ("roles_required", "roles")
    assert refused(roles=["root"]) == ("unknown_role", "roles")
    assert refused(roles="officer") == ("unknown_role", "roles")
    assert refused(institution="GOV-99") == ("unknown_institution", "institution")

    call(identity, "create_user", token, "new-user", PASSWORD, "GOV-06", ["officer"])
    assert refused(expected=Conflict, institution="GOV-34") == ("username_taken", "username")


# --- Changing users --------------------------------------------------------------------------------------------


def test_disabling_a_user_ends_their_sessions(identity, call, add_user, revocations, amqp_uri, identity_db):
    add_user("gov-06")
    pairs = [call(identity, "login", "gov-06", PASSWORD, ADDRESS) for _ in range(2)]
    updated = call(identity, "update_user", admin_token(), "gov-06", active=False)
    assert updated["active"] is False

    public_key = read_key(get_settings().jwt_public_key_file)
    expected = {verify_access_token(public_key, p["access_token"]).session_id for p in pairs}
    events = [next_event(amqp_uri, revocations) for _ in range(2)]
    assert {e["payload"]["session_id"] for e in events} == expected
    assert {e["payload"]["reason"] for e in events} == {"user_disabled"}
    assert {r["session_id"] for r in call(identity, "revoked_sessions")} == expected

    assert refusal(call, identity, "refresh", pairs[0]["refresh_token"], ADDRESS, expected=Unauthorized).args[0] == (
        "invalid_refresh_token"
    )
    assert refusal(call, identity, "login", "gov-06", PASSWORD, ADDRESS, expected=Unauthorized).args[0] == (
        "invalid_credentials"
    )
    call(identity, "update_user", admin_token(), "gov-06", active=True)
    assert call(identity, "login", "gov-06", PASSWORD, ADDRESS)["access_token"]
    with Session(identity_db) as session:
        actions = session.scalars(select(AuditRecord.action).order_by(AuditRecord.id)).all()
    assert [a for a in actions if a.startswith("user_")] == ["user_disabled", "user_enabled"]


def test_new_roles_a_new_institution_or_a_new_password_end_the_sessions(
    identity, routing, call, add_user, revocations, amqp_uri
):
    add_user("gov-06")
    call(identity, "login", "gov-06", PASSWORD, ADDRESS)
    updated = call(identity, "update_user", admin_token(), "gov-06", roles=["coordinator", "officer", "officer"])
    assert updated["roles"] == ["officer", "coordinator"]  # the same roles: nothing changes, nothing ends
    no_event(amqp_uri, revocations)

    call(identity, "update_user", admin_token(), "gov-06", roles=["officer"])
    assert next_event(amqp_uri, revocations)["payload"]["reason"] == "roles_changed"

    pair = call(identity, "login", "gov-06", PASSWORD, ADDRESS)
    assert refusal(
        call, identity, "update_user", admin_token(), "gov-06", institution="GOV-99", expected=InvalidRequest
    ).args == ("unknown_institution", "institution")
    updated = call(identity, "update_user", admin_token(), "gov-06", institution="GOV-34")
    assert updated["institution"] == "GOV-34"
    assert next_event(amqp_uri, revocations)["payload"]["reason"] == "institution_changed"
    assert refusal(call, identity, "refresh", pair["refresh_token"], ADDRESS, expected=Unauthorized)

    pair = call(identity, "login", "gov-06", PASSWORD, ADDRESS)
    call(identity, "update_user", admin_token(), "gov-06", password=NEW_PASSWORD)
    assert next_event(amqp_uri, revocations)["payload"]["reason"] == "credentials_changed"
    assert refusal(call, identity, "refresh", pair["refresh_token"], ADDRESS, expected=Unauthorized)
    assert call(identity, "login", "gov-06", NEW_PASSWORD, ADDRESS)["access_token"]
    assert refusal(call, identity, "login", "gov-06", PASSWORD, ADDRESS, expected=Unauthorized)


def test_updating_checks_its_fields_and_the_user(identity, call, add_user):
    add_user("gov-06")
    token = admin_token()
    assert refusal(call, identity, "update_user", token, "nobody", active=False, expected=NotFound).args == (
        "user_not_found",
        "username",
    )
    assert refusal(call, identity, "update_user", token, "gov-06", password="short", expected=InvalidRequest).args[
        0
    ] == ("password_too_short")
    assert refusal(call, identity, "update_user", token, "gov-06", roles=[], expected=InvalidRequest).args[0] == (
        "roles_required"
    )
    assert refusal(call, identity, "update_user", token, "gov-06", active="no", expected=InvalidRequest).args == (
        "invalid_request",
        "active",
    )


def test_an_administrator_cannot_lock_themselves_out(identity, call, add_user):
    admin = add_user("admin", "PRESIDENCY", ("admin",))
    token = admin_token(user_id=str(admin.id))
    for change, field in [({"active": False}, "active"), ({"roles": ["officer"]}, "roles")]:
        refused = refusal(call, identity, "update_user", token, "admin", **change, expected=Conflict)
        assert refused.args == ("cannot_lock_out_self", field)
    assert call(identity, "update_user", token, "admin", roles=["admin", "officer"])["roles"] == ["officer", "admin"]


# --- Listing users ---------------------------------------------------------------------------------------------


def test_listing_users_pages_filters_and_never_shows_a_hash(identity, call, add_user):
    add_user("gov-06")
    add_user("cc-06", "GOV-06", ("call_centre",))
    add_user("gov-34", "GOV-34")
    token = admin_token()
    users = call(identity, "list_users", token)
    assert [u["username"] for u in users] == ["cc-06", "gov-06", "gov-34"]
    assert set(users[0]) == {"id", "username", "institution", "roles", "active", "email", "created_at"}
    assert "argon2" not in json.dumps(users)
    assert [u["username"] for u in call(identity, "list_users", token, institution="GOV-06")] == ["cc-06", "gov-06"]
    assert [u["username"] for u in call(identity, "list_users", token, limit=1, offset=1)] == ["gov-06"]
    assert len(call(identity, "list_users", token, limit=0, offset=-5)) == 1  # clamped, not refused


def test_the_demo_seed_creates_the_specification_s_officers_once(identity, call, identity_db, monkeypatch, capsys):
    from identity import demo_seed

    monkeypatch.setenv("CIMER_DEMO_PASSWORD", "demo-password")
    demo_seed.main()
    assert "12 demo users added" in capsys.readouterr().out
    demo_seed.main()
    assert "0 demo users added" in capsys.readouterr().out
    with Session(identity_db) as session:
        users = {u.username: (u.institution, u.roles) for u in session.scalars(select(User))}
    assert users["gov-06"] == ("GOV-06", ["officer", "coordinator"])
    with Session(identity_db) as session:
        emails = {u.username: u.email for u in session.scalars(select(User))}
    assert emails == {username: f"{username}@demo.cimer.gov.tr" for username in emails}
    assert users["admin"] == ("PRESIDENCY", ["admin"])
    assert users["bureau-dg-06-cankaya"] == ("DG-06-CANKAYA", ["bureau"])
    assert users["bedk"] == ("BEDK", ["board"])  # hears appeals (SPEC section 12)
    assert len(users) == 12
    pair = call(identity, "login", "hrb-06", "demo-password", ADDRESS)
    principal = verify_access_token(read_key(get_settings().jwt_public_key_file), pair["access_token"])
    assert principal.institution == "HRB-06" and principal.roles == {"board"}
    assert Path(demo_seed.__file__).read_text().count("local runs only") >= 1


def test_the_demo_seed_gives_existing_demo_users_without_an_address_theirs(identity, identity_db, add_user, capsys):
    from identity import demo_seed

    add_user("gov-06")  # as an older seed left it: no address
    add_user("admin", "PRESIDENCY", ("admin",), email="root@cimer.gov.tr")
    add_user("someone-else", "GOV-06", ("officer",))  # not a demo user: left alone
    demo_seed.main()
    assert "10 demo users added" in capsys.readouterr().out
    with Session(identity_db) as session:
        emails = {u.username: u.email for u in session.scalars(select(User))}
        lines = session.scalars(select(AuditRecord).where(AuditRecord.action == "user_email_changed")).all()
    assert emails["gov-06"] == "gov-06@demo.cimer.gov.tr"
    assert emails["admin"] == "root@cimer.gov.tr"
    assert emails["someone-else"] is None
    assert [(line.actor_username, line.target) for line in lines] == [("cimer-demo-seed", "gov-06")]


# --- E-mail addresses ------------------------------------------------------------------------------------------


def test_an_administrator_gives_a_user_an_email_address_and_changes_it(identity, routing, call, identity_db):
    token = admin_token()
    created = call(identity, "create_user", token, "gov-06", PASSWORD, "GOV-06", ["officer"], email=" g@gov.tr ")
    assert created["email"] == "g@gov.tr"
    assert call(identity, "create_user", token, "gov-34", PASSWORD, "GOV-34", ["officer"])["email"] is None
    assert call(identity, "update_user", token, "gov-06", active=True)["email"] == "g@gov.tr"  # not given: kept
    assert call(identity, "update_user", token, "gov-06", email="new@gov.tr")["email"] == "new@gov.tr"
    assert call(identity, "update_user", token, "gov-06", email="new@gov.tr")["email"] == "new@gov.tr"  # no change
    assert call(identity, "update_user", token, "gov-34", email="shared@gov.tr")["email"] == "shared@gov.tr"
    assert [u["email"] for u in call(identity, "list_users", token)] == ["new@gov.tr", "shared@gov.tr"]  # not unique
    assert call(identity, "update_user", token, "gov-06", email="")["email"] is None  # removed
    with Session(identity_db) as session:
        actions = session.scalars(select(AuditRecord.action).order_by(AuditRecord.id)).all()
    assert [a for a in actions if a == "user_email_changed"] == ["user_email_changed"] * 3


def test_a_login_survives_a_new_email_address(identity, call, add_user, revocations, amqp_uri):
    add_user("gov-06")
    pair = call(identity, "login", "gov-06", PASSWORD, ADDRESS)
    call(identity, "update_user", admin_token(), "gov-06", email="g@gov.tr")
    no_event(amqp_uri, revocations)
    assert call(identity, "refresh", pair["refresh_token"], ADDRESS)["access_token"]


@pytest.mark.parametrize("email", ["gov-06", "a@b@c", "@gov.tr", "gov@", "x" * 320 + "@gov.tr", 42])
def test_a_bad_email_address_is_refused(identity, routing, call, add_user, email):
    add_user("gov-06")
    token = admin_token()
    assert refusal(
        call,
        identity,
        "create_user",
        token,
        "new-user",
        PASSWORD,
        "GOV-06",
        ["officer"],
        email=email,
        expected=InvalidRequest,
    ).args == ("invalid_email", "email")
    assert refusal(call, identity, "update_user", token, "gov-06", email=email, expected=InvalidRequest).args == (
        "invalid_email",
        "email",
    )
    assert call(identity, "list_users", token)[0]["email"] is None


# --- Whom notices reach ------------------------------------------------------------------------------------------


def test_officer_contacts_are_the_institution_s_active_officers_with_an_address(identity, call, add_user):
    add_user("gov-06-b", "GOV-06", ("officer",), email="b@gov.tr")
    add_user("gov-06-a", "GOV-06", ("coordinator",), email="a@gov.tr")
    add_user("gov-06-board", "GOV-06", ("board", "call_centre"), email="board@gov.tr")
    add_user("gov-06-shared", "GOV-06", ("officer",), email="a@gov.tr")  # an address may be shared
    add_user("gov-06-none", "GOV-06", ("officer",))  # no address
    add_user("gov-06-gone", "GOV-06", ("officer",), email="gone@gov.tr", active=False)
    add_user("cc-06", "GOV-06", ("call_centre",), email="cc@gov.tr")
    add_user("admin", "GOV-06", ("admin",), email="admin@gov.tr")
    add_user("gov-34", "GOV-34", ("officer",), email="34@gov.tr")

    def ask(*wanted):
        return call(identity, "officer_contacts", [{"institution": i, "coordinators_only": c} for i, c in wanted])

    gov_06 = [
        {"username": "gov-06-a", "email": "a@gov.tr"},
        {"username": "gov-06-b", "email": "b@gov.tr"},
        {"username": "gov-06-board", "email": "board@gov.tr"},
        {"username": "gov-06-shared", "email": "a@gov.tr"},
    ]
    # A round's institutions in one call, answered in the order asked.
    assert ask(("GOV-06", False), ("GOV-06", True), ("GOV-34", False), ("GOV-34", True), ("NO-SUCH", False)) == [
        gov_06,
        [{"username": "gov-06-a", "email": "a@gov.tr"}],
        [{"username": "gov-34", "email": "34@gov.tr"}],
        [],
        [],
    ]
    assert call(identity, "officer_contacts", [{"institution": "GOV-34"}]) == [
        [{"username": "gov-34", "email": "34@gov.tr"}]
    ]
    assert call(identity, "officer_contacts", []) == []
    for bad, field in (
        (None, "institutions"),
        ("GOV-06", "institutions"),
        (["GOV-06"], "institutions"),
        ([{"institution": None}], "institution"),
        ([{"institution": "GOV-06", "coordinators_only": "yes"}], "coordinators_only"),
        ([{"institution": "GOV-06"}] * 501, "institutions"),
    ):
        assert refusal(call, identity, "officer_contacts", bad, expected=InvalidRequest).args == (
            "invalid_request",
            field,
        )
