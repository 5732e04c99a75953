"""Routing's use cases: plain functions over a SQLAlchemy session, called by `service.py` inside a transaction."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal

from sqlalchemy import DateTime, Select, String, and_, bindparam, func, literal, null, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from cimer_common import access, answer_templates, appeals, calendar, geography, retention
from cimer_common.access import Action
from cimer_common.errors import Conflict, DomainError, Forbidden, InvalidRequest, NotFound
from cimer_common.events import (
    ApplicationAnswered,
    ApplicationAppealed,
    ApplicationAssigned,
    ApplicationClosed,
    ApplicationReceived,
    DeadlineApproaching,
    DeadlineExtended,
    DeadlinePassed,
    officer_activity,
)
from cimer_common.messages import message
from cimer_common.outbox import OutboxWriter
from cimer_common.retention import Retention
from cimer_common.schemas import page_window
from cimer_common.tokens import Principal
from routing import domain
from routing.models import (
    AnswerTemplate,
    Assignment,
    AssignmentHistory,
    DirectoryVersion,
    Institution,
    InstitutionCommand,
    OutboxMessage,
    folded,
)

MAX_PAGE = 500


@dataclass(frozen=True)
class _Entry:
    type: str
    province: str | None
    parent: str | None
    ministry: str | None
    active: bool
    system_plugged: bool


class _Directory:
    """What `domain.Directory` asks, answered from institutions however they are found (`_get`): `exists`,
    `type_of`, `province_of` and `ministry_of` see active institutions only, `parent_of` any."""

    def _get(self, code: str) -> Institution | _Entry | None:
        raise NotImplementedError

    def _active(self, code: str) -> Institution | _Entry | None:
        found = self._get(code)
        return found if found is not None and found.active else None

    def exists(self, code: str) -> bool:
        return self._active(code) is not None

    def type_of(self, code: str) -> str | None:
        found = self._active(code)
        return found.type if found else None

    def province_of(self, code: str) -> str | None:
        found = self._active(code)
        return found.province if found else None

    def parent_of(self, code: str) -> str | None:
        found = self._get(code)
        return found.parent if found else None

    def ministry_of(self, code: str) -> str | None:
        found = self._active(code)
        return found.ministry if found else None

    def has_system(self, code: str) -> bool:
        """The institution's own system is plugged into the bus (SPEC section 10)."""
        found = self._active(code)
        return bool(found and found.system_plugged)


class DatabaseDirectory(_Directory):
    """The directory as this transaction sees it, each row read once per use: what forwarding and the
    directory's administration ask, in the transaction that acts on the answer."""

    def __init__(self, session: Session):
        self._session = session
        self._rows: dict[str, Institution | None] = {}

    def _get(self, code: str) -> Institution | None:
        if code not in self._rows:
            self._rows[code] = self._session.get(Institution, code)
        return self._rows[code]


class DirectorySnapshot(_Directory):
    """The whole directory held in memory, for the hot path: a new application's first destination asked four or
    five look-ups of the database, a fifth of routing's time (`make bench`). One process-wide copy per database,
    reloaded when the token the directory's trigger replaces on every change differs from the one it was loaded
    with (one small read per use)."""

    def __init__(self, token: uuid.UUID | None, entries: dict[str, _Entry]):
        self.token = token
        self._entries = entries

    def _get(self, code: str) -> _Entry | None:
        return self._entries.get(code)


_SNAPSHOTS: dict[str, DirectorySnapshot] = {}
_SNAPSHOT_INFO = "directory_snapshot"  # the copy a transaction has read, in its session's `info`


def directory_snapshot(session: Session) -> DirectorySnapshot:
    """The directory as this session's database holds it now: the copy in memory, or a fresh one if the
    directory has changed since (or its token is unknown, as right after the tables were emptied)."""
    held_now = session.info.get(_SNAPSHOT_INFO)
    if held_now is not None:  # read in this transaction already: a batch of applications reads it once
        return held_now  # type: ignore[no-any-return]
    key = str(session.get_bind().url)
    token = session.scalar(select(DirectoryVersion.token).where(DirectoryVersion.id == 1))
    held = _SNAPSHOTS.get(key)
    if held is not None and token is not None and held.token == token:
        session.info[_SNAPSHOT_INFO] = held
        return held
    rows = session.execute(
        select(
            Institution.code,
            Institution.type,
            Institution.province,
            Institution.parent,
            Institution.ministry,
            Institution.active,
            Institution.system_plugged,
        )
    )
    entries = {
        row.code: _Entry(row.type, row.province, row.parent, row.ministry, row.active, row.system_plugged)
        for row in rows
    }
    snapshot = DirectorySnapshot(token, entries)
    _SNAPSHOTS[key] = snapshot
    session.info[_SNAPSHOT_INFO] = snapshot
    return snapshot


