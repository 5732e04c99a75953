"""Routing's use cases: plain functions over a SQLAlchemy session, called by `service.py` inside a transaction."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from cimer_common import access, geography
from cimer_common.access import Action
from cimer_common.errors import Conflict, NotFound
from cimer_common.events import ApplicationAssigned, ApplicationReceived
from cimer_common.outbox import OutboxWriter
from cimer_common.tokens import Principal
from routing import domain
from routing.models import Assignment, AssignmentHistory, Institution, folded

MAX_PAGE = 500


class DatabaseDirectory:
    """`domain.Directory` over the `institutions` table, each row read once per use: `exists`, `type_of` and
    `province_of` see active institutions only, `parent_of` any."""

    def __init__(self, session: Session):
        self._session = session
        self._rows: dict[str, Institution | None] = {}

    def _get(self, code: str) -> Institution | None:
        if code not in self._rows:
            self._rows[code] = self._session.get(Institution, code)
        return self._rows[code]

    def _active(self, code: str) -> Institution | None:
        row = self._get(code)
        return row if row is not None and row.active else None

    def exists(self, code: str) -> bool:
        return self._active(code) is not None

    def type_of(self, code: str) -> str | None:
        row = self._active(code)
        return row.type if row else None

    def province_of(self, code: str) -> str | None:
        row = self._active(code)
        return row.province if row else None

    def parent_of(self, code: str) -> str | None:
        row = self._get(code)
        return row.parent if row else None


def assign_first_destination(session: Session, outbox: OutboxWriter, application: ApplicationReceived) -> str | None:
    """Give a newly received application to its first institution and announce it; returns that institution,
    or None when the application already had one (the event came again)."""
    directory = DatabaseDirectory(session)
    institution = domain.first_destination(application, directory)
    assigned_at = datetime.now(UTC)
    # ON CONFLICT rather than a look-up first, so two deliveries racing each other still assign once.
    created = session.execute(
        insert(Assignment)
        .values(
            application_id=application.application_id,
            tracking_number=application.tracking_number,
            kind=application.kind,
            channel=application.channel,
            institution=institution,
            received_at=application.received_at,
            deadline=application.deadline,
            assigned_at=assigned_at,
        )
        .on_conflict_do_nothing(index_elements=["application_id"])
        .returning(Assignment.application_id)
    ).first()
    if created is None:
        return None
    session.add(
        AssignmentHistory(
            application_id=application.application_id,
            from_institution=None,
            to_institution=institution,
            reason="initial",
            at=assigned_at,
        )
    )
    outbox.add(
        session,
        "application_assigned",
        ApplicationAssigned(
            application_id=application.application_id,
            tracking_number=application.tracking_number,
            institution=institution,
            previous_institution=None,
            reason="initial",
            assigned_at=assigned_at,
            coordinators=domain.coordinators_of(institution, directory),
        ),
    )
    return institution


def institutions_query(
    type: str | None = None,  # the public API's name for the filter
    province: str | None = None,
    q: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> Select[Institution]:
    """The statement behind `list_institutions`; apart, so a test can ask the planner how it runs it."""
    statement = select(Institution).where(Institution.active)
    if type:
        statement = statement.where(Institution.type == type)
    if province:
        statement = statement.where(Institution.province == province)
    key = geography.fold(q) if q else ""
    if key:
        pattern = f"%{key}%"  # folded text is letters and digits only: no LIKE wildcard to escape
        # The very expressions of the trigram indexes (`models.folded`), or the planner could not use them.
        statement = statement.where(or_(folded(Institution.code).like(pattern), folded(Institution.name).like(pattern)))
    # Out-of-range paging is clamped rather than refused: it cannot harm, and a bad query string is not a 5xx.
    return statement.order_by(Institution.code).limit(min(max(limit, 1), MAX_PAGE)).offset(max(offset, 0))


def list_institutions(
    session: Session,
    type: str | None = None,
    province: str | None = None,
    q: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Active institutions, ordered by code. `q` matches a part of the code or the name, ignoring case, Turkish
    diacritics, spaces and punctuation (`cankaya` finds Çankaya Kaymakamlığı, `dg06` finds DG-06-…): both sides
    are folded like `geography.fold`. Indexes keep it fast for the whole state's ~60,000 units: trigram indexes
    for `q`, and (type, code) and (province, code) for the filters in code order (`models.py`)."""
    statement = institutions_query(type=type, province=province, q=q, limit=limit, offset=offset)
    return [
        {"code": i.code, "name": i.name, "type": i.type, "province": i.province, "parent": i.parent}
        for i in session.scalars(statement)
    ]


def _as_dict(institution: Institution) -> dict[str, Any]:
    return {
        "code": institution.code,
        "name": institution.name,
        "type": institution.type,
        "province": institution.province,
        "district": institution.district,
        "parent": institution.parent,
        "ministry": institution.ministry,
        "active": institution.active,
    }


def get_institution(session: Session, code: str) -> dict[str, Any]:
    institution = session.get(Institution, code)
    if institution is None:
        raise NotFound("institution_not_found")
    return _as_dict(institution)


# Changes to the tree are made one at a time (a transaction-scoped advisory lock), so two moves that are each
# harmless cannot close a cycle together.
_DIRECTORY_LOCK = 0x43494D4552  # "CIMER"


def _lock_directory(session: Session) -> None:
    session.execute(select(func.pg_advisory_xact_lock(_DIRECTORY_LOCK)))


def create_institution(
    session: Session,
    principal: Principal,
    code: str,
    name: str,
    type: str,
    province: str | None = None,
    district: str | None = None,
    parent: str | None = None,
    ministry: str | None = None,
) -> dict[str, Any]:
    """An administrator adds an institution to the directory (active at once); the rules are `domain`'s."""
    access.require(principal, Action.MANAGE_DIRECTORY)
    domain.check_code(code)
    _lock_directory(session)
    # Retired institutions keep their codes: old assignments name them.
    if session.get(Institution, code) is not None:
        raise Conflict("institution_exists", "code")
    new = domain.check_new_institution(
        domain.NewInstitution(code, name, type, province, district, parent, ministry), DatabaseDirectory(session)
    )
    created = session.execute(
        insert(Institution)
        .values(**asdict(new), active=True)
        .on_conflict_do_nothing(index_elements=["code"])
        .returning(Institution.code)
    ).first()
    if created is None:  # added meanwhile by someone not holding the lock (the seed)
        raise Conflict("institution_exists", "code")
    return get_institution(session, code)


def update_institution(
    session: Session,
    principal: Principal,
    code: str,
    name: str | None = None,
    parent: str | None = None,
    active: bool | None = None,
) -> dict[str, Any]:
    """An administrator renames, moves (`parent`) or retires (`active` false) an institution, or reinstates it;
    None leaves a field as it is. Nothing is ever deleted: assignments and their history keep naming it."""
    access.require(principal, Action.MANAGE_DIRECTORY)
    if parent is not None:
        _lock_directory(session)
    institution = session.get(Institution, code, with_for_update=True)
    if institution is None:
        raise NotFound("institution_not_found")
    if name is not None:
        institution.name = domain.check_name(name)
    if parent is not None and parent != institution.parent:
        institution.parent = domain.check_parent(code, parent, DatabaseDirectory(session))
    if active is not None:
        institution.active = domain.check_active(code, active)
    session.flush()
    return _as_dict(institution)
