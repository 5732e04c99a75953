"""Intake's use cases: plain functions over a SQLAlchemy session, called by `service.py` inside a transaction."""

from __future__ import annotations

import uuid
from base64 import b64encode
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from types import SimpleNamespace
from typing import Any
from weakref import WeakKeyDictionary

from cryptography.fernet import InvalidToken
from sqlalchemy import (
    Boolean,
    ColumnElement,
    DateTime,
    Numeric,
    Select,
    String,
    Uuid,
    and_,
    bindparam,
    cast,
    collate,
    delete,
    func,
    insert,
    or_,
    select,
    true,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, array
from sqlalchemy.dialects.postgresql import insert as upsert
from sqlalchemy.orm import Session

from cimer_common import access, appeals, calendar, retention
from cimer_common.access import Action, ApplicationScope
from cimer_common.db import Compiled, unnested
from cimer_common.errors import DomainError, NotFound, NotReady, TooManyRequests
from cimer_common.events import (
    ActivityRecorded,
    ApplicationAnswered,
    ApplicationAppealed,
    ApplicationAssigned,
    ApplicationClosed,
    ApplicationReceived,
    DeadlineExtended,
    FeedbackGiven,
    officer_activity,
)
from cimer_common.logs import get_logger
from cimer_common.outbox import OutboxWriter, staged_cte
from cimer_common.retention import Retention
from cimer_common.schemas import ApplicationCreate
from cimer_common.tokens import Principal
from intake import domain
from intake.attachments import Store
from intake.models import (
    Applicant,
    Application,
    Attachment,
    DuplicateLink,
    FilingMark,
    HistoryEntry,
    OutboxMessage,
    StatusLookupFailure,
    tracking_sequence,
)

log = get_logger(__name__)

# Advisory lock classes of the two-key locks (class, hashtext(key)): one status look-up per address, and per
# tracking number, at a time, from the throttle check to the recorded failure, so concurrent guesses cannot all
# slip in under the limits. The address's is always taken first, so two look-ups never wait on each other in turn.
STATUS_LOOKUP_LOCK = 0x535441
STATUS_LOOKUP_NUMBER_LOCK = 0x53544E


@dataclass(frozen=True)
class Outcome:
    """A result, or a refusal the service raises once the transaction has committed (a failed look-up must stay
    recorded for the throttle although the caller is refused)."""

    result: dict[str, Any] | None = None
    refusal: DomainError | None = None

    def unwrap(self) -> dict[str, Any]:
        if self.refusal is not None:
            raise self.refusal
        assert self.result is not None
        return self.result


APPLICANT_FIELDS = ("national_id", "first_name", "last_name", "email", "phone", "address")
FILED_FIELDS = (
    "id", "tracking_number", "access_code_hash", "access_code_sealed", "kind", "petition_type", "channel", "subject",
    "title", "body", "province", "district", "target_institution", "recorded_by", "recorded_by_user", "anonymous",
    "confidential", "language", "official_name", "official_rank", "official_institution", "status", "received_at",
    "deadline", "held_by", "coordinators",
)  # fmt: skip


@cache
def _filing(with_applicant: bool) -> Compiled:
    """One statement that stores an application, its applicant, its first line of history and the event that
    announces it (`staged_cte`): one round trip, built once (the ORM's unit of work spent more than the database on
    these rows). PostgreSQL runs every data-modifying CTE, and checks the applicant's foreign key at the statement's
    end, when both rows are in."""
    applications, applicants, history = Application.__table__, Applicant.__table__, HistoryEntry.__table__
    # Parameters are named apart from the history's own columns (SQLAlchemy reserves those names), and each
    # table's reference to the application has one of its own, typed by that table's column.
    values = {name: bindparam(f"filed_{name}") for name in FILED_FIELDS}
    stored = insert(applications).values(values).cte("application")
    first_line = insert(history).values(
        application_id=bindparam("history_application_id", type_=history.c.application_id.type),
        at=bindparam("filed_received_at"),
        status="received",
        institution=None,
    )
    ctes = [stored]
    if with_applicant:
        person = {name: bindparam(f"applicant_{name}") for name in APPLICANT_FIELDS}
        reference = bindparam("applicant_application_id", type_=applicants.c.application_id.type)
        ctes.append(insert(applicants).values(application_id=reference, **person).cte("applicant"))
    ctes.append(staged_cte(OutboxMessage.__table__))  # and its `application_received`, staged in the outbox
    return Compiled(first_line.add_cte(*ctes))


_MARKS = FilingMark.__table__
_KEYS = bindparam("keys", type_=ARRAY(String))
# The filing's marks, inserted in the same statement that reads each key's most recent earlier ones (as many as
# its limit): one round trip. The statement's own inserts are not visible to its read (one snapshot), and a
# refusal rolls the transaction back, marks and all.
_MARK = (
    insert(_MARKS)
    .from_select(["key_hash", "at"], select(func.unnest(_KEYS), bindparam("now")))
    .returning(_MARKS.c.id)
    .cte("marked")
)
_RANKED_MARKS = (
    select(
        _MARKS.c.key_hash,
        _MARKS.c.at,
        func.row_number().over(partition_by=_MARKS.c.key_hash, order_by=_MARKS.c.at.desc()).label("nth"),
    )
    .where(_MARKS.c.key_hash == func.any(_KEYS), _MARKS.c.at > bindparam("since"))
    .subquery()
)
MARK_AND_COUNT = (
    select(_RANKED_MARKS.c.key_hash, _RANKED_MARKS.c.at).where(_RANKED_MARKS.c.nth <= bindparam("most")).add_cte(_MARK)
)


def _within_filing_limits(
    session: Session,
    request: ApplicationCreate,
    client_address: str | None,
    pepper: str,
    limits: dict[str, domain.FilingLimit],
    now: datetime,
) -> None:
    """Mark a web filing against each of its keys, and refuse it over a limit (`TooManyRequests`: the caller's
    transaction rolls back, so nothing is stored, marks included). Two filings at the very same moment may both
    pass the last place under a limit: a limit against floods, not a count to the unit, so no lock is taken on the
    hot path."""
    kinds = {
        domain.filing_key_hash(pepper, kind, value): kind for kind, value in domain.filing_keys(request, client_address)
    }
    if not kinds:
        return
    wanted = [limits[kind] for kind in kinds.values()]
    since = now - max(limit.window for limit in wanted)
    most = max(limit.most for limit in wanted)
    earlier = session.execute(MARK_AND_COUNT, {"keys": list(kinds), "now": now, "since": since, "most": most})
    marks: dict[str, list[datetime]] = {key: [] for key in kinds}
    for key, at in earlier:
        marks[key].append(at)
    wait = domain.filing_retry_after(marks, kinds, limits, now)
    if wait is not None:
        raise TooManyRequests("too_many_filings", str(wait))  # the transaction, the marks with it, rolls back


# Tracking numbers' sequence values, taken from the database a block at a time and handed out by this process: one
# round trip per `SEQUENCE_BLOCK` filings, not one per filing (a fifth of a filing's time in intake, `bench/README.md`).
# The numbers stay unique (PostgreSQL's sequence never gives a value twice); those of a block left unused when the
# process stops are skipped, as a rolled back filing's always was, and two processes' filings interleave.
SEQUENCE_BLOCK = 20
_RESERVED_NUMBERS = select(func.nextval(tracking_sequence.name)).select_from(func.generate_series(1, SEQUENCE_BLOCK))
_reserved: WeakKeyDictionary[Any, deque[int]] = WeakKeyDictionary()  # by engine: a service started anew starts afresh


def _next_in_sequence(session: Session) -> int:
    reserved = _reserved.setdefault(session.get_bind(), deque())
    if not reserved:
        reserved.extend(sorted(session.scalars(_RESERVED_NUMBERS)))
    return reserved.popleft()


def file_application(
    session: Session,
    outbox: OutboxWriter,
    request: ApplicationCreate,
    pepper: str,
    seal_key: str,
    officer: Principal | None = None,
    client_address: str | None = None,
    limits: dict[str, domain.FilingLimit] | None = None,
) -> dict[str, Any]:
    """Check, number and store an application, and announce it; returns what the applicant is told once.

    A web filing is first held to `limits` (by `client_address` and by the applicant's contacts; none given, no
    limit). The access code is kept hashed, and also sealed with `seal_key` until the receipt carrying it is done
    with (`notice_contacts`, `receipts_done`)."""
    request = domain.recording_officer_rules(request, officer)
    recorded_by = officer.institution if officer and request.channel != "web" else None
    domain.check(request)
    outbox.check_room()  # back-pressure: a backlog over its bound takes nothing more (503, Retry-After)
    received_at = datetime.now(UTC)
    if limits is not None:
        _within_filing_limits(session, request, client_address, pepper, limits, received_at)
    number = domain.tracking_number(received_at, _next_in_sequence(session))
    access_code = domain.new_access_code()
    reachable = domain.can_be_told(request)
    application: dict[str, Any] = {
        "id": uuid.uuid4(),
        "tracking_number": number,
        "access_code_hash": domain.hash_access_code(pepper, number, access_code),
        # Sealed only for a receipt that can be sent: an anonymous or unreachable applicant's code is never kept.
        "access_code_sealed": domain.seal_access_code(seal_key, access_code) if reachable else None,
        "kind": request.kind,
        "petition_type": request.petition_type,
        "channel": request.channel,
        "subject": request.subject,
        "title": request.title,
        "body": request.body,
        "province": request.province,
        "district": domain.canonical_district(request),
        "target_institution": request.target_institution,
        "recorded_by": recorded_by,
        "recorded_by_user": officer.username if recorded_by and officer else None,
        "anonymous": request.applicant is None,
        "confidential": request.confidential,
        "language": request.language,
        "official_name": request.official.name if request.official else None,
        "official_rank": request.official.rank if request.official else None,
        "official_institution": request.official.institution if request.official else None,
        "status": "received",
        "received_at": received_at,
        "deadline": calendar.deadline(request.kind, received_at),
        "held_by": [],  # given here: a column's Python default does not reach a row inserted in a CTE
        "coordinators": [],
    }
    applicant = request.applicant.model_dump() if request.applicant is not None else None
    person = {f"applicant_{name}": value for name, value in (applicant or {}).items()}
    references = {key: application["id"] for key in ("history_application_id", "applicant_application_id")}
    filed = {f"filed_{name}": value for name, value in application.items()}
    announced = outbox.staging(
        "application_received",
        ApplicationReceived(
            application_id=application["id"],
            tracking_number=number,
            kind=request.kind,
            petition_type=request.petition_type,
            channel=request.channel,
            subject=request.subject,
            province=request.province,
            district=application["district"],
            target_institution=request.target_institution,
            recorded_by=recorded_by,
            official_rank=application["official_rank"],
            official_institution=application["official_institution"],
            anonymous=application["anonymous"],
            confidential=application["confidential"],
            reachable=reachable,
            language=request.language,
            received_at=received_at,
            deadline=application["deadline"],
        ),
    )
    _filing(applicant is not None).execute(session, {**filed, **references, **person, **announced})
    return {
        "tracking_number": number,
        "access_code": access_code,
        "status": application["status"],
        "deadline": application["deadline"].isoformat(),
    }


def notice_contacts(
    session: Session, wanted: list[tuple[uuid.UUID, str]], seal_key: str
) -> list[dict[str, Any] | None]:
    """Whom notification tells about each `(application, kind)` of a sending round, and how, in one query: None
    where the application is unknown, anonymous, or its applicant gave neither e-mail nor phone. A confidential
    applicant is told too: confidentiality hides them from the handling institution, not from themselves. The
    access code is unsealed only for the receipt (`kind == "receipt"`), and only until the receipt is done with."""
    rows = session.execute(
        select(Application.id, Application.language, Application.tracking_number, Application.access_code_sealed,
               Applicant.first_name, Applicant.last_name, Applicant.email, Applicant.phone)
        .join(Applicant, Applicant.application_id == Application.id)
        .where(Application.id.in_({application_id for application_id, _ in wanted}), Application.anonymous.is_(False))
    ).all()  # fmt: skip
    found = {row.id: row for row in rows if row.email or row.phone}
    contacts: list[dict[str, Any] | None] = []
    for application_id, kind in wanted:
        row = found.get(application_id)
        if row is None:
            contacts.append(None)
            continue
        contacts.append(
            {
                "name": f"{row.first_name} {row.last_name}",
                "email": row.email,
                "phone": row.phone,
                "language": row.language,
                "tracking_number": row.tracking_number,
                "access_code": _unsealed(row, seal_key) if kind == "receipt" else None,
            }
        )
    return contacts


def _unsealed(row: Any, seal_key: str) -> str | None:
    """The receipt's access code, or None: already done with, or sealed with another key (a rotated
    ACCESS_CODE_SEAL_KEY strands it). Notification sends no receipt without its code; one stranded code must not
    hold back the rest of a round."""
    if not row.access_code_sealed:
        return None
    try:
        return domain.unseal_access_code(seal_key, row.access_code_sealed)
    except InvalidToken:
        log.error("access code cannot be unsealed with this key", tracking_number=row.tracking_number)
        return None


def receipts_done(session: Session, application_ids: list[uuid.UUID]) -> None:
    """These receipts are done with (delivered, or given up): forget the sealed codes, keep only their hashes.
    Again, or for an unknown application: nothing happens."""
    session.execute(
        update(Application)
        .where(Application.id.in_(application_ids), Application.access_code_sealed.is_not(None))
        .values(access_code_sealed=None)
    )


def forget_old_filing_marks(session: Session, now: datetime) -> int:
    """Forget the marks no limit counts any longer; returns how many."""
    forgotten = session.execute(delete(FilingMark).where(FilingMark.at < now - domain.FILING_MARKS_KEPT))
    return int(forgotten.rowcount)


def erase_personal_data(
    session: Session, outbox: OutboxWriter, now: datetime, policy: Retention, store: Store | None = None
) -> dict[str, int]:
    """KVKK: once the retention period after its answer is over, an application keeps what is counted (kind,
    subject, channel, province, dates, holder, outcome) and loses its applicant, the official named in an ethics
    complaint, every text (the applicant's, the answer's, the extension's reason), which may name people, and its
    attachments (their rows, and each file no other application's row still names).
    Delivered outbox rows (an address in an audit line, an applicant sent to an institution's system) go after
    theirs. The applications erased are written to the audit trail. At most `ERASE_AT_ONCE` applications a run."""
    due = retention.due(
        session,
        Application.id,
        Application.answered_at,
        Application.answered_at < now - policy.personal_data,
        Application.personal_data_erased_at.is_(None),
    )
    files: set[str] = set()
    if due:
        session.execute(delete(Applicant).where(Applicant.application_id.in_(due)))
        # Which applications one applicant made, or told again, is theirs too: the pairs go with them.
        session.execute(
            delete(DuplicateLink).where(or_(DuplicateLink.application_id.in_(due), DuplicateLink.other_id.in_(due)))
        )
        files = set(
            session.scalars(
                delete(Attachment).where(Attachment.application_id.in_(due)).returning(Attachment.sha256)
            ).all()
        )
        kept = set(session.scalars(select(Attachment.sha256).where(Attachment.sha256.in_(files)))) if files else set()
        if store is not None:
            for sha256 in files - kept:
                # Before the commit: were it to fail, a row would name a file gone, which its reader is told is
                # missing (`read_attachment`); never a file kept that no row names.
                store.remove(sha256)
        session.execute(
            update(Application)
            .where(Application.id.in_(due))
            .values(
                title=domain.ERASED_TEXT,
                body=domain.ERASED_TEXT,
                answer_text=None,
                extension_reason=None,
                appeal_reason=None,
                feedback_comment=None,
                official_name=None,
                access_code_sealed=None,
                personal_data_erased_at=now,
            )
            .execution_options(synchronize_session=False)
        )
    erased = {
        "applications": len(due),
        "attachments": len(files),
        "outbox": retention.erase_delivered_outbox(session, OutboxMessage, now, policy),
    }
    if erased["applications"]:  # (the outbox rows alone are housekeeping: `retention`)
        outbox.add(
            session,
            "activity_recorded",
            ActivityRecorded(action="personal_data_erased", target=retention.summary(erased), at=now),
        )
    return erased


def forget_stale_access_codes(session: Session, now: datetime) -> int:
    """Forget every sealed code older than `domain.SEALED_AT_MOST`, whatever became of its receipt (notification
    down for a day, a report of it lost); returns how many."""
    forgotten = session.execute(
        update(Application)
        .where(Application.access_code_sealed.is_not(None), Application.received_at < now - domain.SEALED_AT_MOST)
        .values(access_code_sealed=None)
        .execution_options(synchronize_session=False)
    )
    return int(forgotten.rowcount)


def _union(column: Any, added: Any) -> Any:
    """The column's array with `added` merged in, sorted and without repeats (the same whatever the order)."""
    codes_in = func.unnest(column.op("||")(added)).table_valued("code").render_derived(name="codes")
    # In code-point order, as Python's sorted() has it, whatever the database's collation.
    codes = select(collate(codes_in.c.code, "C").label("code")).distinct().order_by("code")
    return func.array(codes.correlate(column.table).scalar_subquery())


@cache
def _assign() -> Any:
    """One statement: the application takes its new holder and its history the line, in one round trip; it returns
    whether the application was there to take it. Once answered or closed, only an appeal or the board's order
    made after the answer reopens it. Arriving late (events are consumed in any order, by several replicas), a
    move from before the latest answer changes nothing, nor an appeal's move once the board's decision is known."""
    applications, history = Application.__table__, HistoryEntry.__table__
    at = bindparam("at", type_=history.c.at.type)
    held = (
        update(applications)
        .where(
            applications.c.id == bindparam("target"),
            or_(applications.c.answered_at.is_(None), applications.c.answered_at < at),
            ~and_(bindparam("appealing", type_=Boolean), applications.c.appeal_decision.is_not(None)),
            or_(applications.c.status.not_in(["answered", "closed"]), bindparam("reopens", type_=Boolean)),
        )
        .values(
            status="assigned",
            institution=bindparam("holder"),
            deadline=func.coalesce(bindparam("deadline", type_=applications.c.deadline.type), applications.c.deadline),
            held_by=_union(applications.c.held_by, array([bindparam("holder")], type_=ARRAY(String(64)))),
            coordinators=_union(applications.c.coordinators, bindparam("added", type_=ARRAY(String(64)))),
            updated_at=func.now(),
        )
        .returning(applications.c.id)
        .cte("held")
    )
    line = select(held.c.id, at, bindparam("line", type_=history.c.status.type), bindparam("holder"))
    return (
        insert(history)
        .from_select(["application_id", "at", "status", "institution"], line)
        .returning(history.c.application_id)
    )


# The moves that reopen an answered application (SPEC section 12), and what the public history says of each;
# every other move is `assigned` at its holder.
HISTORY_LINES = {"appealed": "appealed", "ordered": "answer_ordered"}


def record_assignment(session: Session, outbox: OutboxWriter, event: ApplicationAssigned) -> None:
    values = {
        "target": event.application_id,
        "holder": event.institution,
        "added": sorted(set(event.coordinators)),
        "at": event.assigned_at,
        "deadline": event.deadline,
        "line": HISTORY_LINES.get(event.reason, "assigned"),
        "reopens": event.reason in HISTORY_LINES,
        "appealing": event.reason == "appealed",
    }
    if session.execute(_assign(), values).first() is not None:
        if event.reason == "ordered":
            session.execute(
                update(Application)
                .where(Application.id == event.application_id)
                .values(appeal_decision=appeals.ANSWER_ORDERED)
                .execution_options(synchronize_session=False)
            )
        if event.institution_system:
            send_to_institution_system(session, outbox, event)
        return
    if session.get(Application, event.application_id) is None:
        # Routing only assigns what intake announced, so this is a broken invariant, not a race: fail loudly
        # and let the message be retried rather than forget the assignment.
        raise LookupError(f"assignment for unknown application {event.application_id}")
    # Answered or closed: a late assignment changes nothing.


def _personal_data(application: Application) -> dict[str, str | None] | None:
    """The applicant's personal data as stored, for `domain.applicant_view` to show as much as the reader may see."""
    personal = application.applicant
    if personal is None:
        return None
    return {
        "national_id": personal.national_id,
        "first_name": personal.first_name,
        "last_name": personal.last_name,
        "email": personal.email,
        "phone": personal.phone,
        "address": personal.address,
    }


def send_to_institution_system(session: Session, outbox: OutboxWriter, event: ApplicationAssigned) -> None:
    """The new holder's own system gets the application (SPEC section 10), with the applicant as an officer of
    that institution sees them (SPEC section 7): masked national ID; nobody when confidential or anonymous. Handing
    the applicant over is a read of personal data by that institution, kept in the audit trail."""
    application = session.get(Application, event.application_id)
    assert application is not None  # it was just assigned
    system = access.institution_system(event.institution)
    shown = domain.applicant_view(_personal_data(application), application.confidential, system, scope_of(application))
    applicant = {k: v for k, v in shown.items() if k != "confidential"} if shown and "first_name" in shown else None
    outbox.to_institution(
        session,
        event.institution,
        {
            "type": "application_assigned",
            "occurred_at": event.assigned_at.isoformat(),
            "tracking_number": application.tracking_number,
            "kind": application.kind,
            "petition_type": application.petition_type,
            "channel": application.channel,
            "subject": application.subject,
            "title": application.title,
            "body": application.body,
            "province": application.province,
            "district": application.district,
            "received_at": application.received_at.isoformat(),
            "deadline": application.deadline.isoformat(),
            "from_institution": event.previous_institution,
            "reason": event.reason,
            "note": event.note,
            "applicant": applicant,
        },
    )
    if applicant is not None:
        outbox.add(
            session,
            "activity_recorded",
            officer_activity(
                system.user_id, system.username, system.institution, "read_personal_data",
                application.tracking_number, None, event.assigned_at,
            ),
        )  # fmt: skip


def _record_history(
    session: Session, application: Application, at: datetime, status: str, institution: str | None
) -> None:
    # Added beside the application rather than appended to `application.history`, which would first load every
    # earlier entry (a query per event, for nothing: the public status reads them in order of `at`).
    session.add(HistoryEntry(application_id=application.id, at=at, status=status, institution=institution))


def _locked(session: Session, application_id: Any, what: str) -> Application:
    application = session.get(Application, application_id, with_for_update=True)
    if application is None:
        # Routing only speaks of what intake announced: a broken invariant, not a race. Fail loudly and let the
        # message be retried rather than forget it.
        raise LookupError(f"{what} for unknown application {application_id}")
    return application


def record_answer(session: Session, event: ApplicationAnswered) -> None:
    """The holder answered: the application is answered, whatever arrives after (an earlier assignment delivered
    late changes nothing, see `record_assignment`). A second answer counts only when it came later than the one
    recorded, after an appeal (the board's decision, or the answer it ordered): the same answer delivered twice,
    or a different one from before, is ignored."""
    application = _locked(session, event.application_id, "answer")
    if application.answered_at is not None and event.answered_at <= application.answered_at:
        return
    if application.status in ("answered", "closed") and event.appeal is None:
        return
    application.status = "answered"
    application.closed_at = None
    if event.appeal == "upheld":
        application.appeal_decision = appeals.UPHELD
    elif event.appeal == "ordered":
        application.appeal_decision = appeals.ANSWER_ORDERED
    application.institution = event.institution
    application.held_by = sorted({*application.held_by, event.institution})
    application.answer_outcome = event.outcome
    application.answer_text = event.text
    application.answered_at = event.answered_at
    application.answered_by = event.institution
    application.updated_at = datetime.now(UTC)
    _record_history(session, application, event.answered_at, "answered", event.institution)


def record_closing(session: Session, event: ApplicationClosed) -> None:
    """The appeal window after the answer passed without an appeal. Only the answer it closes on is closed: an
    appeal or a later answer recorded in the meantime wins."""
    application = _locked(session, event.application_id, "closing")
    if application.status != "answered" or application.answered_at != event.answered_at:
        return
    application.status = "closed"
    application.closed_at = event.closed_at
    application.updated_at = datetime.now(UTC)
    _record_history(session, application, event.closed_at, "closed", event.institution)


def record_extension(session: Session, event: DeadlineExtended) -> None:
    """An information request's one extension: the new deadline and its reason. The status does not change (it
    is still where it was, with more time); the history gains an entry `extended`, at the extending institution.
    Recorded even if the answer arrived first: the extension happened, and the deadline it set is a fact."""
    application = _locked(session, event.application_id, "extension")
    if application.extended_at is not None and application.extended_at >= event.extended_at:
        return
    application.deadline = event.deadline
    application.extension_reason = event.reason
    application.extended_at = event.extended_at
    application.updated_at = datetime.now(UTC)
    _record_history(session, application, event.extended_at, "extended", event.institution)


def _answer(application: Application) -> dict[str, Any] | None:
    if application.answered_at is None:
        return None
    return {
        "outcome": application.answer_outcome,
        "text": application.answer_text,
        "answered_at": application.answered_at.isoformat(),
        "institution": application.answered_by,
    }


def _extension(application: Application) -> dict[str, Any] | None:
    if application.extended_at is None:
        return None
    return {"reason": application.extension_reason, "extended_at": application.extended_at.isoformat()}


def _history(application: Application) -> list[dict[str, Any]]:
    return [{"at": h.at.isoformat(), "status": h.status, "institution": h.institution} for h in application.history]


def _applicants_own(
    session: Session,
    tracking_number: str,
    access_code: str,
    pepper: str,
    client_address: str | None,
    now: datetime,
    for_update: bool = False,
) -> Application | DomainError:
    """The application the pair opens, or the refusal: a wrong pair is answered exactly like a number that does
    not exist. Everything the applicant does with the pair (the status, an appeal, a rating) comes through here.

    Throttled against guessing, before the pair is checked: an address (an IPv6 /64) with
    `MAX_STATUS_LOOKUP_FAILURES` failed look-ups in the window, or a tracking number with
    `MAX_STATUS_LOOKUP_FAILURES_PER_NUMBER`, is refused, even with a right pair, until the oldest of them leaves
    the window. A call without an address (an internal caller) is not throttled."""
    address = domain.clean_client_address(client_address)
    number = domain.normalise_tracking_number(tracking_number)
    if address is not None:
        keys = [(STATUS_LOOKUP_LOCK, StatusLookupFailure.client_address, address, domain.MAX_STATUS_LOOKUP_FAILURES)]
        if number is not None:
            limit = domain.MAX_STATUS_LOOKUP_FAILURES_PER_NUMBER
            keys.append((STATUS_LOOKUP_NUMBER_LOCK, StatusLookupFailure.tracking_number, number, limit))
        waits = []
        for lock, column, key, limit in keys:
            session.execute(select(func.pg_advisory_xact_lock(lock, func.hashtext(key))))
            recent = session.scalars(
                select(StatusLookupFailure.at)
                .where(column == key, StatusLookupFailure.at > now - domain.STATUS_LOOKUP_WINDOW)
                .order_by(StatusLookupFailure.at.desc())
                .limit(limit)
            ).all()
            waits.append(domain.throttle_retry_after(recent, now, limit))
        wait = domain.longest_wait(waits)
        if wait is not None:
            return TooManyRequests("too_many_lookups", str(wait))
    application = None
    if number is not None:
        statement = select(Application).where(Application.tracking_number == number)
        application = session.scalars(statement.with_for_update() if for_update else statement).first()
    # Compare against a hash even when there is no such application, so the time taken does not tell them apart.
    stored = application.access_code_hash if application else "0" * 64
    matches = domain.access_code_matches(pepper, number or "", access_code, stored)
    if application is None or not matches:
        if address is not None:
            session.add(StatusLookupFailure(client_address=address, tracking_number=number, at=now))
            # The throttle forgets them anyway.
            session.execute(
                delete(StatusLookupFailure).where(StatusLookupFailure.at <= now - domain.STATUS_LOOKUP_WINDOW)
            )
        return NotFound("application_not_found")
    return application


def status(
    session: Session,
    tracking_number: str,
    access_code: str,
    pepper: str,
    client_address: str | None,
    now: datetime,
) -> Outcome:
    """The public status, for the tracking number and access code (`_applicants_own`)."""
    application = _applicants_own(session, tracking_number, access_code, pepper, client_address, now)
    if isinstance(application, DomainError):
        return Outcome(refusal=application)
    return Outcome(result=_public_status(session, application, calendar.today()))


def _public_status(session: Session, application: Application, today: date) -> dict[str, Any]:
    return {
        "tracking_number": application.tracking_number,
        "status": application.status,
        "kind": application.kind,
        "received_at": application.received_at.isoformat(),
        "deadline": application.deadline.isoformat(),
        "institution": application.institution,
        "history": _history(application),
        "answer": _answer(application),
        "extension": _extension(application),
        "closed_at": application.closed_at.isoformat() if application.closed_at else None,
        "appeal": _appeal(application, today),
        "feedback": _feedback(application),
        "attachments": _attachments(session, application),
    }


def _appeal(application: Application, today: date) -> dict[str, Any] | None:
    """The appeal made, or, while one may be made, until when (so the applicant is told their right)."""
    if application.appealed_at is not None:
        return {
            "appealed_at": application.appealed_at.isoformat(),
            "reason": application.appeal_reason,
            "decision": application.appeal_decision,
        }
    if appeals.refusal(application.kind, application.answer_outcome, application.answered_at, None, today):
        return None
    assert application.answered_at is not None  # checked
    return {"may_appeal_until": calendar.appeal_window_ends(application.answered_at).isoformat()}


def _feedback(application: Application) -> dict[str, Any] | None:
    if application.feedback_at is None:
        return None
    return {
        "rating": application.feedback_rating,
        "solved": application.feedback_solved,
        "comment": application.feedback_comment,
        "given_at": application.feedback_at.isoformat(),
    }


def appeal(
    session: Session,
    outbox: OutboxWriter,
    tracking_number: str,
    access_code: str,
    reason: object,
    pepper: str,
    client_address: str | None,
    now: datetime,
) -> Outcome:
    """The applicant appeals a refused information request to the information review board (SPEC section 12):
    checked here against the answer they read and its window, kept with the reason, and announced to routing,
    which moves the application to the board. Once only."""
    application = _applicants_own(session, tracking_number, access_code, pepper, client_address, now, for_update=True)
    if isinstance(application, DomainError):
        return Outcome(refusal=application)
    try:
        reason = appeals.check_appeal(
            application.kind,
            application.answer_outcome,
            application.answered_at,
            application.appealed_at,
            now.astimezone(calendar.TURKEY).date(),
            reason,
        )
    except DomainError as refused:
        return Outcome(refusal=refused)
    assert application.answered_at is not None  # checked
    application.appealed_at = now
    application.appeal_reason = reason
    application.updated_at = now
    outbox.add(
        session,
        "application_appealed",
        ApplicationAppealed(
            application_id=application.id,
            tracking_number=application.tracking_number,
            answered_at=application.answered_at,
            appealed_at=now,
        ),
    )
    return Outcome(result=_public_status(session, application, now.astimezone(calendar.TURKEY).date()))


def give_feedback(
    session: Session,
    outbox: OutboxWriter,
    tracking_number: str,
    access_code: str,
    rating: object,
    solved: object,
    comment: object,
    pepper: str,
    client_address: str | None,
    now: datetime,
) -> Outcome:
    """The applicant rates the answer, once (SPEC section 12); reporting counts the rating for the institution
    that answered. The comment stays here, read by the institution's officers with the application."""
    application = _applicants_own(session, tracking_number, access_code, pepper, client_address, now, for_update=True)
    if isinstance(application, DomainError):
        return Outcome(refusal=application)
    try:
        rating, solved, comment = domain.check_feedback(
            application.answered_at, application.feedback_at, rating, solved, comment
        )
    except DomainError as refused:
        return Outcome(refusal=refused)
    assert application.answered_by is not None  # answered
    application.feedback_rating = rating
    application.feedback_solved = solved
    application.feedback_comment = comment
    application.feedback_at = now
    outbox.add(
        session,
        "feedback_given",
        FeedbackGiven(
            application_id=application.id,
            tracking_number=application.tracking_number,
            institution=application.answered_by,
            rating=rating,
            solved=solved,
            given_at=now,
        ),
    )
    return Outcome(result=_public_status(session, application, now.astimezone(calendar.TURKEY).date()))


def scope_of(application: Application) -> ApplicationScope:
    return ApplicationScope(
        holder=application.institution,
        held_by=frozenset(application.held_by),
        coordinators=frozenset(application.coordinators),
    )


def _summary(application: Application) -> dict[str, Any]:
    return {
        "tracking_number": application.tracking_number,
        "kind": application.kind,
        "petition_type": application.petition_type,
        "channel": application.channel,
        "subject": application.subject,
        "title": application.title,
        "province": application.province,
        "district": application.district,
        "status": application.status,
        "institution": application.institution,
        "received_at": application.received_at.isoformat(),
        "deadline": application.deadline.isoformat(),
        "anonymous": application.anonymous,
        "confidential": application.confidential,
    }


def inbox(
    session: Session,
    officer: Principal,
    limit: int,
    offset: int,
    kind: str | None = None,
    overdue: bool | None = None,
) -> dict[str, Any]:
    """What the officer's institution holds now and has still to do (assigned, not answered), the nearest
    deadline first; optionally of one kind, or only overdue (deadline before today in Turkey) or only not. No
    personal data: a list is not a reason to see who applied; opening one application is, and is audited."""
    access.require(officer, Action.LIST_INBOX)
    domain.check_inbox_filters(kind, overdue)
    conditions = [Application.institution == officer.institution, Application.status == "assigned"]
    if kind is not None:
        conditions.append(Application.kind == kind)
    if overdue is True:
        conditions.append(Application.deadline < calendar.today())
    elif overdue is False:
        conditions.append(Application.deadline >= calendar.today())
    total = session.scalar(select(func.count()).select_from(Application).where(*conditions))
    rows = session.scalars(
        select(Application)
        .where(*conditions)
        .order_by(Application.deadline, Application.received_at)
        .limit(limit)
        .offset(offset)
    )
    return {"total": total, "limit": limit, "offset": offset, "items": [_summary(a) for a in rows]}


def _open_scope(officer: Principal) -> list[ColumnElement[bool]]:
    """Which open applications a coordinator reads, as `access._reads` decides it for one: everything for the
    Presidency's; otherwise those naming the officer's institution in `held_by` or `coordinators`, asked as the
    expression of the partial GIN index `ix_applications_open_scope` so the planner can use it."""
    conditions: list[ColumnElement[bool]] = [Application.status == "assigned"]
    if not access.coordinates_everything(officer):
        scope = Application.held_by.op("||", return_type=ARRAY(String(64)))(Application.coordinators)
        conditions.append(scope.contains(array([officer.institution], type_=String(64))))
    return conditions


def overview_query(officer: Principal, today: date) -> Select[tuple[str | None, int, int]]:
    """The one grouped statement behind `overview`; apart, so a test can ask the planner how it runs it."""
    overdue = func.count().filter(Application.deadline < today)
    return (
        select(Application.institution, func.count(), overdue)
        .where(*_open_scope(officer))
        .group_by(Application.institution)
    )


def overview(session: Session, officer: Principal, today: date) -> dict[str, Any]:
    """A coordinator's subtree now: per institution holding open applications the coordinator may read, how many
    it holds and how many of those are past their deadline (before `today` in Turkey), with the totals. Counts
    only: no application, no personal data."""
    access.require(officer, Action.READ_OVERVIEW)
    rows = session.execute(overview_query(officer, today)).all()
    return domain.overview((code, open_, overdue) for code, open_, overdue in rows if code is not None)


def _readable(
    session: Session, officer: Principal, tracking_number: object, field: str | None = None, for_update: bool = False
) -> Application:
    """The application, when the officer may read it (it is or was within their reach); otherwise, missing or out
    of reach alike, `NotFound`, so an officer cannot learn what exists elsewhere."""
    number = domain.normalise_tracking_number(tracking_number) if isinstance(tracking_number, str) else None
    statement = select(Application).where(Application.tracking_number == number)
    application = session.scalars(statement.with_for_update() if for_update else statement).first() if number else None
    if application is None or not access.allowed(officer, Action.READ_APPLICATION, scope_of(application)):
        raise NotFound("application_not_found", field)
    return application


def application_for_officer(
    session: Session, outbox: OutboxWriter, officer: Principal, tracking_number: str, client_address: str | None
) -> dict[str, Any]:
    """The whole application, if it is or was within the officer's reach; the read is recorded for the audit.

    Outside their reach it is answered as missing, so an officer cannot learn what exists elsewhere."""
    application = _readable(session, officer, tracking_number)
    scope = scope_of(application)
    applicant = domain.applicant_view(_personal_data(application), application.confidential, officer, scope)
    shows_personal_data = applicant is not None and "first_name" in applicant
    action = "read_personal_data" if shows_personal_data else "read_application"
    outbox.add(
        session,
        "activity_recorded",
        officer_activity(
            officer.user_id, officer.username, officer.institution, action, application.tracking_number,
            client_address, datetime.now(UTC),
        ),
    )  # fmt: skip
    return {
        **_summary(application),
        "body": application.body,
        "target_institution": application.target_institution,
        "recorded_by": application.recorded_by,
        "official": {
            "name": application.official_name,
            "rank": application.official_rank,
            "institution": application.official_institution,
        }
        if application.official_name
        else None,
        "applicant": applicant,
        "held_by": application.held_by,
        "duplicates": _duplicates_of(session, officer, application),
        "history": _history(application),
        "answer": _answer(application),
        "extension": _extension(application),
        "closed_at": application.closed_at.isoformat() if application.closed_at else None,
        "appeal": _appeal(application, calendar.today()),
        "feedback": _feedback(application),
        "attachments": _attachments(session, application, officer),
        # Once set, the applicant and the texts are gone for good (KVKK retention, `erase_personal_data`).
        "personal_data_erased_at": erased.isoformat() if (erased := application.personal_data_erased_at) else None,
    }


# --- Attachments (SPEC section 12) -----------------------------------------------------------------------------------


def _shown_to(officer: Principal, application: Application, side: str) -> bool:
    """A confidential applicant's own files are theirs as much as their name (SPEC section 2): an officer sees
    them only where they may see who applied."""
    if side != domain.APPLICANT or not application.confidential:
        return True
    return access.allowed(officer, Action.SEE_CONFIDENTIAL_APPLICANT, scope_of(application))


def _attachments(session: Session, application: Application, officer: Principal | None = None) -> list[dict[str, Any]]:
    """The application's files as the reader may see them: all for its applicant, and for an officer all but a
    confidential applicant's own (`_shown_to`)."""
    rows = [
        a
        for a in session.scalars(
            select(Attachment).where(Attachment.application_id == application.id).order_by(Attachment.uploaded_at)
        )
        if officer is None or _shown_to(officer, application, a.side)
    ]
    return [
        {
            "id": str(a.id),
            "filename": a.filename,
            "content_type": a.content_type,
            "size": a.size,
            "side": a.side,
            "institution": a.institution,
            "uploaded_at": a.uploaded_at.isoformat(),
        }
        for a in rows
    ]


def _attached(session: Session, application: Application, side: str) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(Attachment)
            .where(Attachment.application_id == application.id, Attachment.side == side)
        )
        or 0
    )