def _first_assignment_statement() -> Any:
    """The first destination and its history line in one statement (a data-modifying CTE), built once: the history
    line is written only when the assignment is (ON CONFLICT rather than a look-up first, so two deliveries racing
    each other still assign once), and the statement returns the application's id only then. The ORM's unit of
    work for the history line (a flush, its id read back) was a tenth of routing's time (`make bench`)."""
    assignments, history = Assignment.__table__, AssignmentHistory.__table__
    columns = (
        "application_id", "tracking_number", "kind", "channel", "institution", "received_at", "deadline",
        "assigned_at", "subject", "province", "district",
    )  # fmt: skip
    created = (
        insert(assignments)
        .values({name: bindparam(name) for name in columns})
        .on_conflict_do_nothing(index_elements=["application_id"])
        .returning(assignments.c.application_id)
        .cte("created")
    )
    line = (
        insert(history)
        .from_select(
            ["application_id", "from_institution", "to_institution", "reason", "at"],
            select(
                created.c.application_id,
                null(),
                bindparam("institution", type_=String),
                literal("initial"),
                bindparam("assigned_at", type_=DateTime(timezone=True)),
            ),
        )
        .cte("line")
    )
    return select(created.c.application_id).add_cte(line)


FIRST_ASSIGNMENT = _first_assignment_statement()


def assign_first_destination(session: Session, outbox: OutboxWriter, application: ApplicationReceived) -> str | None:
    """Give a newly received application to its first institution and announce it; returns that institution,
    or None when the application already had one (the event came again)."""
    directory = directory_snapshot(session)
    institution = domain.first_destination(application, directory)
    assigned_at = datetime.now(UTC)
    created = session.execute(
        FIRST_ASSIGNMENT,
        {
            "application_id": application.application_id,
            "tracking_number": application.tracking_number,
            "kind": application.kind,
            "channel": application.channel,
            "institution": institution,
            "received_at": application.received_at,
            "deadline": application.deadline,
            "assigned_at": assigned_at,
            "subject": application.subject,
            "province": application.province,
            "district": application.district,
        },
    ).first()
    if created is None:
        return None
    _announce_assignment(
        session, outbox, directory, application.application_id, application.tracking_number, institution, None,
        "initial", assigned_at, received=application,
    )  # fmt: skip
    return institution


def _announce_assignment(
    session: Session,
    outbox: OutboxWriter,
    directory: _Directory,
    application_id: uuid.UUID,
    tracking_number: str,
    institution: str,
    previous: str | None,
    reason: str,
    at: datetime,
    note: str | None = None,
    deadline: date | None = None,
    received: ApplicationReceived | None = None,
) -> None:
    """`application_assigned`: `institution` holds the application now, with whoever coordinates it and whether
    its own system takes it (from the directory), and the new deadline when the move set one; the first carries
    the application as it was received, for the consumers that no longer take `application_received`."""
    outbox.add(
        session,
        "application_assigned",
        ApplicationAssigned(
            application_id=application_id,
            tracking_number=tracking_number,
            institution=institution,
            previous_institution=previous,
            reason=reason,
            assigned_at=at,
            coordinators=domain.coordinators_of(institution, directory),
            note=note,
            institution_system=directory.has_system(institution),
            deadline=deadline,
            received=received,
        ),
    )


def _matching(statement: Select[Any], q: str | None) -> Select[Any]:
    """`statement` narrowed to the institutions whose code or name contains `q`, both sides folded."""
    key = geography.fold(q) if q else ""
    if key:
        pattern = f"%{key}%"  # folded text is letters and digits only: no LIKE wildcard to escape
        # The very expressions of the trigram indexes (`models.folded`), or the planner could not use them.
        statement = statement.where(or_(folded(Institution.code).like(pattern), folded(Institution.name).like(pattern)))
    return statement


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
    statement = _matching(statement, q)
    limit, offset = page_window(limit, offset, MAX_PAGE)
    return statement.order_by(Institution.code).limit(limit).offset(offset)


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


# --- Working an application: forward, return, answer, extend (issue 4) ----------------------------------------


def _facts(assignment: Assignment) -> domain.ApplicationFacts:
    return domain.ApplicationFacts(
        kind=assignment.kind,
        channel=assignment.channel,
        subject=assignment.subject,
        province=assignment.province,
        district=assignment.district,
    )


