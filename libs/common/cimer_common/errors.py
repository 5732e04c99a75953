"""Errors a service raises on purpose; the gateway maps each class to one HTTP status.

nameko serialises an exception as its class name and `args`, so a domain error carries everything the caller
needs in its arguments: a machine-readable `code` (the key of the user-facing message) and the field it is about.
"""

from __future__ import annotations


class DomainError(Exception):
    status = 400

    def __init__(self, code: str, field: str | None = None):
        super().__init__(code, field)
        self.code = code
        self.field = field


class InvalidRequest(DomainError):
    """The request is well-formed but breaks a rule of the domain: 422."""

    status = 422


class InvalidApplication(InvalidRequest):
    """An application that intake refuses (SPEC section 2)."""


class NotFound(DomainError):
    status = 404


class Forbidden(DomainError):
    status = 403


class Conflict(DomainError):
    status = 409


class Unauthorized(DomainError):
    status = 401


class TooManyRequests(DomainError):
    """Throttled: 429. The second argument is the number of seconds to wait, as text (it becomes `Retry-After`)."""

    status = 429

    def __init__(self, code: str, retry_after: str | None = None):
        super().__init__(code, retry_after)
        self.retry_after = retry_after


class NotReady(DomainError):
    """Cannot answer yet, and will soon (it has not yet learnt what it must know first, such as which sessions
    were revoked): 503. The second argument is the number of seconds to wait, as text (`Retry-After`)."""

    status = 503

    def __init__(self, code: str = "service_unavailable", retry_after: str | None = "5"):
        super().__init__(code, retry_after)
        self.retry_after = retry_after


# The most items one internal call of a sending round may ask about (notification's rounds take 50 notices).
MOST_PER_ROUND = 500


def round_of(values: object, field: str) -> list[object]:
    """An internal RPC's list argument for a round: a list of at most MOST_PER_ROUND items, or a refusal naming
    `field`."""
    if not isinstance(values, list) or len(values) > MOST_PER_ROUND:
        raise InvalidRequest("invalid_request", field)
    return values


EXPECTED = (
    InvalidRequest,
    InvalidApplication,
    NotFound,
    Forbidden,
    Conflict,
    Unauthorized,
    TooManyRequests,
    NotReady,
)
BY_NAME = {cls.__name__: cls for cls in EXPECTED}