def _officers_application(
    session: Session, officer: Principal, tracking_number: str, action: Action, for_update: bool = False
) -> Application:
    """The application when the officer may do `action` to it; outside their reach it is missing, as everywhere."""
    application = _readable(session, officer, tracking_number, for_update=for_update)
    access.require(officer, action, scope_of(application))
    return application


def _opened(
    session: Session,
    tracking_number: str,
    now: datetime,
    officer: Principal | None,
    action: Action,
    access_code: str | None,
    pepper: str,
    client_address: str | None,
    for_update: bool = False,
) -> Application | DomainError:
    """The application as its reader opens it: an officer who may do `action` to it (else `NotFound`, raised), or
    its applicant with the pair (`_applicants_own`'s refusal returned, so the throttle's count commits)."""
    if officer is not None:
        return _officers_application(session, officer, tracking_number, action, for_update)
    return _applicants_own(session, tracking_number, access_code or "", pepper, client_address, now, for_update)


def add_attachment(
    session: Session,
    outbox: OutboxWriter,
    store: Store,
    scan: Callable[[bytes], None],
    tracking_number: str,
    filename: object,
    content: bytes,
    now: datetime,
    officer: Principal | None = None,
    access_code: str | None = None,
    pepper: str = "",
    client_address: str | None = None,
) -> Outcome:
    """A file with the application, from its applicant (with the access code, until the answer) or from an officer
    of the institution holding it (it goes with the answer). Checked by content, scanned when a scanner is on,
    kept by its SHA-256 outside the database; the row is added in the caller's transaction."""
    action = Action.WORK_APPLICATION
    application = _opened(session, tracking_number, now, officer, action, access_code, pepper, client_address, True)
    if isinstance(application, DomainError):
        return Outcome(refusal=application)
    if officer is not None:
        side, open_for_it = domain.INSTITUTION, application.status == "assigned"
    else:
        side, open_for_it = domain.APPLICANT, application.status in ("received", "assigned")
    try:
        content_type, name = domain.check_attachment(
            content, filename, _attached(session, application, side), open_for_it
        )
        scan(content)
    except DomainError as refused:
        return Outcome(refusal=refused)
    attachment = Attachment(
        id=uuid.uuid4(),
        application_id=application.id,
        side=side,
        institution=officer.institution if officer else None,
        filename=name,
        content_type=content_type,
        size=len(content),
        sha256=store.put(content),
        uploaded_by=officer.username if officer else None,
        uploaded_at=now,
    )
    session.add(attachment)
    if officer is not None:
        outbox.add(
            session,
            "activity_recorded",
            officer_activity(
                officer.user_id, officer.username, officer.institution, "attach_file", application.tracking_number,
                client_address, now,
            ),
        )  # fmt: skip
    return Outcome(
        result={
            "id": str(attachment.id),
            "filename": name,
            "content_type": content_type,
            "size": len(content),
            "side": side,
        }
    )