def _moves(session: Session, assignment: Assignment) -> list[AssignmentHistory]:
    return list(
        session.scalars(
            select(AssignmentHistory)
            .where(AssignmentHistory.application_id == assignment.application_id)
            .order_by(AssignmentHistory.id)
        )
    )


def _scope(session: Session, assignment: Assignment, directory: DatabaseDirectory) -> access.ApplicationScope:
    return access.ApplicationScope(
        holder=assignment.institution,
        held_by=frozenset(h.to_institution for h in _moves(session, assignment)) | {assignment.institution},
        coordinators=frozenset(domain.coordinators_of(assignment.institution, directory)),
    )


def _reachable(
    session: Session, officer: Principal, tracking_number: object, *, for_update: bool
) -> tuple[Assignment, access.ApplicationScope, DatabaseDirectory]:
    """The assignment if the officer may read the application; outside their reach it is `NotFound`, exactly as a
    number that does not exist, so an officer cannot learn what exists elsewhere."""
    assignment = None
    if isinstance(tracking_number, str) and tracking_number.strip():
        statement = select(Assignment).where(Assignment.tracking_number == tracking_number.strip())
        if for_update:
            statement = statement.with_for_update()
        assignment = session.scalars(statement).first()
    if assignment is None:
        raise NotFound("application_not_found")
    directory = DatabaseDirectory(session)
    scope = _scope(session, assignment, directory)
    if not access.allowed(officer, Action.READ_APPLICATION, scope):
        raise NotFound("application_not_found")
    return assignment, scope, directory


def _workable(session: Session, officer: Principal, tracking_number: object) -> tuple[Assignment, DatabaseDirectory]:
    """The assignment, locked, when the officer's institution holds it and it is not answered yet. Before the
    board on appeal, only the board's decision is left (`decide_appeal`)."""
    assignment, scope, directory = _reachable(session, officer, tracking_number, for_update=True)
    access.require(officer, Action.WORK_APPLICATION, scope)
    if assignment.status != "assigned":
        raise Conflict("already_closed" if assignment.status == "closed" else "already_answered")
    if _before_the_board(assignment):
        raise Conflict("appeal_decision_required")
    return assignment, directory


def _before_the_board(assignment: Assignment) -> bool:
    return assignment.appealed_at is not None and assignment.institution == appeals.INFORMATION_REVIEW_BOARD


def _audit(
    outbox: OutboxWriter,
    session: Session,
    officer: Principal,
    action: str,
    tracking_number: str,
    client_address: str | None,
    at: datetime,
) -> None:
    outbox.add(
        session,
        "activity_recorded",
        officer_activity(
            officer.user_id, officer.username, officer.institution, action, tracking_number, client_address, at
        ),
    )


def _record_move(
    session: Session,
    outbox: OutboxWriter,
    assignment: Assignment,
    holder: str,
    reason: str,
    at: datetime,
    note: str | None,
    directory: DatabaseDirectory,
    deadline: date | None = None,
) -> None:
    """A move from `holder` to the assignment's new institution: kept in its history with the officer's note, and
    announced (`application_assigned`, with the new deadline when the move set one)."""
    to_institution = assignment.institution
    session.add(
        AssignmentHistory(
            application_id=assignment.application_id,
            from_institution=holder,
            to_institution=to_institution,
            reason=reason,
            at=at,
            note=note,
        )
    )
    _announce_assignment(
        session, outbox, directory, assignment.application_id, assignment.tracking_number, to_institution, holder,
        reason, at, note, deadline,
    )  # fmt: skip


def _record_answer(
    session: Session,
    outbox: OutboxWriter,
    assignment: Assignment,
    outcome: str,
    text: str,
    at: datetime,
    appeal: Literal["upheld", "ordered"] | None,
) -> None:
    """The holder's answer (or the board's decision keeping a refusal): the assignment is answered, and the text is
    announced for the applicant (`application_answered`)."""
    assignment.status = "answered"
    assignment.outcome = outcome
    assignment.answered_at = at
    outbox.add(
        session,
        "application_answered",
        ApplicationAnswered(
            application_id=assignment.application_id,
            tracking_number=assignment.tracking_number,
            institution=assignment.institution,
            outcome=outcome,
            text=text,
            answered_at=at,
            appeal=appeal,
        ),
    )


