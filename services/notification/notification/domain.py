"""The rules of notification (SPEC section 5), as plain functions: which notices an event owes, and to whom.

A notice is named by its `kind` and its `recipient`; together with the application they identify it, so a notice
is owed, and later sent, at most once however often the event behind it is delivered.

Recipients are named by role, never by address:
- `applicant`: the person who applied (their contact is asked of intake when the notice is sent);
- `institution:<CODE>`: the officers of the institution that holds the application;
- `coordinators:<CODE>`: the coordinators at institution `<CODE>`, which coordinates the holder.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from cimer_common.events import (
    ApplicationAssigned,
    ApplicationReceived,
    DeadlineApproaching,
    DeadlinePassed,
    MonthlyReportProduced,
)

RECEIPT = "receipt"  # tracking number and access code, the applicant's proof of having applied
ANSWER = "answer"  # the answer, to the applicant
EXTENSION = "extension"  # an information request's extended deadline, with its reason, to the applicant
DUE_SOON = "due_soon"  # to the holder, 3 working days before the deadline
OVERDUE = "overdue"  # to the holder and its coordinators, once the deadline has passed
STATUS_30_DAYS = "status_30_days"  # Law 3071: not answered 30 days after it was received, where it stands
NEW_ASSIGNMENT = "new_assignment"  # to the officers of the institution that now holds it
DIGEST = "digest"  # once a day per institution: the day's new assignments
MONTHLY_REPORT = "monthly_report"  # a finished month's report, with its PDF, to the coordinators it is meant for

# After an appeal of a refused information request (SPEC section 12), each step to the applicant:
APPEAL_RECEIVED = "appeal_received"  # the appeal reached the information review board, which decides by a date
ANSWER_ORDERED = "answer_ordered"  # the board found the appeal justified: the institution must answer by a date
APPEAL_UPHELD = "appeal_upheld"  # the board kept the refusal, with its reasons
ORDERED_ANSWER = "ordered_answer"  # the answer the institution gave on the board's order

APPLICANT_KINDS = frozenset(
    {RECEIPT, ANSWER, EXTENSION, STATUS_30_DAYS, APPEAL_RECEIVED, ANSWER_ORDERED, APPEAL_UPHELD, ORDERED_ANSWER}
)

# The applicant's notice of an answer, by `ApplicationAnswered.appeal`: each answer of an application's life is a
# notice of its own kind, so it is sent once however often its event arrives, and a later one is not taken for it.
ANSWER_KINDS: dict[str | None, str] = {None: ANSWER, "upheld": APPEAL_UPHELD, "ordered": ORDERED_ANSWER}
# The answers an institution gives, whose mail carries the files it attached (SPEC section 12).
ANSWERS_WITH_FILES = frozenset({ANSWER, ORDERED_ANSWER})
# The applicant's notice of a move after the answer, by `ApplicationAssigned.reason` (other moves tell officers).
APPEAL_STEPS = {"appealed": APPEAL_RECEIVED, "ordered": ANSWER_ORDERED}

APPLICANT = "applicant"
PENDING = "pending"  # owed, not yet sent
# Owed to the applicant by an event that arrived before `application_received`, so whether the applicant can be
# told is not known yet; that event turns it `pending` (reachable) or drops it (anonymous or unreachable).
HELD = "held"
SENDING = "sending"  # taken by a sender; due again when its lease runs out (a sender that died)
SENT = "sent"  # every channel it uses succeeded
FAILED = "failed"  # the last attempt failed too: given up, with a final entry in the delivery log
SKIPPED = "skipped"  # nobody to send it to (anonymous or unknown applicant, institution without officers)

OFFICER_LANGUAGE = "tr"


@dataclass(frozen=True)
class Reach:
    """What notification keeps of `application_received` to address the applicant later: never contact details."""

    can_be_told: bool
    language: str


@dataclass(frozen=True)
class NoticeDue:
    kind: str
    recipient: str
    language: str
    status: str = PENDING
    detail: str | None = None  # what the notice must say beyond the application's own facts (an extension's reason)
    # What the templates need from the event (a deadline, an answer's text): never contact details.
    facts: dict[str, Any] | None = field(default=None, compare=False)


def institution_recipient(code: str) -> str:
    return f"institution:{code}"


def coordinators_recipient(code: str) -> str:
    return f"coordinators:{code}"


def applicant_can_be_told(event: ApplicationReceived) -> bool:
    """Only an identified applicant who left an e-mail or a phone number can be told anything."""
    return not event.anonymous and event.reachable


def reach_of(event: ApplicationReceived) -> Reach:
    return Reach(can_be_told=applicant_can_be_told(event), language=event.language)


def notices_for_received(event: ApplicationReceived) -> list[NoticeDue]:
    if not applicant_can_be_told(event):
        return []
    return [NoticeDue(kind=RECEIPT, recipient=APPLICANT, language=event.language)]


def applicant_notice(
    kind: str, reach: Reach | None, detail: str | None = None, facts: dict[str, Any] | None = None
) -> list[NoticeDue]:
    """The notice `kind` to the applicant: pending when they can be told, nothing when they cannot, held (in
    Turkish until known) when `application_received` has not arrived yet."""
    if reach is None:
        return [NoticeDue(kind=kind, recipient=APPLICANT, language="tr", status=HELD, detail=detail, facts=facts)]
    if not reach.can_be_told:
        return []
    return [NoticeDue(kind=kind, recipient=APPLICANT, language=reach.language, detail=detail, facts=facts)]


def notices_for_approaching(event: DeadlineApproaching) -> list[NoticeDue]:
    """Due soon: the holder is warned (SPEC section 5 tells coordinators only once it is overdue)."""
    facts = {
        "institution": event.institution,
        "deadline": event.deadline.isoformat(),
        "working_days_left": event.working_days_left,
    }
    return [
        NoticeDue(
            kind=DUE_SOON, recipient=institution_recipient(event.institution), language=OFFICER_LANGUAGE, facts=facts
        )
    ]


def notices_for_passed(event: DeadlinePassed) -> list[NoticeDue]:
    """Overdue: the holder, and the coordinators of every institution that coordinates it."""
    facts: dict[str, Any] = {"institution": event.institution, "deadline": event.deadline.isoformat()}
    dues = [
        NoticeDue(
            kind=OVERDUE, recipient=institution_recipient(event.institution), language=OFFICER_LANGUAGE, facts=facts
        )
    ]
    for code in sorted(set(event.coordinators)):
        dues.append(
            NoticeDue(
                kind=OVERDUE,
                recipient=coordinators_recipient(code),
                language=OFFICER_LANGUAGE,
                facts={**facts, "coordinating": code},
            )
        )
    return dues


def notices_for_assigned(event: ApplicationAssigned, reach: Reach | None) -> list[NoticeDue]:
    """The new holder's officers are told at once (and again in the day's digest); after an appeal, the applicant
    too: where the application now is, by when it must be decided or answered, and the board's words."""
    facts = {"institution": event.institution, "reason": event.reason, "assigned_at": event.assigned_at.isoformat()}
    dues = [
        NoticeDue(
            kind=NEW_ASSIGNMENT,
            recipient=institution_recipient(event.institution),
            language=OFFICER_LANGUAGE,
            facts=facts,
        )
    ]
    step = APPEAL_STEPS.get(event.reason)
    if step is not None:
        told = {
            "institution": event.institution,
            "deadline": event.deadline.isoformat() if event.deadline else None,
            "text": event.note or "",
        }
        dues += applicant_notice(step, reach, facts=told)
    return dues