def read_attachment(
    session: Session,
    outbox: OutboxWriter,
    store: Store,
    tracking_number: str,
    attachment_id: object,
    now: datetime,
    officer: Principal | None = None,
    access_code: str | None = None,
    pepper: str = "",
    client_address: str | None = None,
) -> Outcome:
    """A file of the application, for whoever may read the application: its applicant with the access code, or an
    officer within its scope (a read the audit trail keeps, as any read of what may be personal)."""
    action = Action.READ_APPLICATION
    application = _opened(session, tracking_number, now, officer, action, access_code, pepper, client_address)
    if isinstance(application, DomainError):
        return Outcome(refusal=application)
    try:
        key = uuid.UUID(str(attachment_id))
    except ValueError:
        return Outcome(refusal=NotFound("attachment_not_found"))
    attachment = session.get(Attachment, key)
    if (
        attachment is None
        or attachment.application_id != application.id
        or (officer is not None and not _shown_to(officer, application, attachment.side))
    ):
        return Outcome(refusal=NotFound("attachment_not_found"))
    try:
        content = store.get(attachment.sha256)
    except FileNotFoundError:
        log.error("attachment file missing", tracking_number=application.tracking_number, sha256=attachment.sha256)
        return Outcome(refusal=NotFound("attachment_not_found"))
    if officer is not None:
        outbox.add(
            session,
            "activity_recorded",
            officer_activity(
                officer.user_id, officer.username, officer.institution, "read_attachment",
                application.tracking_number, client_address, now,
            ),
        )  # fmt: skip
    return Outcome(
        result={
            "filename": attachment.filename,
            "content_type": attachment.content_type,
            "size": attachment.size,
            "body": b64encode(content).decode(),
        }
    )


