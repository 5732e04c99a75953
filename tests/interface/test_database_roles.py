"""One PostgreSQL role per service, least privilege (`cimer_common.database_roles`), proved on the real server.

Each service's test database is provisioned and migrated as `cimer-migrate` does it (`reset_database`); then each
role is tried for what it may and may not do, by connecting as it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
from alembic import command
from psycopg import errors
from sqlalchemy.engine import make_url

from cimer_common import database_roles
from cimer_common.migrate import alembic_config, upgrade
from cimer_common.settings import SERVICES, get_settings
from cimer_common.testing import reset_database

pytestmark = pytest.mark.interface


@pytest.fixture(scope="module", autouse=True)
def databases() -> None:
    for service in SERVICES:
        reset_database(service)


@contextmanager
def connect(url: str, database: str | None = None) -> Iterator[psycopg.Connection]:
    """A connection as the URL's role, to its database or to `database`, each statement committed on its own."""
    parsed = make_url(url)
    if database is not None:
        parsed = parsed.set(database=database)
    with psycopg.connect(database_roles.libpq(parsed.render_as_string(hide_password=False)), autocommit=True) as c:
        yield c


def runtime_url(service: str) -> str:
    return get_settings().database_url(service)


def owner_url(service: str) -> str:
    return get_settings().owner_database_url(service)


def role(url: str) -> str:
    return make_url(url).username or ""


def test_each_service_has_two_roles_of_its_own_neither_of_them_privileged() -> None:
    names = {role(url(service)) for service in SERVICES for url in (runtime_url, owner_url)}
    assert len(names) == 2 * len(SERVICES), "no role shared between services, nor between owner and runtime"
    with connect(get_settings().admin_url()) as admin:
        rows = admin.execute(
            "SELECT rolname, rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls, rolcanlogin "
            "FROM pg_roles WHERE rolname = ANY(%s)",
            (sorted(names),),
        ).fetchall()
    assert {row[0] for row in rows} == names
    for name, *attributes, can_login in rows:
        assert attributes == [False] * 5, f"{name}: superuser, createdb, createrole, replication or bypassrls"
        assert can_login, name


def test_the_runtime_role_reads_and_writes_its_own_tables() -> None:
    with connect(runtime_url("intake")) as connection:
        row_id = connection.execute(
            "INSERT INTO status_lookup_failures (client_address, at) VALUES ('192.0.2.1', now()) RETURNING id"
        ).fetchone()[0]
        connection.execute("UPDATE status_lookup_failures SET client_address = '192.0.2.2' WHERE id = %s", (row_id,))
        assert connection.execute(
            "SELECT client_address FROM status_lookup_failures WHERE id = %s", (row_id,)
        ).fetchone() == ("192.0.2.2",)
        connection.execute("DELETE FROM status_lookup_failures WHERE id = %s", (row_id,))
        assert connection.execute("SELECT 1 FROM status_lookup_failures WHERE id = %s", (row_id,)).fetchone() is None
        # The tracking numbers' stand-alone sequence, made by a migration.
        assert connection.execute("SELECT nextval('tracking_number_seq')").fetchone()[0] >= 1


@pytest.mark.parametrize("service", SERVICES)
def test_the_runtime_role_may_read_and_write_every_table_and_sequence(service: str) -> None:
    runtime = role(runtime_url(service))
    with connect(owner_url(service)) as connection:
        tables = connection.execute(
            "SELECT c.relname, c.relkind FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace "
            "AND c.relkind IN ('r', 'S') "
            "AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')"
        ).fetchall()
        assert tables
        for name, kind in tables:
            rights = ("SELECT", "INSERT", "UPDATE", "DELETE") if kind == "r" else ("USAGE", "SELECT", "UPDATE")
            check = "has_table_privilege" if kind == "r" else "has_sequence_privilege"
            for right in rights:
                granted = connection.execute(f"SELECT {check}(%s, %s, %s)", (runtime, name, right)).fetchone()[0]
                assert granted, f"{runtime}: {right} on {name}"
            if kind == "r":
                for right in ("TRUNCATE", "REFERENCES", "TRIGGER"):
                    granted = connection.execute(f"SELECT {check}(%s, %s, %s)", (runtime, name, right)).fetchone()[0]
                    assert not granted, f"{runtime}: {right} on {name}"


@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize(
    "statement",
    [
        "CREATE TABLE intruder (id int)",
        "ALTER TABLE alembic_version ADD COLUMN intruder int",
        "DROP TABLE alembic_version",
        "CREATE INDEX intruder ON alembic_version (version_num)",
        "CREATE FUNCTION intruder() RETURNS int LANGUAGE sql AS 'SELECT 1'",
        "CREATE VIEW intruder AS SELECT 1 AS one",
        "CREATE SCHEMA intruder",
        "CREATE TEMPORARY TABLE intruder (id int)",
        "TRUNCATE alembic_version",
        "CREATE DATABASE intruder",
        "CREATE ROLE intruder",
    ],
)
def test_the_runtime_role_cannot_change_the_schema(service: str, statement: str) -> None:
    with connect(runtime_url(service)) as connection, pytest.raises(errors.InsufficientPrivilege):
        connection.execute(statement)


@pytest.mark.parametrize("service", SERVICES)
def test_no_role_of_a_service_can_connect_to_another_services_database(service: str) -> None:
    for url in (runtime_url(service), owner_url(service)):
        for other in SERVICES:
            if other == service:
                continue
            database = get_settings().database_name(other)
            with (
                pytest.raises(psycopg.OperationalError, match="permission denied for database"),
                connect(url, database),
            ):
                pass


