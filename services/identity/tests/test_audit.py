"""Interface tests of the audit trail: activity from other services comes in once, concurrent writers keep one
chain, and `cimer-audit-verify` sees a changed, deleted or inserted record."""

import subprocess
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

import eventlet
import pytest
from nameko.testing.services import entrypoint_waiter
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session

from cimer_common.envelope import Envelope
from cimer_common.testing import publish, wait_until
from identity import audit_verify
from identity.models import AuditRecord

pytestmark = pytest.mark.interface

PASSWORD = "correct horse battery"


def activity(event_id=None, **overrides):
    payload = {
        "actor_user_id": str(uuid.uuid4()),
        "actor_username": "gov-06",
        "actor_institution": "GOV-06",
        "action": "read_personal_data",
        "target": "260000000018",
        "client_address": "192.0.2.30",
        "outcome": "ok",
        "at": datetime.now(UTC).isoformat(),
        **overrides,
    }
    return Envelope(
        id=event_id or uuid.uuid4(), type="activity_recorded", version=1, producer="intake", payload=payload
    )


def verify(capsys):
    with pytest.raises(SystemExit) as exit_:
        audit_verify.main([])
    out = capsys.readouterr()
    return exit_.value.code, out.out + out.err


def test_an_activity_is_appended_once_however_often_it_is_delivered(identity, amqp_uri, identity_db):
    event = activity()
    for _ in range(2):
        with entrypoint_waiter(identity, "handle_activity_recorded"):
            publish(amqp_uri, event)
    with Session(identity_db) as session:
        [line] = session.scalars(select(AuditRecord)).all()
    assert line.event_id == event.id and line.action == "read_personal_data" and line.target == "260000000018"
    assert (line.actor_username, line.actor_institution, line.client_address) == ("gov-06", "GOV-06", "192.0.2.30")
    assert line.at == datetime.fromisoformat(event.payload["at"])


def test_a_national_id_in_an_activity_is_masked_before_it_is_kept(identity, amqp_uri, identity_db):
    with entrypoint_waiter(identity, "handle_activity_recorded"):
        publish(amqp_uri, activity(target="10000000146", actor_username="x10000000146y"))
    with Session(identity_db) as session:
        line = session.scalars(select(AuditRecord)).one()
    assert (line.target, line.actor_username) == ("10*******46", "x10*******46y")


def test_concurrent_writers_keep_one_chain(identity, call, add_user, amqp_uri, identity_db, capsys):
    add_user("gov-06")
    for n in range(30):
        publish(amqp_uri, activity(target=f"2600000{n:04d}0"))
    logins = [
        eventlet.spawn(call, identity, "login", "gov-06", PASSWORD, f"192.0.2.{n}")
        for n in range(5)  # a login holds its transaction through an argon2 check: writers really overlap
    ]
    for login in logins:
        login.wait()

    def count():
        with Session(identity_db) as session:
            return session.scalar(select(func.count()).select_from(AuditRecord))

    wait_until(lambda: count() == 35)
    code, output = verify(capsys)
    assert code == 0 and "35 records" in output


def test_the_verify_command_passes_then_names_a_changed_record(identity, call, add_user, identity_db, capsys):
    add_user("gov-06")
    for n in range(3):
        call(identity, "login", "gov-06", PASSWORD, f"192.0.2.{n}")
    code, output = verify(capsys)
    assert code == 0 and "intact: 3 records" in output

    with identity_db.begin() as connection:
        connection.execute(text("UPDATE audit_log SET target = 'someone-else' WHERE id = 2"))
    code, output = verify(capsys)
    assert code == 1 and "record 2" in output and "hash does not match" in output


def test_the_verify_command_names_the_record_after_a_deleted_or_inserted_one(
    identity, call, add_user, identity_db, capsys
):
    add_user("gov-06")
    for n in range(4):
        call(identity, "login", "gov-06", PASSWORD, f"192.0.2.{n}")

    with identity_db.begin() as connection:
        connection.execute(text("DELETE FROM audit_log WHERE id = 2"))
    code, output = verify(capsys)
    assert code == 1 and "record 3" in output

    # Put a record back where the deleted one was, with a well-formed hash of its own: the chain still breaks.
    with identity_db.begin() as connection:
        first = connection.execute(text("SELECT hash FROM audit_log WHERE id = 1")).scalar_one()
        connection.execute(
            text(
                "INSERT INTO audit_log (id, at, action, outcome, previous_hash, hash)"
                " VALUES (2, now(), 'login', 'ok', :previous, :hash)"
            ),
            {"previous": first, "hash": "f" * 64},
        )
    code, output = verify(capsys)
    assert code == 1 and "record 2" in output

    with identity_db.begin() as connection:
        connection.execute(text("DELETE FROM audit_log WHERE id = 2"))
        connection.execute(
            text(
                "INSERT INTO audit_log (id, at, action, outcome, previous_hash, hash)"
                " VALUES (10, now(), 'x', 'ok', '', '')"
            )
        )
    code, output = verify(capsys)
    assert code == 1 and "record 3" in output  # the first break is still the one after the gap