def answer_attachments(
    session: Session, store: Store, application_id: uuid.UUID, answered_at: datetime | None = None
) -> list[dict[str, Any]]:
    """The files the answering institution attached up to its answer, for the answer's mail (notification): at
    most `domain.ANSWER_MAIL_BYTES` of them in all, oldest first (a mail server takes no more; the rest are on the
    status page). `answered_at` names the answer the mail is for: until intake has recorded that very answer (its
    event may reach notification first), `NotReady`, so the mail waits for its files rather than go without."""
    application = session.get(Application, application_id)
    if answered_at is not None and (application is None or application.answered_at != answered_at):
        raise NotReady("service_unavailable", "5")
    if application is None or application.answered_at is None:
        return []
    rows = session.scalars(
        select(Attachment)
        .where(
            Attachment.application_id == application.id,
            Attachment.side == domain.INSTITUTION,
            Attachment.institution == application.answered_by,
            Attachment.uploaded_at <= application.answered_at,
        )
        .order_by(Attachment.uploaded_at)
    )
    files, total = [], 0
    for attachment in rows:
        total += attachment.size
        if total > domain.ANSWER_MAIL_BYTES:
            break
        try:
            body = b64encode(store.get(attachment.sha256)).decode()
        except FileNotFoundError:
            log.error("attachment file missing", application_id=str(application.id), sha256=attachment.sha256)
            continue
        files.append({"filename": attachment.filename, "content_type": attachment.content_type, "body": body})
    return files


