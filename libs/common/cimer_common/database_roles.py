"""One PostgreSQL role per service, least privilege: who may connect to a service's database, and what each may do.

Each service's database has two roles of its own (names from the settings' URLs; by default `cimer_<s>_owner`
and `cimer_<s>`), neither a superuser nor able to create databases or roles:

- the **owner** owns the database and every object in its schema `public`: migrations run as it;
- the **runtime** role, the running service's, may connect and read and write the tables and sequences, and
  nothing else: no CREATE on the schema, so no table, index or function of its own, and no ALTER or DROP, which
  only an owner may do.

No one else may connect (`REVOKE ALL ON DATABASE … FROM PUBLIC`), so one service's roles cannot read another
service's database. The roles are cluster-wide: a service's development, test and benchmark databases share them.

`provision` does the administrator's part (roles, the database, ownership of what is already there), as the
superuser of DATABASE_ADMIN_URL (DATABASE_SERVER by default); `grant_runtime` the owner's part (the runtime
role's rights), as the owner. Both are idempotent: `cimer-migrate` runs them on every start.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

from cimer_common.settings import Settings, get_settings

# Serialises provisioning between processes (two `cimer-migrate`s, a test run beside `make up`): CREATE ROLE and
# GRANT racing each other fail with "tuple concurrently updated".
PROVISION_LOCK = 0x43494D4552  # "CIMER"

# What the runtime role may do to the service's tables and sequences: rows, never the schema.
TABLE_RIGHTS = sql.SQL("SELECT, INSERT, UPDATE, DELETE")
SEQUENCE_RIGHTS = sql.SQL("USAGE, SELECT, UPDATE")


@dataclass(frozen=True)
class ServiceDatabase:
    service: str
    database: str
    owner: str
    owner_password: str | None
    runtime: str
    runtime_password: str | None


def service_database(service: str, settings: Settings | None = None) -> ServiceDatabase:
    """The database and the two roles of `service`, as its URLs name them."""
    settings = settings or get_settings()
    owner = make_url(settings.owner_database_url(service))
    runtime = make_url(settings.database_url(service))
    if owner.database != runtime.database:
        raise ValueError(f"{service}: the owner's URL names {owner.database!r}, the runtime's {runtime.database!r}")
    if not owner.username or not runtime.username:
        raise ValueError(f"{service}: the database URLs must name their role")
    return ServiceDatabase(
        service, owner.database or "", owner.username, owner.password, runtime.username, runtime.password
    )


def libpq(url: str) -> str:
    """A SQLAlchemy URL (`postgresql+psycopg://…`) as psycopg takes it."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@contextmanager
def _connect(url: str, autocommit: bool = True) -> Iterator[psycopg.Connection]:
    with psycopg.connect(libpq(url), autocommit=autocommit) as connection:
        yield connection


def _ensure_role(connection: psycopg.Connection, name: str, password: str | None) -> None:
    exists = connection.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)).fetchone()
    verb = sql.SQL("ALTER") if exists else sql.SQL("CREATE")
    # Set again each time, so a role someone widened by hand is brought back to what it must be.
    statement = sql.SQL(
        "{} ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT"
    ).format(verb, sql.Identifier(name))
    if password is not None:
        statement = sql.SQL("{} PASSWORD {}").format(statement, sql.Literal(password))
    connection.execute(statement)


def provision(service: str, settings: Settings | None = None) -> ServiceDatabase:
    """As administrator: the two roles, the database owned by the owner (created if missing), ownership of every
    object already in its schema `public` (a database made and migrated by the superuser before there were
    roles), and no one but the service's roles allowed in."""
    settings = settings or get_settings()
    target = service_database(service, settings)
    if target.owner == target.runtime:
        raise ValueError(f"{service}: the owner and the runtime role must differ (both are {target.owner!r})")
    with _connect(settings.admin_url()) as admin:
        admin.execute("SELECT pg_advisory_lock(%s)", (PROVISION_LOCK,))
        try:
            _ensure_role(admin, target.owner, target.owner_password)
            _ensure_role(admin, target.runtime, target.runtime_password)
            database, owner = sql.Identifier(target.database), sql.Identifier(target.owner)
            exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (target.database,)).fetchone()
            if exists:
                admin.execute(sql.SQL("ALTER DATABASE {} OWNER TO {}").format(database, owner))
            else:
                admin.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(database, owner))
            admin.execute(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(database))
            with _connect(settings.admin_url(target.database), autocommit=False) as inside:
                hand_over(inside, target.owner)
                inside.commit()
        finally:
            admin.execute("SELECT pg_advisory_unlock(%s)", (PROVISION_LOCK,))
    return target