def test_the_console_script_checks_the_database_the_environment_names(identity, call, add_user, identity_db):
    script = Path(sys.executable).parent / "cimer-audit-verify"
    add_user("gov-06")
    call(identity, "login", "gov-06", PASSWORD, "192.0.2.1")
    intact = subprocess.run([script], capture_output=True, text=True, timeout=60, check=False)
    assert intact.returncode == 0 and "intact: 1 records" in intact.stdout

    with identity_db.begin() as connection:
        connection.execute(text("UPDATE audit_log SET outcome = 'refused'"))
    broken = subprocess.run([script], capture_output=True, text=True, timeout=60, check=False)
    assert broken.returncode == 1 and "broken at record 1" in broken.stderr


def test_routing_activity_is_appended_once_like_intakes(identity, amqp_uri, identity_db):
    forwarded = activity(action="forward", target="260000000018", actor_institution="GOV-06").model_copy(
        update={"producer": "routing"}
    )
    answered = activity(action="answer").model_copy(update={"producer": "routing"})
    for event in (forwarded, forwarded, answered):
        with entrypoint_waiter(identity, "handle_routing_activity_recorded"):
            publish(amqp_uri, event)
    with Session(identity_db) as session:
        lines = session.scalars(select(AuditRecord).order_by(AuditRecord.id)).all()
    assert [(line.event_id, line.action) for line in lines] == [(forwarded.id, "forward"), (answered.id, "answer")]


def _old_chain_database(name: str, records: int, tamper: bool = False) -> str:
    """A database of its own at migration 0004, holding a chain hashed over the addresses themselves, as the trail
    was written before 0005. Returns the owner's URL."""
    import hashlib
    import json

    import psycopg
    from alembic import command
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from cimer_common.migrate import alembic_config
    from cimer_common.settings import get_settings

    settings = get_settings()
    owner = make_url(settings.owner_database_url("identity")).set(database=name)
    admin_url = make_url(settings.admin_url()).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}" OWNER "{owner.username}"')
    url = owner.render_as_string(hide_password=False)
    command.upgrade(alembic_config("identity", url), "0004")
    engine = create_engine(url)
    previous = "0" * 64
    with engine.begin() as connection:
        for n in range(records):
            at = datetime(2026, 1, 1, 9, n, tzinfo=UTC)
            fields = {
                "at": at.isoformat(timespec="microseconds"), "action": "login", "outcome": "ok",
                "actor_user_id": None, "actor_username": f"user-{n}", "actor_institution": "GOV-06",
                "target": None, "client_address": f"192.0.2.{n}" if n % 2 == 0 else None, "event_id": None,
            }  # fmt: skip
            digest = hashlib.sha256(
                (previous + json.dumps(fields, sort_keys=True, separators=(",", ":"))).encode()
            ).hexdigest()
            connection.execute(
                text(
                    "INSERT INTO audit_log (at, action, outcome, actor_username, actor_institution, client_address,"
                    " previous_hash, hash) VALUES (:at, 'login', 'ok', :user, 'GOV-06', :address, :previous, :hash)"
                ),
                {"at": at, "user": fields["actor_username"], "address": fields["client_address"],
                 "previous": previous, "hash": digest},
            )  # fmt: skip
            previous = digest
        if tamper:
            connection.execute(text("UPDATE audit_log SET actor_username = 'someone-else' WHERE id = 2"))
    engine.dispose()
    return url


def test_migration_0005_reseals_a_chain_hashed_over_addresses_so_that_they_can_be_erased():
    from alembic import command

    from cimer_common.migrate import alembic_config

    url = _old_chain_database("cimer_test_identity_reseal", records=5)
    command.upgrade(alembic_config("identity", url), "head")
    assert audit_verify.verify(url).intact
    engine = create_engine(url)
    with engine.begin() as connection:
        rows = connection.execute(text("SELECT client_address, client_address_seal FROM audit_log ORDER BY id")).all()
        assert [address for address, _ in rows] == ["192.0.2.0", None, "192.0.2.2", None, "192.0.2.4"]
        assert all((seal is None) == (address is None) for address, seal in rows)
        connection.execute(text("UPDATE audit_log SET client_address = NULL, client_address_salt = NULL"))
    engine.dispose()
    assert audit_verify.verify(url).intact  # erased, and the chain still holds


def test_migration_0005_refuses_to_reseal_a_chain_that_is_already_broken():
    from alembic import command

    from cimer_common.migrate import alembic_config

    url = _old_chain_database("cimer_test_identity_reseal_broken", records=3, tamper=True)
    with pytest.raises(RuntimeError, match="broken at record 2"):
        command.upgrade(alembic_config("identity", url), "head")