# --- Duplicates (SPEC section 12) ------------------------------------------------------------------------------------

# What pg_trgm compares of two applications: the title and the text.
_DUPLICATE_TEXT = Application.title + " " + Application.body
_FILED = (
    Application.id, Application.received_at, Application.status, Application.subject, Application.province,
    Application.district, Application.target_institution, Applicant.national_id,
)  # fmt: skip


def _filed(row: Any, checked: bool = False) -> domain.Filed:
    return domain.Filed(
        key=str(row.id),
        received_at=row.received_at,
        status=row.status,
        subject=row.subject,
        province=row.province,
        district=row.district,
        target_institution=row.target_institution,
        national_id=row.national_id,
        checked=checked,
    )


# A pair flagged, once: built once, run for all of a batch's pairs (SQLAlchemy's insertmanyvalues makes them one
# statement); the pairs written into the statement itself made a new one for every batch, compiled each time.
_LINKS = DuplicateLink.__table__
_FLAGGED = ("application_id", "other_id", "same_applicant", "similar_text", "similarity", "state", "flagged_at")
FLAG_PAIR = (
    upsert(_LINKS)
    .values({name: bindparam(name) for name in _FLAGGED})
    .on_conflict_do_nothing()
    .returning(_LINKS.c.application_id)
)