@pytest.mark.parametrize("service", SERVICES)
def test_neither_role_can_create_a_database_or_a_role(service: str) -> None:
    for url in (runtime_url(service), owner_url(service)):
        with connect(url) as connection:
            with pytest.raises(errors.InsufficientPrivilege):
                connection.execute(f"CREATE DATABASE intruder_{uuid.uuid4().hex}")
            with pytest.raises(errors.InsufficientPrivilege):
                connection.execute("CREATE ROLE intruder")


def not_owned(connection: psycopg.Connection, owner: str) -> list[tuple[str, str]]:
    """What in schema `public` `owner` does not own, but for the members of extensions (pg_trgm's functions)."""
    return connection.execute(
        """
        SELECT 'relation', relname FROM pg_class c
        WHERE relnamespace = 'public'::regnamespace AND relowner <> %(owner)s::regrole
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                          AND d.deptype = 'e')
        UNION ALL
        SELECT 'function', proname FROM pg_proc p
        WHERE pronamespace = 'public'::regnamespace AND proowner <> %(owner)s::regrole
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                          AND d.deptype = 'e')
        """,
        {"owner": owner},
    ).fetchall()


@pytest.mark.parametrize("service", SERVICES)
def test_migrations_ran_as_the_owner_which_owns_the_database_and_everything_in_it(service: str) -> None:
    owner = role(owner_url(service))
    with connect(owner_url(service)) as connection:
        database_owner = connection.execute(
            "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()"
        ).fetchone()
        assert database_owner == (owner,)
        # Alembic's own table and every table the migrations made: made by whoever ran them, so by the owner.
        tables = connection.execute(
            "SELECT tablename, tableowner FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
        ).fetchall()
        assert ("alembic_version", owner) in tables
        assert {table_owner for _, table_owner in tables} == {owner}
        assert not_owned(connection, owner) == []
        # Only the service's two roles (and superusers) may connect.
        allowed = connection.execute(
            "SELECT r.rolname FROM pg_roles r WHERE NOT r.rolsuper "
            "AND has_database_privilege(r.oid, current_database(), 'CONNECT') ORDER BY 1"
        ).fetchall()
        assert {name for (name,) in allowed} == {owner, role(runtime_url(service))}


def test_the_directory_trigger_works_for_the_runtime_role() -> None:
    """Routing's trigger function (migration 0004, made by the owner) runs as whoever changes `institutions`: the
    runtime role, which may write `directory_version`."""
    with connect(runtime_url("routing")) as connection:
        before = connection.execute("SELECT token FROM directory_version WHERE id = 1").fetchone()
        connection.execute("INSERT INTO institutions (code, name, type) VALUES ('TEST-ROLES', 'Deneme', 'ministry')")
        after = connection.execute("SELECT token FROM directory_version WHERE id = 1").fetchone()
        connection.execute("DELETE FROM institutions WHERE code = 'TEST-ROLES'")
    assert after is not None and after != before


def test_migrating_again_changes_nothing() -> None:
    upgrade("intake")
    with connect(owner_url("intake")) as connection:
        assert not_owned(connection, role(owner_url("intake"))) == []
    with connect(runtime_url("intake")) as connection:
        connection.execute("SELECT count(*) FROM applications")
        with pytest.raises(errors.InsufficientPrivilege):
            connection.execute("CREATE TABLE intruder (id int)")


def test_a_database_made_and_migrated_by_the_superuser_is_handed_over_to_the_owner(monkeypatch) -> None:
    """What a developer's machine has from before the roles: `cimer-migrate` hands it over, without REASSIGN OWNED,
    and the runtime role then works in it while the extension's objects stay the superuser's."""
    settings = get_settings()
    monkeypatch.setenv("DATABASE_PREFIX", f"{settings.database_prefix}legacy_")
    legacy = get_settings()
    database = legacy.database_name("routing")
    database_roles.drop_database(database)
    try:
        with connect(legacy.admin_url()) as admin:
            admin.execute(f'CREATE DATABASE "{database}"')
        command.upgrade(alembic_config("routing", legacy.admin_url(database)), "head")
        with connect(legacy.admin_url(database)) as admin:
            superuser = admin.execute("SELECT current_user").fetchone()[0]
            assert admin.execute("SELECT tableowner FROM pg_tables WHERE tablename = 'institutions'").fetchone() == (
                superuser,
            )

        upgrade("routing")

        owner = role(legacy.owner_database_url("routing"))
        with connect(legacy.owner_database_url("routing")) as connection:
            assert not_owned(connection, owner) == []
            extension_owner = connection.execute(
                "SELECT DISTINCT pg_get_userbyid(proowner) FROM pg_proc p JOIN pg_depend d "
                "ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'"
            ).fetchall()
            assert extension_owner == [(superuser,)], "pg_trgm's functions stay where they were"
        with connect(legacy.database_url("routing")) as connection:
            connection.execute("INSERT INTO institutions (code, name, type) VALUES ('TEST-ROLES', 'D', 'ministry')")
            with pytest.raises(errors.InsufficientPrivilege):
                connection.execute("DROP TABLE institutions")
        with (
            pytest.raises(psycopg.OperationalError, match="permission denied for database"),
            connect(runtime_url("intake"), database),
        ):
            pass
    finally:
        database_roles.drop_database(database)
