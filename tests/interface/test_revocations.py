"""A session ended early is refused by every service that takes tokens, not only by the gateway: at once when
identity announces it, and from identity's own list for a process that was not listening then. A service that
does not yet know the revoked sessions serves no token at all. Intake and identity, on the real broker and
databases."""

import uuid
from datetime import UTC, datetime

import pytest
from nameko.testing.services import entrypoint_hook

from cimer_common.errors import NotReady, Unauthorized
from cimer_common.events import SessionRevoked
from cimer_common.testing import event, publish, publish_raw, service_database, token_for, wait_until
from identity import passwords
from identity.models import User

pytestmark = pytest.mark.interface

PASSWORD = "correct horse battery"


def call(container, method, *args, **kwargs):
    with entrypoint_hook(container, method) as hook:
        return hook(*args, **kwargs)


def answer(intake, token):
    """What intake's inbox says to `token`: "ok", or the refusal's code."""
    try:
        call(intake, "inbox", token)
    except (Unauthorized, NotReady) as refusal:
        return refusal.code
    return "ok"


def revoked(session_id):
    return event(
        "identity",
        "session_revoked",
        SessionRevoked(session_id=session_id, user_id=str(uuid.uuid4()), reason="logout", revoked_at=datetime.now(UTC)),
    )


def test_a_service_serves_no_token_before_it_knows_the_revoked_sessions_then_refuses_one_at_once(
    start_service, amqp_uri
):
    intake = start_service("intake", revocations_known=False)  # identity is not running yet
    ended, kept = str(uuid.uuid4()), str(uuid.uuid4())
    ending = token_for("pd-06", "GOV-06", "officer", session_id=ended)
    other = token_for("pd-06", "GOV-06", "officer", session_id=kept)
    assert answer(intake, ending) == "service_unavailable"

    start_service("identity")  # now identity answers: no session revoked yet
    wait_until(lambda: answer(intake, ending) == "ok")

    publish(amqp_uri, revoked(ended))
    wait_until(lambda: answer(intake, ending) == "session_revoked")
    assert answer(intake, other) == "ok"

    # An announcement identity did not send (the broker vouches for its sender) changes nothing.
    forged = revoked(kept).model_dump(mode="json")
    publish_raw(amqp_uri, "identity", "session_revoked", forged, sender="routing")
    later = str(uuid.uuid4())
    publish(amqp_uri, revoked(later))  # a real one after it, on the same queue: once it is heard, so was the forgery
    wait_until(lambda: answer(intake, token_for("pd-06", "GOV-06", "officer", session_id=later)) == "session_revoked")
    assert answer(intake, other) == "ok"


def test_a_session_ended_while_a_service_was_not_listening_is_refused_from_identitys_list(start_service, amqp_uri):
    identity = start_service("identity")
    with service_database(identity) as session:
        session.add(
            User(
                username="pd-06-saglik",
                password_hash=passwords.hash_password(PASSWORD),
                institution="PD-06-SAGLIK",
                roles=["officer"],
                active=True,
            )
        )
    token = call(identity, "login", "pd-06-saglik", PASSWORD, "192.0.2.1")["access_token"]
    call(identity, "logout", token)  # announced before intake exists

    intake = start_service("intake", revocations_known=False)
    wait_until(lambda: answer(intake, token) != "service_unavailable")
    assert answer(intake, token) == "session_revoked"