def find_duplicates(session: Session, now: datetime) -> dict[str, int]:
    """One batch of the scan for duplicates, off the filing's path: the oldest applications not checked yet (at
    most `domain.DUPLICATE_BATCH`; those still being assigned are left for a moment), taken `FOR UPDATE SKIP
    LOCKED` so that the service's replicas share the work without waiting on each other; for each, the candidates
    the database finds (`_candidates`, for the whole batch at once), the rules decide (`domain.closeness`,
    `domain.closest`), and the pairs are stored once (a pair found again changes nothing, whatever an officer
    decided about it). Returns how many applications were checked and how many pairs flagged."""
    batch = session.execute(
        select(*_FILED, _DUPLICATE_TEXT.label("text"))
        .outerjoin(Applicant, Applicant.application_id == Application.id)
        .where(
            Application.duplicates_checked_at.is_(None),
            or_(Application.status != "received", Application.received_at < now - domain.ASSIGNMENT_SETTLES),
        )
        .order_by(Application.received_at)
        .limit(domain.DUPLICATE_BATCH)
        .with_for_update(of=Application, skip_locked=True)
    ).all()
    pairs: dict[tuple[str, str], domain.Closeness] = {}
    checking = [(row, _filed(row)) for row in batch]
    checking = [(row, new) for row, new in checking if domain.is_open(new.status)]
    candidates = _candidates(session, [row for row, _ in checking])
    for row, new in checking:
        found = [
            (other, close)
            for other, similarity in candidates.get(row.id, {}).values()
            if (close := domain.closeness(new, other, similarity)) is not None
        ]
        for other, close in domain.closest(found):
            later, earlier = domain.ordered_pair(new, other)
            pairs.setdefault((later.key, earlier.key), close)
    flagged = 0
    if pairs:
        stored = session.execute(
            FLAG_PAIR,
            [
                {
                    "application_id": uuid.UUID(later),
                    "other_id": uuid.UUID(earlier),
                    "same_applicant": close.same_applicant,
                    "similar_text": close.similar_text,
                    "similarity": close.similarity,
                    "state": domain.FLAGGED,
                    "flagged_at": now,
                }
                for (later, earlier), close in pairs.items()
            ],
        )
        flagged = len(stored.all())
    if batch:
        session.execute(
            update(Application)
            .where(Application.id.in_([row.id for row in batch]))
            .values(duplicates_checked_at=now)
            .execution_options(synchronize_session=False)
        )
    return {"checked": len(batch), "flagged": flagged}


