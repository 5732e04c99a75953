"""The rules of notification (SPEC section 5), as plain functions: which notices an event owes, and to whom.

A notice is named by its `kind` and its `recipient`; together with the application they identify it, so a notice
is owed, and later sent, at most once however often the event behind it is delivered.
"""

from __future__ import annotations

from dataclasses import dataclass

from cimer_common.events import ApplicationReceived

RECEIPT = "receipt"  # tracking number and access code, the applicant's proof of having applied
APPLICANT = "applicant"
PENDING = "pending"  # owed, not yet sent


@dataclass(frozen=True)
class NoticeDue:
    kind: str
    recipient: str
    language: str


def applicant_can_be_told(event: ApplicationReceived) -> bool:
    """Only an identified applicant who left an e-mail or a phone number can be told anything."""
    return not event.anonymous and event.reachable


def notices_for_received(event: ApplicationReceived) -> list[NoticeDue]:
    if not applicant_can_be_told(event):
        return []
    return [NoticeDue(kind=RECEIPT, recipient=APPLICANT, language=event.language)]
