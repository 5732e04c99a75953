"""Routing's use cases: plain functions over a SQLAlchemy session, called by `service.py` inside a transaction."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from cimer_common import geography
from cimer_common.errors import NotFound
from cimer_common.events import ApplicationAssigned, ApplicationReceived
from cimer_common.outbox import OutboxWriter
from routing import domain
from routing.models import Assignment, AssignmentHistory, Institution

MAX_PAGE = 500


class DatabaseDirectory:
    """`domain.Directory` over the `institutions` table: active institutions only, each read once per use."""

    def __init__(self, session: Session):
        self._session = session
        self._rows: dict[str, Institution | None] = {}

    def _get(self, code: str) -> Institution | None:
        if code not in self._rows:
            self._rows[code] = self._session.scalars(
                select(Institution).where(Institution.code == code, Institution.active)
            ).first()
        return self._rows[code]

    def exists(self, code: str) -> bool:
        return self._get(code) is not None

    def type_of(self, code: str) -> str | None:
        row = self._get(code)
        return row.type if row else None

    def province_of(self, code: str) -> str | None:
        row = self._get(code)
        return row.province if row else None


def assign_first_destination(session: Session, outbox: OutboxWriter, application: ApplicationReceived) -> str | None:
    """Give a newly received application to its first institution and announce it; returns that institution,
    or None when the application already had one (the event came again)."""
    institution = domain.first_destination(application, DatabaseDirectory(session))
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
        ),
    )
    return institution


# Turkish letters folded to ASCII in SQL exactly as `geography.fold` does in Python (translate before upper, so
# the database's collation never decides what `İ` or `ı` becomes).
_TURKISH = "çğıöşüÇĞİÖŞÜâîûÂÎÛ"
_ASCII = "cgiosuCGIOSUaiuAIU"


def _folded(column: Any) -> ColumnElement[str]:
    return func.upper(func.regexp_replace(func.translate(column, _TURKISH, _ASCII), "[^[:alnum:]]", "", "g"))


def list_institutions(
    session: Session,
    type: str | None = None,  # the public API's name for the filter
    province: str | None = None,
    q: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Active institutions, ordered by code. `q` matches a part of the code or the name, ignoring case, Turkish
    diacritics, spaces and punctuation (`cankaya` finds Çankaya Kaymakamlığı, `dg06` finds DG-06-…): both sides
    are folded like `geography.fold`, which a sequential scan of a few thousand rows does in a millisecond."""
    statement = select(Institution).where(Institution.active)
    if type:
        statement = statement.where(Institution.type == type)
    if province:
        statement = statement.where(Institution.province == province)
    key = geography.fold(q) if q else ""
    if key:
        pattern = f"%{key}%"  # folded text is letters and digits only: no LIKE wildcard to escape
        statement = statement.where(
            or_(_folded(Institution.code).like(pattern), _folded(Institution.name).like(pattern))
        )
    # Out-of-range paging is clamped rather than refused: it cannot harm, and a bad query string is not a 5xx.
    statement = statement.order_by(Institution.code).limit(min(max(limit, 1), MAX_PAGE)).offset(max(offset, 0))
    return [
        {"code": i.code, "name": i.name, "type": i.type, "province": i.province, "parent": i.parent}
        for i in session.scalars(statement)
    ]


def get_institution(session: Session, code: str) -> dict[str, Any]:
    institution = session.get(Institution, code)
    if institution is None:
        raise NotFound("institution_not_found")
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