# The applications a scan checks, as the rows of `unnest` over one array per column (`_candidates`).
_CHECKED = (
    ("id", Uuid), ("received_at", DateTime(timezone=True)), ("text", String), ("national_id", String),
    ("subject", String), ("province", String), ("district", String), ("target_institution", String),
)  # fmt: skip


def _same_applicant(n: Any, common: tuple[Any, ...]) -> Select[Any]:
    """The applications of `n`'s applicant (by national ID), as `_closest`'s other kinds select theirs: found from
    the applicant's rows (`ix_applicants_national_id`, a handful), each application then looked up by its key. A
    lateral subquery with a LIMIT is never folded into the join, so the planner cannot turn it round: with the
    statistics of a table that grew since they were taken (a fresh database, a flood), it went the other way,
    through every open application of the window and looked the national ID up once for each, 15 ms a filing at
    4,000 open applications and growing with them (`bench/README.md`)."""
    application = (
        select(Application.id, Application.received_at)
        .where(Application.id == Applicant.application_id, *common)
        .limit(1)
        .lateral("same_applicant")
    )
    return (
        select(application.c.id)
        .select_from(Applicant)
        .join(application, true())
        .where(Applicant.national_id == n.national_id)
        .order_by(application.c.received_at.desc())
    )


def _closest(kind: str, n: Any, outer: Any = None) -> Select[Any]:
    """The few candidates of one `kind` closest to the application checked, `n` (its `_CHECKED` columns: a row of
    the batch's `unnest`, or bound parameters), ranked as `domain.closest` ranks them: among the most recent of its
    applicant's ("applicant", by national ID), or of its subject and place whose texts are alike enough (of its
    province, and of its district when it names one: "province"; naming no province, of the institution it names:
    "institution"); those whose pair its check decides (`domain.decides_pair`). Its subqueries correlate to `outer`
    alone (the batch's `unnest`), never to one another's `applications`."""
    common = (
        Application.id != n.id,
        Application.status.in_(domain.OPEN_STATUSES),
        Application.received_at.between(
            n.received_at - domain.DUPLICATE_WINDOW, n.received_at + domain.DUPLICATE_WINDOW
        ),
    )
    recent = {
        "applicant": lambda: _same_applicant(n, common),
        "province": lambda: (
            select(Application.id)
            .where(
                n.province.is_not(None),
                Application.subject == n.subject,
                Application.province == n.province,
                or_(n.district.is_(None), Application.district.is_(None), Application.district == n.district),
                *common,
            )
            .order_by(Application.received_at.desc())
        ),
        "institution": lambda: (
            select(Application.id)
            .where(
                n.province.is_(None),
                Application.subject == n.subject,
                Application.province.is_(None),
                Application.target_institution == n.target_institution,
                *common,
            )
            .order_by(Application.received_at.desc())
        ),
    }[kind]().limit(domain.DUPLICATE_CANDIDATES_AT_MOST)
    decided = or_(  # `domain.decides_pair`: uuids order as their text does
        Application.received_at < n.received_at,
        and_(Application.received_at == n.received_at, Application.id < n.id),
        Application.duplicates_checked_at.is_not(None),
    )
    # The similarity computed once per candidate, in a subquery the planner keeps apart (OFFSET 0): written where
    # it is filtered, ranked and returned, it was computed three times, the scan's largest cost in PostgreSQL.
    similarity = func.similarity(_DUPLICATE_TEXT, n.text).label("similarity")
    candidates = (
        select(*_FILED, Application.duplicates_checked_at.is_not(None).label("checked"), similarity)
        .outerjoin(Applicant, Applicant.application_id == Application.id)
        .where(Application.id.in_(recent.correlate(outer).scalar_subquery()), decided)
        .offset(0)
        .correlate(outer)
        .subquery("candidates")
    )
    alike = candidates.c.similarity >= domain.SIMILAR_TEXT_AT_LEAST if kind != "applicant" else true()
    # As `domain.Closeness` holds the similarity (rounded), so that ties rank as `domain.closest` ranks them.
    ranked = func.round(cast(candidates.c.similarity, Numeric), 3)
    return (
        select(candidates)
        .where(alike)
        .order_by(ranked.desc(), candidates.c.received_at.desc())
        .limit(domain.DUPLICATES_AT_MOST)
    )


