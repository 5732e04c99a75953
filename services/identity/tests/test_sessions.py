"""Interface tests of logins and sessions: the real identity service on its migrated database, through its
entrypoints, with the test run's signing keys."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from cimer_common.errors import InvalidRequest, TooManyRequests, Unauthorized
from cimer_common.settings import get_settings
from cimer_common.testing import gateway_call, next_event, no_event, token_for
from cimer_common.tokens import read_key, verify_access_token
from identity.models import AuditRecord, LoginFailure, UserSession

pytestmark = pytest.mark.interface

PASSWORD = "correct horse battery"
ADDRESS = "192.0.2.10"


def refusal(call, container, method, *args, expected=Unauthorized, **kwargs):
    with pytest.raises(expected) as caught:
        call(container, method, *args, **kwargs)
    return caught.value


def audit_lines(engine, action=None):
    with Session(engine) as session:
        statement = select(AuditRecord).order_by(AuditRecord.id)
        if action:
            statement = statement.where(AuditRecord.action == action)
        return session.scalars(statement).all()


# --- Login -----------------------------------------------------------------------------------------------------


def test_a_login_opens_a_session_whose_token_verifies_with_the_public_key(identity, call, add_user, identity_db):
    user = add_user("gov-06", "GOV-06", ("officer", "coordinator"))
    pair = call(identity, "login", "gov-06", PASSWORD, ADDRESS, "pytest/1.0")

    assert pair["token_type"] == "bearer" and pair["expires_in"] == 900
    assert pair["refresh_expires_in"] == pytest.approx(12 * 3600, abs=5) and len(pair["refresh_token"]) >= 43
    principal = verify_access_token(read_key(get_settings().jwt_public_key_file), pair["access_token"])
    assert principal.user_id == str(user.id) and principal.username == "gov-06"
    assert principal.institution == "GOV-06" and principal.roles == {"officer", "coordinator"}

    with Session(identity_db) as session:
        row = session.get(UserSession, uuid.UUID(principal.session_id))
        assert row is not None and row.user_id == user.id and row.revoked_at is None
        assert row.client_address == ADDRESS and row.user_agent == "pytest/1.0"
        assert row.expires_at - row.created_at == timedelta(hours=12)
        assert pair["refresh_token"] not in row.refresh_token_hash and len(row.refresh_token_hash) == 64
    [line] = audit_lines(identity_db, "login")
    assert (line.actor_username, line.actor_institution, line.target, line.outcome) == (
        "gov-06",
        "GOV-06",
        "gov-06",
        "ok",
    )
    assert line.client_address == ADDRESS


def test_the_username_is_not_case_sensitive(identity, call, add_user):
    add_user("gov-06")
    assert call(identity, "login", "GOV-06", PASSWORD, ADDRESS)["access_token"]


def test_a_wrong_password_an_unknown_user_and_a_disabled_user_get_one_answer(identity, call, add_user, identity_db):
    add_user("gov-06")
    add_user("gov-34", "GOV-34", active=False)
    wrong = refusal(call, identity, "login", "gov-06", "not the password", ADDRESS)
    unknown = refusal(call, identity, "login", "nobody-here", PASSWORD, ADDRESS)
    disabled = refusal(call, identity, "login", "gov-34", PASSWORD, ADDRESS)
    assert type(wrong) is type(unknown) is type(disabled) is Unauthorized
    assert wrong.args == unknown.args == disabled.args == ("invalid_credentials", None)

    lines = audit_lines(identity_db, "login_failed")
    assert [(line.target, line.outcome) for line in lines] == [
        ("gov-06", "invalid_credentials"),
        ("nobody-here", "invalid_credentials"),
        ("gov-34", "invalid_credentials"),
    ]
    assert all(line.actor_user_id is None and line.client_address == ADDRESS for line in lines)


def test_an_unknown_user_costs_an_argon2_check_like_a_wrong_password(identity, call, add_user):
    add_user("gov-06")
    refusal(call, identity, "login", "warm-up", PASSWORD, "192.0.2.99")

    def timed(username):
        start = datetime.now(UTC)
        refusal(call, identity, "login", username, "not the password", f"192.0.2.{len(username)}")
        return (datetime.now(UTC) - start).total_seconds()

    known, unknown = timed("gov-06"), timed("nobody-at-all")
    assert unknown > known / 3  # no shortcut: both do the hashing work


def test_a_national_id_typed_as_a_username_never_reaches_the_trail(identity, call, identity_db):
    refusal(call, identity, "login", "10000000146", PASSWORD, ADDRESS)
    with Session(identity_db) as session:
        assert session.scalars(select(LoginFailure.username)).all() == ["10*******46"]
    assert [line.target for line in audit_lines(identity_db)] == ["10*******46"]


def test_arguments_of_the_wrong_type_are_refused_not_crashed_on(identity, call):
    assert refusal(call, identity, "login", None, PASSWORD, ADDRESS, expected=InvalidRequest).args == (
        "invalid_request",
        "username",
    )
    assert refusal(call, identity, "refresh", None, ADDRESS).args[0] == "invalid_refresh_token"


# --- Throttle and lockout --------------------------------------------------------------------------------------


def test_five_failures_lock_a_username_out_before_the_password_is_checked(identity, call, add_user, identity_db):
    add_user("gov-06")
    for attempt in range(5):
        refusal(call, identity, "login", "gov-06", f"wrong {attempt}", f"198.51.100.{attempt}")
    locked = refusal(call, identity, "login", "gov-06", PASSWORD, "203.0.113.1", expected=TooManyRequests)
    assert locked.code == "too_many_attempts" and 880 <= int(locked.retry_after) <= 900
    assert locked.args == ("too_many_attempts", locked.retry_after)

    # The lockout answers alike for a username that does not exist.
    for attempt in range(5):
        refusal(call, identity, "login", "ghost", f"wrong {attempt}", "198.51.100.50")
    ghost = refusal(call, identity, "login", "ghost", PASSWORD, "198.51.100.51", expected=TooManyRequests)
    assert ghost.code == "too_many_attempts" and int(ghost.retry_after) > 0
    outcomes = [(line.target, line.outcome) for line in audit_lines(identity_db, "login_failed")]
    assert outcomes.count(("gov-06", "too_many_attempts")) == 1 and outcomes[-1] == ("ghost", "too_many_attempts")

    # Once the oldest failure has left the 15-minute window, one attempt more is allowed.
    with identity_db.begin() as connection:
        oldest = connection.execute(select(func.min(LoginFailure.at)).where(LoginFailure.username == "gov-06"))
        connection.execute(
            update(LoginFailure)
            .where(LoginFailure.username == "gov-06", LoginFailure.at == oldest.scalar_one())
            .values(at=datetime.now(UTC) - timedelta(minutes=16))
        )
    assert call(identity, "login", "gov-06", PASSWORD, ADDRESS)["access_token"]
    with Session(identity_db) as session:  # a successful login clears the username's failures
        assert session.scalar(select(func.count()).where(LoginFailure.username == "gov-06")) == 0


def test_twenty_failures_from_one_address_shut_it_out_for_every_username(identity, call, add_user):
    add_user("gov-06")
    for n in range(20):
        refusal(call, identity, "login", f"guess-{n}", "wrong", "203.0.113.66")
    locked = refusal(call, identity, "login", "gov-06", PASSWORD, "203.0.113.66", expected=TooManyRequests)
    assert locked.code == "too_many_attempts" and int(locked.retry_after) > 0
    assert call(identity, "login", "gov-06", PASSWORD, "203.0.113.67")["access_token"]  # another address may


def test_the_lockout_reaches_an_rpc_caller_with_its_retry_after(identity, call, amqp_uri):
    for attempt in range(5):
        refusal(call, identity, "login", "ghost", f"wrong {attempt}", ADDRESS)
    # Over the bus, as the gateway calls it.
    error = gateway_call(amqp_uri, "identity", "login", username="ghost", password=PASSWORD, client_address=ADDRESS)[
        "error"
    ]
    assert error["exc_type"] == "TooManyRequests"
    assert error["exc_args"][0] == "too_many_attempts" and int(error["exc_args"][1]) > 0


# --- Refresh ---------------------------------------------------------------------------------------------------


def test_a_refresh_rotates_and_a_reused_refresh_token_ends_the_session(
    identity, call, add_user, identity_db, revocations, amqp_uri
):
    add_user("gov-06")
    first = call(identity, "login", "gov-06", PASSWORD, ADDRESS)
    second = call(identity, "refresh", first["refresh_token"], ADDRESS)
    assert second["refresh_token"] != first["refresh_token"] and second["token_type"] == "bearer"
    public_key = read_key(get_settings().jwt_public_key_file)
    session_id = verify_access_token(public_key, first["access_token"]).session_id
    assert verify_access_token(public_key, second["access_token"]).session_id == session_id
    assert 0 < second["refresh_expires_in"] <= first["refresh_expires_in"]  # a refresh never extends the session

    # The replaced token comes back: someone copied it. Refused, and the session ends for both holders.
    assert refusal(call, identity, "refresh", first["refresh_token"], "203.0.113.5").args[0] == "invalid_refresh_token"
    event = next_event(amqp_uri, revocations)
    assert event["type"] == "session_revoked" and event["producer"] == "identity"
    assert event["payload"]["session_id"] == session_id and event["payload"]["reason"] == "refresh_reused"
    assert refusal(call, identity, "refresh", second["refresh_token"], ADDRESS).args[0] == "invalid_refresh_token"
    no_event(amqp_uri, revocations)  # ended once

    assert [r["session_id"] for r in call(identity, "revoked_sessions")] == [session_id]
    lines = audit_lines(identity_db)
    assert [(line.action, line.outcome) for line in lines] == [
        ("login", "ok"),
        ("refresh", "ok"),
        ("refresh_failed", "refresh_reused"),
        ("refresh_failed", "invalid_refresh_token"),
    ]


def test_an_unknown_or_expired_refresh_token_is_refused(identity, call, add_user, identity_db):
    add_user("gov-06")
    assert refusal(call, identity, "refresh", "x" * 43, ADDRESS).args[0] == "invalid_refresh_token"
    pair = call(identity, "login", "gov-06", PASSWORD, ADDRESS)
    with identity_db.begin() as connection:
        connection.execute(update(UserSession).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    assert refusal(call, identity, "refresh", pair["refresh_token"], ADDRESS).args[0] == "invalid_refresh_token"


# --- Logout and revocations ------------------------------------------------------------------------------------


def test_logout_ends_the_session_and_tells_the_gateways(identity, call, add_user, identity_db, revocations, amqp_uri):
    add_user("gov-06")
    pair = call(identity, "login", "gov-06", PASSWORD, ADDRESS)
    session_id = verify_access_token(read_key(get_settings().jwt_public_key_file), pair["access_token"]).session_id

    call(identity, "logout", pair["access_token"])
    event = next_event(amqp_uri, revocations)
    assert event["payload"]["session_id"] == session_id and event["payload"]["reason"] == "logout"
    [revoked] = call(identity, "revoked_sessions")
    assert revoked["session_id"] == session_id
    until = datetime.fromisoformat(revoked["until"])
    assert timedelta(minutes=14) < until - datetime.now(UTC) <= timedelta(minutes=15)

    call(identity, "logout", pair["access_token"])  # again: nothing more happens
    no_event(amqp_uri, revocations)
    assert refusal(call, identity, "refresh", pair["refresh_token"], ADDRESS).args[0] == "invalid_refresh_token"
    assert [line.action for line in audit_lines(identity_db)] == ["login", "logout", "refresh_failed"]

    with Session(identity_db) as session:
        row = session.get(UserSession, uuid.UUID(session_id))
        assert row.revoked_reason == "logout"


def test_logout_needs_a_valid_token(identity, call):
    assert refusal(call, identity, "logout", None).args[0] == "login_required"
    assert refusal(call, identity, "logout", "not.a.token").args[0] == "invalid_token"
    call(identity, "logout", token_for("gov-06", "GOV-06", "officer"))  # a session identity never opened: no-op


def test_revoked_sessions_forget_what_has_expired_anyway(identity, call, add_user, identity_db):
    add_user("gov-06")
    pair = call(identity, "login", "gov-06", PASSWORD, ADDRESS)
    call(identity, "logout", pair["access_token"])
    assert len(call(identity, "revoked_sessions")) == 1
    with identity_db.begin() as connection:
        connection.execute(text("UPDATE sessions SET revoked_at = now() - interval '16 minutes'"))
    assert call(identity, "revoked_sessions") == []
