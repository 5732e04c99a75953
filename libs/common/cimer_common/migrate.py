"""`cimer-migrate <service>...`: create a service's database if it is missing, then bring it to Alembic's head.

Every service keeps its migrations in `services/<name>/migrations`, beside its package, with one shared `env.py`
shape (`run_migrations` below), so a service's schema only ever changes through a migration.

Migrations run as the database's owner role (`owner_database_url`), never as the running service's role, which
cannot change the schema (`cimer_common.database_roles`). Where the settings allow it (`Settings.provisions`),
the roles and the database are first made or put right as administrator.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import psycopg
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, pool
from sqlalchemy.engine import make_url

from cimer_common import database_roles
from cimer_common.settings import get_settings


def ensure_database(url: str) -> None:
    """As the URL's own role (which then needs CREATEDB), where no administrator makes the database."""
    parsed = make_url(url)
    admin = parsed.set(database="postgres", drivername="postgresql")
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (parsed.database,)).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{parsed.database}"')


def drop_database(url: str) -> None:
    """As administrator (the tests start from scratch); the service's roles stay."""
    database_roles.drop_database(make_url(url).database or "")


def alembic_config(service: str, url: str) -> Config:
    package = importlib.import_module(service)
    migrations = Path(package.__file__).resolve().parent.parent / "migrations"  # type: ignore[arg-type]
    config = Config()
    config.set_main_option("script_location", str(migrations))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(service: str) -> None:
    """The roles and the database (as administrator, where the settings allow it), the migrations as the owner, then
    the runtime role's rights on what they made (as the owner)."""
    settings = get_settings()
    owner_url = settings.owner_database_url(service)
    if settings.provisions(service):
        database_roles.provision(service, settings)
    else:
        ensure_database(owner_url)
    command.upgrade(alembic_config(service, owner_url), "head")
    owner, runtime = make_url(owner_url), make_url(settings.database_url(service))
    # One role for both (an operator gave only `<SERVICE>_DATABASE_URL`): nothing to grant.
    if runtime.username and runtime.username != owner.username:
        database_roles.grant_runtime(owner_url, runtime.username, owner.database or "")


def run_migrations(target_metadata) -> None:  # type: ignore[no-untyped-def]
    """The body of every service's `migrations/env.py`."""
    from alembic import context

    url = context.config.get_main_option("sqlalchemy.url") or ""
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=target_metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()


def main() -> None:
    services = sys.argv[1:]
    if not services:
        sys.exit("usage: cimer-migrate SERVICE...")
    for service in services:
        upgrade(service)
        print(f"{service}: migrated")


if __name__ == "__main__":
    main()
