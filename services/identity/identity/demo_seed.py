"""`cimer-demo-seed`: the demo officers of SPEC section 9, for local runs only.

NEVER run this in a production deployment: it creates an administrator and officers at real institutions, all with
one well-known password. `make up` runs it on a developer's machine after the migrations and the directory seed.

It creates each user that is missing, with the e-mail address `<username>@demo.cimer.gov.tr` and the password from
`CIMER_DEMO_PASSWORD` (default `demo-password`, which is shorter than the 12 characters `create_user` demands:
that rule is bypassed here on purpose, and only here). An existing demo user is left as it is, except that one
without an e-mail address is given the demo one (a seed from before users had addresses). It writes to identity's
database directly, no RPC, so it needs neither the broker nor the routing service; each user it creates is a
`user_created` line of the audit trail, each address it adds a `user_email_changed` line, with the actor
`cimer-demo-seed`.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from cimer_common.settings import get_settings
from identity import domain, handlers, passwords
from identity.models import User

DEFAULT_PASSWORD = "demo-password"  # noqa: S105 - a demo password, documented as such
ACTOR = "cimer-demo-seed"
EMAIL_DOMAIN = "demo.cimer.gov.tr"

# (username, institution, roles): SPEC section 9, plus a bureau officer so the in-person channel can be tried.
DEMO_USERS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("cc-06", "GOV-06", ("call_centre",)),
    ("gov-06", "GOV-06", ("officer", "coordinator")),
    ("dg-06-cankaya", "DG-06-CANKAYA", ("officer",)),
    ("pd-06-saglik", "PD-06-SAGLIK", ("officer",)),
    ("gov-34", "GOV-34", ("officer", "coordinator")),
    ("presidency", "PRESIDENCY", ("officer", "coordinator")),
    ("min-saglik", "MIN-SAGLIK", ("officer", "coordinator")),
    ("ethics-board", "ETHICS-BOARD", ("board",)),
    ("hrb-06", "HRB-06", ("board",)),
    ("bedk", "BEDK", ("board",)),  # hears appeals of refused information requests (SPEC section 12)
    ("admin", "PRESIDENCY", ("admin",)),
    ("bureau-dg-06-cankaya", "DG-06-CANKAYA", ("bureau",)),
)


def demo_email(username: str) -> str:
    return f"{username}@{EMAIL_DOMAIN}"


def seed(session: Session, password: str) -> list[str]:
    """Create the demo users that are missing, and give an existing demo user without an e-mail address the demo
    one; returns the usernames created."""
    existing = {user.username: user for user in session.scalars(select(User).with_for_update())}
    created: list[str] = []
    for username, institution, roles in DEMO_USERS:
        now = datetime.now(UTC)
        user = existing.get(username)
        if user is not None:
            if user.email is None:
                user.email = demo_email(username)
                session.flush()
                handlers.audit(
                    session,
                    domain.audit_entry(at=now, action="user_email_changed", actor_username=ACTOR, target=username),
                )
            continue
        password_hash = passwords.hash_password(password)  # each its own salt
        handlers.create_user(
            session,
            None,
            username,
            password_hash,
            institution,
            domain.check_roles(roles),
            now,
            actor_name=ACTOR,
            email=demo_email(username),
        )
        created.append(username)
    return created


def main() -> None:
    password = os.environ.get("CIMER_DEMO_PASSWORD") or DEFAULT_PASSWORD
    engine = create_engine(get_settings().database_url("identity"))
    try:
        with Session(engine) as session, session.begin():
            created = seed(session, password)
    finally:
        engine.dispose()
    print(f"identity: {len(created)} demo users added{': ' + ', '.join(created) if created else ''} (local runs only)")


if __name__ == "__main__":
    main()