@cache
def _alike_statement() -> Any:
    """The candidates of the batch's subject and place (`_closest`), one statement for the whole batch: the
    applications checked are the rows of `unnest` over one array per column, each with its lateral subqueries.
    Two statements per application, each built anew, cost intake more than PostgreSQL's work (`make bench`)."""
    new = unnested("new", _CHECKED)
    parts = []
    for kind in ("province", "institution"):
        closest = _closest(kind, new.c, new).lateral(kind)
        parts.append(select(new.c.id.label("new_id"), closest).select_from(new.join(closest, true())))
    return union_all(*parts)


@cache
def _same_applicant_statement() -> Any:
    """The candidates of one application's applicant (`_closest`), with bound parameters: one statement per
    application, each starting from the national ID (`_same_applicant`)."""
    n = SimpleNamespace(**{name: bindparam(f"new_{name}", type_=kind) for name, kind in _CHECKED})
    return _closest("applicant", n)


def _candidates(session: Session, checked: list[Any]) -> dict[uuid.UUID, dict[uuid.UUID, tuple[domain.Filed, float]]]:
    """For each application of `checked` (rows with `_FILED` and its `text`), the open applications within its
    window that may be close to it, each with the similarity of its text to its own (pg_trgm), cut to the few the
    rules could flag (`_closest`). The database ranks and cuts: a flood of alike applications brought hundreds of
    rows per application into the process. A superset: the rules decide."""
    found: dict[uuid.UUID, dict[uuid.UUID, tuple[domain.Filed, float]]] = {}
    if not checked:
        return found
    batch = {f"new_{name}": [getattr(application, name) for application in checked] for name, _ in _CHECKED}
    rows = [(row.new_id, row) for row in session.execute(_alike_statement(), batch)]
    for application in checked:
        if application.national_id is not None:
            one = {f"new_{name}": getattr(application, name) for name, _ in _CHECKED}
            rows += [(application.id, row) for row in session.execute(_same_applicant_statement(), one)]
    for checked_id, row in rows:
        found.setdefault(checked_id, {})[row.id] = (_filed(row, row.checked), float(row.similarity))
    return found


def _row_scope(row: Any) -> ApplicationScope:
    return ApplicationScope(
        holder=row.institution, held_by=frozenset(row.held_by), coordinators=frozenset(row.coordinators)
    )


def _duplicates_of(session: Session, officer: Principal, application: Application) -> list[dict[str, Any]]:
    """The applications flagged as close to this one that the officer may read, with why as far as they may know
    it (`domain.shown_reason`): nothing of one out of their reach, not even that it exists."""
    links = session.scalars(
        select(DuplicateLink)
        .where(or_(DuplicateLink.application_id == application.id, DuplicateLink.other_id == application.id))
        .order_by(DuplicateLink.flagged_at.desc())
        .limit(100)
    ).all()
    if not links:
        return []
    other_of = {link: link.other_id if link.application_id == application.id else link.application_id for link in links}
    others = {
        row.id: row
        for row in session.execute(
            select(
                Application.id, Application.tracking_number, Application.status, Application.institution,
                Application.held_by, Application.coordinators, Application.confidential,
            ).where(Application.id.in_(set(other_of.values())))
        )
    }  # fmt: skip
    this = domain.Side(scope_of(application), application.confidential)
    shown = []
    for link, other_id in other_of.items():
        other = others[other_id]
        side = domain.Side(_row_scope(other), other.confidential)
        reason = domain.shown_reason(officer, this, side, link.same_applicant, link.similar_text)
        if reason is None:
            continue
        shown.append(
            {
                "tracking_number": other.tracking_number,
                "reason": reason,
                "similarity": round(link.similarity, 2),
                "state": link.state,
                "status": other.status,
                "institution": other.institution,
            }
        )
    return sorted(shown, key=domain.duplicates_order)


def duplicates(session: Session, officer: Principal, tracking_number: str) -> list[dict[str, Any]]:
    """What `application_for_officer` shows as `duplicates`, alone: no personal data, so no audit line (as the
    inbox)."""
    return _duplicates_of(session, officer, _readable(session, officer, tracking_number))


def link_duplicate(
    session: Session,
    outbox: OutboxWriter,
    officer: Principal,
    tracking_number: str,
    other_number: object,
    linked: object,
    client_address: str | None,
    now: datetime,
) -> dict[str, Any]:
    """An officer of the institution holding the application links a flagged pair (`linked`), or says the two are
    not the same matter (`unlinked`); the other must be one they may read and that they are shown as close to it
    (else `NotFound("duplicate_not_found")`, whether the pair is missing or hidden from them). Kept with who and
    when, and sent to the audit trail; the same decision again changes nothing. Returns the application's
    duplicates as the officer sees them."""
    application = _readable(session, officer, tracking_number)
    this_scope = scope_of(application)
    access.require(officer, Action.WORK_APPLICATION, this_scope)
    other = _readable(session, officer, other_number, "other")
    link = session.scalars(
        select(DuplicateLink)
        .where(
            or_(
                and_(DuplicateLink.application_id == application.id, DuplicateLink.other_id == other.id),
                and_(DuplicateLink.application_id == other.id, DuplicateLink.other_id == application.id),
            )
        )
        .with_for_update()
    ).first()
    this = domain.Side(this_scope, application.confidential)
    that = domain.Side(scope_of(other), other.confidential)
    if link is None or domain.shown_reason(officer, this, that, link.same_applicant, link.similar_text) is None:
        raise NotFound("duplicate_not_found", "other")
    change = domain.link_change(link.state, linked)
    if change is not None:
        link.state = change
        link.decided_by = officer.username
        link.decided_institution = officer.institution
        link.decided_at = now
        outbox.add(
            session,
            "activity_recorded",
            officer_activity(
                officer.user_id, officer.username, officer.institution, f"duplicate_{change}",
                f"{application.tracking_number},{other.tracking_number}", client_address, now,
            ),
        )  # fmt: skip
    return {"tracking_number": application.tracking_number, "duplicates": _duplicates_of(session, officer, application)}


def text_names_applicant(session: Session, officer: Principal, tracking_number: str, text: object) -> bool:
    """Whether `text` names the application the officer works (`domain.names_the_applicant`), so the gateway does
    not send it to the applications linked to it. Answers nothing about an application out of their reach."""
    application = _officers_application(session, officer, tracking_number, Action.WORK_APPLICATION)
    personal = application.applicant
    return domain.names_the_applicant(
        text if isinstance(text, str) else "",
        application.tracking_number,
        personal.first_name if personal else None,
        personal.last_name if personal else None,
    )
