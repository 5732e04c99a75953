"""The rules of notification (SPEC section 5), as plain functions: which notices an event owes, and to whom.

A notice is named by its `kind` and its `recipient`; together with the application they identify it, so a notice
is owed, and later sent, at most once however often the event behind it is delivered.

Recipients are named by role, never by address:
- `applicant`: the person who applied (their contact is asked of intake when the notice is sent);
- `institution:<CODE>`: the officers of the institution that holds the application;
- `coordinators:<CODE>`: the coordinators at institution `<CODE>`, which coordinates the holder.
"""

from __future__ import annotations

from dataclasses import dataclass

from cimer_common.events import ApplicationReceived, DeadlineApproaching, DeadlinePassed

RECEIPT = "receipt"  # tracking number and access code, the applicant's proof of having applied
ANSWER = "answer"  # the answer, to the applicant
EXTENSION = "extension"  # an information request's extended deadline, with its reason, to the applicant
DUE_SOON = "due_soon"  # to the holder, 3 working days before the deadline
OVERDUE = "overdue"  # to the holder and its coordinators, once the deadline has passed

APPLICANT = "applicant"
PENDING = "pending"  # owed, not yet sent
# Owed to the applicant by an event that arrived before `application_received`, so whether the applicant can be
# told is not known yet; that event turns it `pending` (reachable) or drops it (anonymous or unreachable).
HELD = "held"

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


def applicant_notice(kind: str, reach: Reach | None, detail: str | None = None) -> list[NoticeDue]:
    """The notice `kind` to the applicant: pending when they can be told, nothing when they cannot, held (in
    Turkish until known) when `application_received` has not arrived yet."""
    if reach is None:
        return [NoticeDue(kind=kind, recipient=APPLICANT, language="tr", status=HELD, detail=detail)]
    if not reach.can_be_told:
        return []
    return [NoticeDue(kind=kind, recipient=APPLICANT, language=reach.language, detail=detail)]


def notices_for_approaching(event: DeadlineApproaching) -> list[NoticeDue]:
    """Due soon: the holder is warned (SPEC section 5 tells coordinators only once it is overdue)."""
    return [NoticeDue(kind=DUE_SOON, recipient=institution_recipient(event.institution), language=OFFICER_LANGUAGE)]


def notices_for_passed(event: DeadlinePassed) -> list[NoticeDue]:
    """Overdue: the holder, and the coordinators of every institution that coordinates it."""
    dues = [NoticeDue(kind=OVERDUE, recipient=institution_recipient(event.institution), language=OFFICER_LANGUAGE)]
    for code in sorted(set(event.coordinators)):
        dues.append(NoticeDue(kind=OVERDUE, recipient=coordinators_recipient(code), language=OFFICER_LANGUAGE))
    return dues
