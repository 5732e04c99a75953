"""Appeals of refused information requests (SPEC section 12, Law 4982 article 13), as plain rules.

Intake takes the applicant's appeal (it holds the access code and the answer the applicant read); routing moves
the application to the information review board and carries out the board's decision. Both sides read these.
"""

from __future__ import annotations

from datetime import date, datetime

from cimer_common import calendar
from cimer_common.errors import Conflict, DomainError, InvalidRequest

INFORMATION_REVIEW_BOARD = "BEDK"  # Bilgi Edinme Değerlendirme Kurulu
INFORMATION_REQUEST = "information_request"

# What the board may decide: keep the refusal, or order the institution that refused to answer.
UPHELD = "upheld"
ANSWER_ORDERED = "answer_ordered"
DECISIONS = frozenset({UPHELD, ANSWER_ORDERED})

REASON_MIN, REASON_MAX = 10, 5_000
DECISION_TEXT_MIN, DECISION_TEXT_MAX = 10, 10_000


def refusal(
    kind: str, outcome: str | None, answered_at: datetime | None, appealed_at: datetime | None, today: date
) -> DomainError | None:
    """Why the application may not be appealed now, or None when it may: only a negative answer to an information
    request, once, until the last day of its window."""
    if kind != INFORMATION_REQUEST:
        return InvalidRequest("appeal_not_allowed", "kind")
    if answered_at is None:
        return Conflict("not_answered_yet")
    if appealed_at is not None:
        return Conflict("already_appealed")
    if outcome != "negative":
        return InvalidRequest("appeal_not_allowed", "outcome")
    if not calendar.may_appeal(answered_at, today):
        return InvalidRequest("appeal_window_over", "answered_at")
    return None


def check_appeal(
    kind: str,
    outcome: str | None,
    answered_at: datetime | None,
    appealed_at: datetime | None,
    today: date,
    reason: object,
) -> str:
    """The appeal's reason, stripped, when the application may be appealed now; otherwise the refusal."""
    refused = refusal(kind, outcome, answered_at, appealed_at, today)
    if refused is not None:
        raise refused
    stripped = reason.strip() if isinstance(reason, str) else ""
    if not REASON_MIN <= len(stripped) <= REASON_MAX:
        raise InvalidRequest("appeal_reason_required", "reason")
    return stripped


def check_decision(decision: object, text: object) -> tuple[str, str]:
    """The board's decision and the text the applicant is sent with it."""
    if not isinstance(decision, str) or decision not in DECISIONS:
        raise InvalidRequest("invalid_decision", "decision")
    stripped = text.strip() if isinstance(text, str) else ""
    if not DECISION_TEXT_MIN <= len(stripped) <= DECISION_TEXT_MAX:
        raise InvalidRequest("decision_text_required", "text")
    return decision, stripped