# The objects of schema `public` not owned by `owner`, as (ALTER's keyword, name), but for the members of extensions
# (pg_trgm's functions stay the extension's).
_RELATIONS = """
    SELECT CASE o.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                          WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END,
           quote_ident(o.relname)
    FROM pg_class o
    WHERE o.relnamespace = 'public'::regnamespace AND o.relowner <> %(owner)s::regrole
      AND o.relkind::text = ANY(%(kinds)s)
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = o.oid
                      AND d.deptype = 'e')
"""
_ROUTINES = """
    SELECT 'ROUTINE', o.oid::regprocedure::text FROM pg_proc o
    WHERE o.pronamespace = 'public'::regnamespace AND o.proowner <> %(owner)s::regrole
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = o.oid
                      AND d.deptype = 'e')
"""
# Enums, domains, ranges and stand-alone composite types; a table's row type and the arrays follow their owner.
_TYPES = """
    SELECT 'TYPE', quote_ident(o.typname) FROM pg_type o LEFT JOIN pg_class c ON c.oid = o.typrelid
    WHERE o.typnamespace = 'public'::regnamespace AND o.typowner <> %(owner)s::regrole
      AND (o.typtype IN ('e', 'd', 'r', 'm') OR (o.typtype = 'c' AND c.relkind = 'c'))
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass AND d.objid = o.oid
                      AND d.deptype = 'e')
"""


def hand_over(connection: psycopg.Connection, owner: str) -> None:
    """Make `owner` the owner of schema `public` (unless the database's owner owns it, as from PostgreSQL 15) and of
    every object in it: tables, views, sequences, functions (the trigger functions too), types. Not REASSIGN OWNED,
    which would take everything the previous owner has in the database, whoever's it is."""
    public_owner = connection.execute("SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = 'public'")
    if public_owner.fetchone() not in {("pg_database_owner",), (owner,)}:
        connection.execute(sql.SQL("ALTER SCHEMA public OWNER TO {}").format(sql.Identifier(owner)))
    steps = [
        # Tables first: each takes its indexes, triggers and its columns' sequences along, and PostgreSQL refuses
        # to move such a sequence on its own; then the sequences left (stand-alone ones).
        (_RELATIONS, ["r", "p", "v", "m", "f"]),
        (_RELATIONS, ["S"]),
        (_ROUTINES, []),
        (_TYPES, []),
    ]
    for query, kinds in steps:
        for keyword, name in connection.execute(query, {"owner": owner, "kinds": kinds}).fetchall():
            connection.execute(
                sql.SQL("ALTER {} {} OWNER TO {}").format(sql.SQL(keyword), sql.SQL(name), sql.Identifier(owner))
            )


def grant_runtime(owner_url: str, runtime: str, database: str) -> None:
    """As the owner: the runtime role may connect, use schema `public` and read and write every table and sequence,
    those there now and those later migrations create; no one else may connect, and no one may create in `public`.
    """
    role, db = sql.Identifier(runtime), sql.Identifier(database)
    statements: list[sql.Composed | sql.SQL] = [
        sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(db),
        sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(db, role),
        # PostgreSQL 15 no longer grants it; an older server, or a database restored from one, still may.
        sql.SQL("REVOKE CREATE ON SCHEMA public FROM PUBLIC"),
        sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(role),
        sql.SQL("GRANT {} ON ALL TABLES IN SCHEMA public TO {}").format(TABLE_RIGHTS, role),
        sql.SQL("GRANT {} ON ALL SEQUENCES IN SCHEMA public TO {}").format(SEQUENCE_RIGHTS, role),
        sql.SQL("ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT {} ON TABLES TO {}").format(TABLE_RIGHTS, role),
        sql.SQL("ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT {} ON SEQUENCES TO {}").format(SEQUENCE_RIGHTS, role),
    ]
    with _connect(owner_url, autocommit=False) as connection:
        connection.execute("SELECT pg_advisory_xact_lock(%s)", (PROVISION_LOCK,))  # replicas migrating at once
        for statement in statements:
            connection.execute(statement)
        connection.commit()


def drop_database(database: str, settings: Settings | None = None) -> None:
    """As administrator; the roles stay (other databases of the same service may be theirs)."""
    settings = settings or get_settings()
    with _connect(settings.admin_url()) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database)))