def forward(
    session: Session,
    outbox: OutboxWriter,
    officer: Principal,
    tracking_number: str,
    to_institution: str,
    note: str | None = None,
    client_address: str | None = None,
) -> dict[str, Any]:
    """The holder sends the application on along an edge of SPEC section 4, or back to its sender (a return).
    The deadline stays as it is (SPEC section 2)."""
    assignment, directory = _workable(session, officer, tracking_number)
    if not isinstance(to_institution, str) or session.get(Institution, to_institution) is None:
        raise NotFound("institution_not_found")
    note = domain.check_note(note)
    holder = assignment.institution
    custody = domain.Custody(tuple((h.reason, h.to_institution) for h in _moves(session, assignment)))
    moved = custody.forward(_facts(assignment), to_institution, directory, note)
    reason = moved.moves[-1][0]
    at = datetime.now(UTC)
    assignment.institution = to_institution
    assignment.assigned_at = at
    assignment.previous_institution = moved.sender
    _record_move(session, outbox, assignment, holder, reason, at, note, directory)
    action = "return" if reason == domain.RETURNED else "forward"
    _audit(outbox, session, officer, action, assignment.tracking_number, client_address, at)
    return {
        "tracking_number": assignment.tracking_number,
        "institution": to_institution,
        "previous_institution": holder,
        "reason": reason,
    }


def answer(
    session: Session,
    outbox: OutboxWriter,
    officer: Principal,
    tracking_number: str,
    outcome: str,
    text: str,
    client_address: str | None = None,
) -> dict[str, Any]:
    """The holder answers: the application is closed for routing, and the text goes to the applicant."""
    assignment, _ = _workable(session, officer, tracking_number)
    outcome, text = domain.check_answer(outcome, text)
    at = datetime.now(UTC)
    # After the board's order, this answer is the one the order asked for.
    _record_answer(session, outbox, assignment, outcome, text, at, "ordered" if assignment.appealed_at else None)
    _audit(outbox, session, officer, "answer", assignment.tracking_number, client_address, at)
    return {
        "tracking_number": assignment.tracking_number,
        "status": "answered",
        "outcome": outcome,
        "answered_at": at.isoformat(),
    }


def extend(
    session: Session,
    outbox: OutboxWriter,
    officer: Principal,
    tracking_number: str,
    reason: str,
    client_address: str | None = None,
    today: date | None = None,
) -> dict[str, Any]:
    """The holder extends an information request's deadline, once, by 15 working days, before it has passed
    (Law 4982, article 11); the reason goes to the applicant."""
    assignment, _ = _workable(session, officer, tracking_number)
    domain.check_extension(assignment.kind, assignment.extended, assignment.deadline, today or calendar.today())
    reason = domain.check_extension_reason(reason)
    at = datetime.now(UTC)
    previous = assignment.deadline
    assignment.deadline = calendar.extended_deadline(previous)
    assignment.extended = True
    assignment.approaching_notified_at = None  # the holder is warned again before the new deadline
    outbox.add(
        session,
        "deadline_extended",
        DeadlineExtended(
            application_id=assignment.application_id,
            tracking_number=assignment.tracking_number,
            institution=assignment.institution,
            previous_deadline=previous,
            deadline=assignment.deadline,
            reason=reason,
            extended_at=at,
        ),
    )
    _audit(outbox, session, officer, "extend", assignment.tracking_number, client_address, at)
    return {
        "tracking_number": assignment.tracking_number,
        "deadline": assignment.deadline.isoformat(),
        "previous_deadline": previous.isoformat(),
    }


FORWARD_TARGETS_MAX = 100


def _public(institution: Institution) -> dict[str, Any]:
    return {"code": institution.code, "name": institution.name, "type": institution.type}


def forward_targets_query(
    candidates: list[domain.Candidates], q: str | None, excluded: list[str]
) -> Select[Institution]:
    """The active institutions among `candidates` (one condition per edge, on columns the (type, code) and
    (province, code) indexes cover), matching `q` as `list_institutions` does, none of `excluded`, by name;
    apart, so a test can ask the planner how it runs it."""
    edges = [
        and_(
            Institution.type == c.type,
            *(
                getattr(Institution, column) == value
                for column, value in (("province", c.province), ("parent", c.parent), ("ministry", c.ministry))
                if value is not None
            ),
        )
        for c in candidates
    ]
    statement = select(Institution).where(Institution.active, or_(*edges), Institution.code.not_in(excluded))
    return _matching(statement, q).order_by(Institution.name, Institution.code)


