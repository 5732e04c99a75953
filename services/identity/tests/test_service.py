"""Interface tests: the real identity service on its migrated database, through its entrypoints."""

import pytest
from nameko.testing.services import entrypoint_hook
from sqlalchemy import create_engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cimer_common.settings import get_settings
from identity.models import User

pytestmark = pytest.mark.interface


def test_health(start_service):
    container = start_service("identity")
    with entrypoint_hook(container, "health") as health:
        assert health() == {"service": "identity", "status": "ok"}


def test_the_migrated_users_table_keeps_roles_and_refuses_a_second_username(start_service):
    start_service("identity")
    engine = create_engine(get_settings().database_url("identity"))
    try:
        with Session(engine) as session, session.begin():
            session.add(
                User(username="gov-06", password_hash="x", institution="GOV-06", roles=["officer", "coordinator"])
            )
        with Session(engine) as session:
            user = session.scalars(select(User).where(User.username == "gov-06")).one()
            assert user.roles == ["officer", "coordinator"] and user.active and user.created_at is not None
        with pytest.raises(IntegrityError), Session(engine) as session, session.begin():
            session.add(User(username="gov-06", password_hash="y", institution="GOV-34", roles=["officer"]))
    finally:
        engine.dispose()