def notices_for_report(event: MonthlyReportProduced) -> list[NoticeDue]:
    """A produced report goes to the coordinators of each of its recipients (SPEC section 6): the state's to the
    Presidency, a ministry's to the ministry, a governorship's to the governorship and the Ministry of the
    Interior. `report_of` names whose report it is (None: the state's)."""
    facts = event.model_dump(mode="json", exclude={"institution", "recipients"})
    facts["report_of"] = event.institution
    return [
        NoticeDue(kind=MONTHLY_REPORT, recipient=coordinators_recipient(code), language=OFFICER_LANGUAGE, facts=facts)
        for code in sorted(set(event.recipients))
    ]


def institution_of(recipient: str) -> str | None:
    """`institution:GOV-06` and `coordinators:GOV-06` → `GOV-06`; the applicant → None."""
    prefix, _, code = recipient.partition(":")
    return code if prefix in ("institution", "coordinators") and code else None


# --- Delivery -------------------------------------------------------------------------------------------------

STATUS_NOTICE_AFTER = timedelta(days=30)
NO_STATUS_NOTICE = frozenset({"information_request"})  # the kinds Law 3071's 30-day notice is not for


def status_notice_due(received_at: datetime, answered: bool, kind: str, now: datetime) -> bool:
    """Law 3071: a petition not answered within 30 days of its receipt earns the applicant a word on where it
    stands (an information request, under Law 4982, has its own shorter deadline and gets none)."""
    return not answered and kind not in NO_STATUS_NOTICE and now - received_at >= STATUS_NOTICE_AFTER


def retry_delay(attempts: int, base_seconds: float) -> timedelta:
    """After the `attempts`-th failed attempt, wait base, 2·base, 4·base, …"""
    return timedelta(seconds=base_seconds * 2 ** max(attempts - 1, 0))


def mask_email(address: str) -> str:
    """`ayse.yilmaz@example.org` → `a***@example.org`: enough for the log to show where it went, no more."""
    local, at, domain = address.strip().rpartition("@")
    if not at or not local:
        return "***"
    return f"{local[0]}***@{domain}"


def mask_phone(number: str) -> str:
    """`+90 532 123 4567` → `******4567`."""
    digits = [c for c in number if c.isdigit()]
    if len(digits) <= 4:
        return "*" * len(digits)
    return "******" + "".join(digits[-4:])


def digest_days(today: date, look_back: int = 7) -> list[date]:
    """The finished days whose digest may still be owed: yesterday and a few before (a service that was down at
    midnight catches up), oldest first."""
    return [today - timedelta(days=n) for n in range(look_back, 0, -1)]