def forward_targets(
    session: Session,
    officer: Principal,
    tracking_number: str,
    q: str | None = None,
    limit: int = 20,
    today: date | None = None,
) -> dict[str, Any]:
    """What the holder may do with the application now (SPEC section 4), so a console offers only allowed moves:
    the sender a return would go to, the institutions a forward may go to (matching `q` like the directory's
    search, by name, `limit` at most), and whether it may answer and extend. Refused exactly as `forward` is to an
    officer whose institution does not hold it; once answered, nothing is allowed any more."""
    assignment, scope, directory = _reachable(session, officer, tracking_number, for_update=False)
    access.require(officer, Action.WORK_APPLICATION, scope)
    limit = max(1, min(limit if isinstance(limit, int) else 20, FORWARD_TARGETS_MAX))
    if assignment.status != "assigned" or _before_the_board(assignment):
        return {
            "return_to": None,
            "targets": [],
            "may_answer": False,
            "may_extend": False,
            "may_decide_appeal": assignment.status == "assigned",
        }
    holder = assignment.institution
    sender = domain.Custody(tuple((h.reason, h.to_institution) for h in _moves(session, assignment))).sender
    application = _facts(assignment)
    targets: list[Institution] = []
    candidates = domain.forward_candidates(holder, directory)
    if candidates:
        excluded = [holder] if sender is None else [holder, sender]  # the sender is a return, offered apart
        statement = forward_targets_query(candidates, q if isinstance(q, str) else None, excluded)
        offset = 0
        # The candidates are the edges' targets exactly, but for the relations that ask nothing of the target
        # (`_belongs_to_a_ministry`): page on, in the rare case the rules turned some down, until `limit` are found.
        while len(targets) < limit:
            rows = {i.code: i for i in session.scalars(statement.limit(limit).offset(offset))}
            allowed = domain.forward_targets(application, holder, list(rows), directory, sender)
            targets += [rows[code] for code in allowed]
            if len(rows) < limit:
                break
            offset += limit
    returns = sender is not None and domain.forward_reason(application, holder, sender, directory, sender)
    returned_to = session.get(Institution, sender) if returns == domain.RETURNED else None
    return {
        "return_to": _public(returned_to) if returned_to is not None else None,
        "targets": [_public(i) for i in targets[:limit]],
        "may_answer": True,
        "may_extend": domain.may_extend(
            assignment.kind, assignment.extended, assignment.deadline, today or calendar.today()
        ),
        "may_decide_appeal": False,
    }


def history(session: Session, officer: Principal, tracking_number: str) -> list[dict[str, Any]]:
    """The moves of an application between institutions, first destination first."""
    assignment, _, _ = _reachable(session, officer, tracking_number, for_update=False)
    return [
        {"from": h.from_institution, "to": h.to_institution, "reason": h.reason, "at": h.at.isoformat(), "note": h.note}
        for h in _moves(session, assignment)
    ]


# --- Deadline watch -------------------------------------------------------------------------------------------

SCAN_BATCH = 500


def watch_deadlines(session: Session, outbox: OutboxWriter, today: date, limit: int = SCAN_BATCH) -> int:
    """Stage, once per application, `deadline_approaching` when an unanswered application is within
    `APPROACHING_WORKING_DAYS` working days of a deadline not yet past, and `deadline_passed` when `today` is after
    it. Rows are taken `FOR UPDATE SKIP LOCKED`, so replicas scanning together never both notify one; returns how
    many rows it took (`limit` at most: the caller scans again while a batch comes back full)."""
    # working_days_between(today, d) <= N exactly when d comes before the (N+1)th working day after today.
    horizon = calendar.add_working_days(today, calendar.APPROACHING_WORKING_DAYS + 1)
    due = session.scalars(
        select(Assignment)
        .where(
            Assignment.status == "assigned",
            or_(
                and_(
                    Assignment.approaching_notified_at.is_(None),
                    Assignment.deadline >= today,
                    Assignment.deadline < horizon,
                ),
                and_(Assignment.passed_notified_at.is_(None), Assignment.deadline < today),
            ),
        )
        .order_by(Assignment.deadline)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    directory = DatabaseDirectory(session)
    now = datetime.now(UTC)
    for assignment in due:
        coordinators = domain.coordinators_of(assignment.institution, directory)
        if assignment.deadline < today:
            outbox.add(
                session,
                "deadline_passed",
                DeadlinePassed(
                    application_id=assignment.application_id,
                    tracking_number=assignment.tracking_number,
                    institution=assignment.institution,
                    coordinators=coordinators,
                    deadline=assignment.deadline,
                ),
            )
            assignment.passed_notified_at = now
        else:
            left = calendar.working_days_between(today, assignment.deadline)
            if left <= calendar.APPROACHING_WORKING_DAYS:  # always, by the horizon; kept as the rule's statement
                outbox.add(
                    session,
                    "deadline_approaching",
                    DeadlineApproaching(
                        application_id=assignment.application_id,
                        tracking_number=assignment.tracking_number,
                        institution=assignment.institution,
                        coordinators=coordinators,
                        deadline=assignment.deadline,
                        working_days_left=left,
                    ),
                )
            assignment.approaching_notified_at = now
    session.flush()
    return len(due)


# --- After the answer (SPEC section 12) -------------------------------------------------------------------------


def _move_to(
    session: Session,
    outbox: OutboxWriter,
    assignment: Assignment,
    to_institution: str,
    reason: str,
    deadline: date,
    at: datetime,
    note: str | None = None,
) -> None:
    """The application reopens at `to_institution` with a deadline of its own: an appeal, or the board's order."""
    holder = assignment.institution
    directory = DatabaseDirectory(session)
    assignment.status = "assigned"
    assignment.institution = to_institution
    assignment.previous_institution = holder
    assignment.assigned_at = at
    assignment.deadline = deadline
    assignment.closed_at = None
    assignment.approaching_notified_at = None  # the new deadline is watched as the first was
    assignment.passed_notified_at = None
    _record_move(session, outbox, assignment, holder, reason, at, note, directory, deadline)


def reopen_on_appeal(session: Session, outbox: OutboxWriter, event: ApplicationAppealed) -> str | None:
    """Intake took the applicant's appeal of a refused information request (it checked the window and the answer
    the applicant read): the application moves to the information review board, with the board's own deadline,
    even if the closing watch closed it in the meantime (the appeal was made in time). Once only: a second
    delivery changes nothing. Returns the board's code when it moved."""
    assignment = session.scalars(
        select(Assignment).where(Assignment.application_id == event.application_id).with_for_update()
    ).first()
    if assignment is None:
        # Intake only takes an appeal of what routing answered: a broken invariant, not a race. Fail loudly and
        # let the message be retried rather than forget the appeal.
        raise LookupError(f"appeal of unknown application {event.application_id}")
    if assignment.appealed_at is not None:
        return None
    if assignment.status == "assigned" or assignment.answered_at is None:
        raise LookupError(f"appeal of application {event.application_id}, which routing has not seen answered")
    board = appeals.INFORMATION_REVIEW_BOARD
    assignment.appealed_at = event.appealed_at
    assignment.appealed_from = assignment.institution
    _move_to(
        session, outbox, assignment, board, domain.APPEALED, calendar.board_deadline(event.appealed_at),
        event.appealed_at,
    )  # fmt: skip
    return board


def decide_appeal(
    session: Session,
    outbox: OutboxWriter,
    officer: Principal,
    tracking_number: str,
    decision: str,
    text: str,
    client_address: str | None = None,
) -> dict[str, Any]:
    """The board's officer decides the appeal it holds: `upheld`, and the refusal stands (the board's text is the
    answer the applicant is sent, and the application closes when its window is over, as after any answer); or
    `answer_ordered`, and the application goes back to the institution that refused, to answer within an
    information request's time again."""
    assignment, scope, _ = _reachable(session, officer, tracking_number, for_update=True)
    access.require(officer, Action.WORK_APPLICATION, scope)
    if assignment.status != "assigned" or not _before_the_board(assignment):
        raise Conflict("not_under_appeal")
    decision, text = appeals.check_decision(decision, text)
    at = datetime.now(UTC)
    if decision == appeals.UPHELD:
        _record_answer(session, outbox, assignment, "negative", text, at, "upheld")
        result: dict[str, Any] = {"status": "answered", "institution": assignment.institution}
    else:
        ordered = assignment.appealed_from
        assert ordered is not None  # set with appealed_at
        _move_to(
            session, outbox, assignment, ordered, domain.ORDERED, calendar.ordered_answer_deadline(at), at, note=text
        )
        result = {"status": "assigned", "institution": ordered, "deadline": assignment.deadline.isoformat()}
    _audit(outbox, session, officer, f"appeal_{decision}", assignment.tracking_number, client_address, at)
    return {"tracking_number": assignment.tracking_number, "decision": decision} | result


def close_answered(session: Session, outbox: OutboxWriter, today: date, limit: int = SCAN_BATCH) -> int:
    """Close the answered applications whose appeal window is over (SPEC section 12), once each, oldest answer
    first; rows are taken `FOR UPDATE SKIP LOCKED`, as the deadline watch takes them. Returns how many it took."""
    answered = session.scalars(
        select(Assignment)
        .where(Assignment.status == "answered", Assignment.answered_at < calendar.closing_cutoff(today))
        .order_by(Assignment.answered_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    now = datetime.now(UTC)
    for assignment in answered:
        assert assignment.answered_at is not None  # answered
        assignment.status = "closed"
        assignment.closed_at = now
        outbox.add(
            session,
            "application_closed",
            ApplicationClosed(
                application_id=assignment.application_id,
                tracking_number=assignment.tracking_number,
                institution=assignment.institution,
                answered_at=assignment.answered_at,
                closed_at=now,
            ),
        )
    session.flush()
    return len(answered)


# --- Institutions' own systems on the bus (SPEC section 10) ------------------------------------------------------


def plug_institution(session: Session, code: str, plugged: bool) -> dict[str, Any]:
    """Whether the institution's own system is plugged in: the applications it receives from now on are sent to
    it (`ApplicationAssigned.institution_system`). `cimer-institution plug` sets it after the queue exists."""
    institution = session.get(Institution, code, with_for_update=True) if isinstance(code, str) else None
    if institution is None:
        raise NotFound("institution_not_found")
    if not isinstance(plugged, bool):
        raise InvalidRequest("invalid_request", "plugged")
    institution.system_plugged = plugged
    return _as_dict(institution) | {"system_plugged": plugged}


def return_to_sender(
    session: Session,
    outbox: OutboxWriter,
    officer: Principal,
    tracking_number: str,
    note: str | None = None,
    client_address: str | None = None,
) -> dict[str, Any]:
    """The holder sends the application back to the institution it came from."""
    assignment, _ = _workable(session, officer, tracking_number)
    sender = domain.Custody(tuple((h.reason, h.to_institution) for h in _moves(session, assignment))).sender
    if sender is None:
        raise Conflict("nothing_to_return")
    return forward(session, outbox, officer, tracking_number, sender, note, client_address)


_PAST = {"forward": "forwarded", "return": "returned", "answer": "answered", "extend": "extended"}


def _act(session: Session, outbox: OutboxWriter, system: Principal, command: str, body: dict[str, Any]) -> Any:
    """The command as the HTTP API's officer would give it, through the same handlers and so the same rules."""
    number = body.get("tracking_number")
    if command == "forward":
        return forward(session, outbox, system, number, body.get("to_institution"), body.get("note"))
    if command == "return":
        return return_to_sender(session, outbox, system, number, body.get("note"))
    if command == "answer":
        return answer(session, outbox, system, number, body.get("outcome"), body.get("text"))
    return extend(session, outbox, system, number, body.get("reason"))


def act_on_command(
    session: Session, outbox: OutboxWriter, institution: str, command: str, body: Any, now: datetime
) -> dict[str, Any]:
    """An institution's system asked for `command` (forward, return, answer, extend) on an application: acted on
    once per `command_id`, under the rules an officer of the institution works under; the outcome goes back to the
    institution's queue, in this transaction. Returns that outcome."""
    command_id = body.get("command_id") if isinstance(body, dict) else None
    if not isinstance(command_id, str) or not 1 <= len(command_id) <= 100 or command not in _PAST:
        outcome = _outcome("command_refused", command_id if isinstance(command_id, str) else None, "invalid_command")
        outbox.to_institution(session, institution, outcome)
        return outcome
    assert isinstance(body, dict)
    # The same command delivered twice at once (a redelivery racing its first delivery): the second waits here
    # until the first has committed, then finds it done and answers as the first did.
    session.execute(select(func.pg_advisory_xact_lock(func.hashtext(f"command:{institution}:{command_id}"))))
    done = session.get(InstitutionCommand, (institution, command_id))
    if done is not None:  # the same command again: its outcome again, and nothing done twice
        outbox.to_institution(session, institution, done.outcome)
        return done.outcome
    number = body.get("tracking_number")
    tracking_number = number if isinstance(number, str) and len(number) <= 20 else None
    try:
        if not directory_snapshot(session).has_system(institution):
            raise Forbidden("institution_not_plugged")
        with session.begin_nested():  # a refusal undoes whatever the command had begun
            _act(session, outbox, access.institution_system(institution), command, body)
        outcome = _outcome("command_accepted", command_id, _PAST[command], tracking_number)
    except DomainError as refusal:
        outcome = _outcome("command_refused", command_id, refusal.code, tracking_number)
    insert_command = (
        insert(InstitutionCommand)
        .values(
            institution=institution,
            command_id=command_id,
            command=command,
            tracking_number=tracking_number,
            outcome=outcome,
            received_at=now,
        )
        .on_conflict_do_nothing()
    )
    session.execute(insert_command)
    outbox.to_institution(session, institution, outcome)
    return outcome


def _outcome(kind: str, command_id: str | None, code: str, tracking_number: str | None = None) -> dict[str, Any]:
    return {
        "type": kind,
        "command_id": command_id,
        "code": code,
        "message": message(code, "tr"),
        "tracking_number": tracking_number,
    }


# --- Answer templates (SPEC section 12) ---------------------------------------------------------------------------


def _template_dict(template: AnswerTemplate) -> dict[str, Any]:
    return {
        "id": template.id,
        "institution": template.institution,
        "subject": template.subject,
        "title": template.title,
        "body": template.body,
        "active": template.active,
        "created_by": template.created_by,
        "updated_at": template.updated_at.isoformat(),
    }


def list_answer_templates(
    session: Session, officer: Principal, institution: object = None, subject: object = None
) -> list[dict[str, Any]]:
    """An institution's templates (the officer's own by default), by title: the active ones for its officers, every
    one for whoever keeps them (its coordinator, an administrator). `subject` narrows them to those usable for it:
    that subject's and those of any subject."""
    code = officer.institution if institution is None or institution == "" else institution
    if not isinstance(code, str):
        raise InvalidRequest("invalid_request", "institution")
    scope = access.institution_scope(code)
    manages = access.allowed(officer, Action.MANAGE_ANSWER_TEMPLATES, scope)
    if not manages:
        access.require(officer, Action.USE_ANSWER_TEMPLATES, scope)
    statement = select(AnswerTemplate).where(AnswerTemplate.institution == code)
    if not manages:
        statement = statement.where(AnswerTemplate.active)
    wanted = answer_templates.check_subject(subject)
    if wanted is not None:
        statement = statement.where(or_(AnswerTemplate.subject == wanted, AnswerTemplate.subject.is_(None)))
    statement = statement.order_by(AnswerTemplate.title, AnswerTemplate.id)
    return [_template_dict(t) for t in session.scalars(statement)]


def create_answer_template(
    session: Session, officer: Principal, institution: object, subject: object, title: object, body: object
) -> dict[str, Any]:
    """A coordinator adds a template to their own institution, an administrator to any active institution."""
    code = officer.institution if institution is None or institution == "" else institution
    if not isinstance(code, str):
        raise InvalidRequest("invalid_request", "institution")
    access.require(officer, Action.MANAGE_ANSWER_TEMPLATES, access.institution_scope(code))
    found = session.get(Institution, code)
    if found is None or not found.active:
        raise NotFound("institution_not_found")
    title, body, subject = answer_templates.check_template(title, body, subject)
    template = AnswerTemplate(
        institution=code,
        subject=subject,
        title=title,
        body=body,
        active=True,
        created_by=officer.username,
        updated_at=datetime.now(UTC),
    )
    session.add(template)
    session.flush()
    return _template_dict(template)


def update_answer_template(
    session: Session,
    officer: Principal,
    template_id: object,
    title: object = None,
    body: object = None,
    subject: object = None,
    active: object = None,
) -> dict[str, Any]:
    """Whoever keeps the institution's templates changes one: its title, body, subject ("" for any subject) or
    `active` (false retires it, true brings it back); None leaves a field as it is. A template of an institution
    the officer neither keeps nor uses templates of is answered as missing, like an id that does not exist."""
    template = None
    if isinstance(template_id, int) and not isinstance(template_id, bool) and 0 < template_id < 2**63:
        template = session.get(AnswerTemplate, template_id, with_for_update=True)
    if template is None:
        raise NotFound("answer_template_not_found")
    scope = access.institution_scope(template.institution)
    if not access.allowed(officer, Action.MANAGE_ANSWER_TEMPLATES, scope):
        if not access.allowed(officer, Action.USE_ANSWER_TEMPLATES, scope):
            raise NotFound("answer_template_not_found")
        raise Forbidden("forbidden", Action.MANAGE_ANSWER_TEMPLATES.value)
    if title is not None:
        template.title = answer_templates.check_title(title)
    if body is not None:
        template.body = answer_templates.check_body(body)
    if subject is not None:
        template.subject = answer_templates.check_subject(subject)
    if active is not None:
        if not isinstance(active, bool):
            raise InvalidRequest("invalid_active", "active")
        template.active = active
    template.updated_at = datetime.now(UTC)
    session.flush()
    return _template_dict(template)


# --- Retention (KVKK) -------------------------------------------------------------------------------------------


def erase_delivered_events(session: Session, now: datetime, policy: Retention) -> dict[str, int]:
    """Routing keeps no applicant; its delivered outbox rows, copies of what it sent (an officer's client address
    in an audit line, an application sent to an institution's system), go once the retention period is over."""
    return {"outbox": retention.erase_delivered_outbox(session, OutboxMessage, now, policy)}


def overdue(session: Session) -> int:
    """Open applications past their deadline, for the metrics (the partial index of open deadlines answers it)."""
    today = calendar.today()
    return int(
        session.scalar(
            select(func.count())
            .select_from(Assignment)
            .where(Assignment.status == "assigned", Assignment.deadline < today)
        )
        or 0
    )
