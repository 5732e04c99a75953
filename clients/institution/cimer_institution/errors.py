"""What the client raises to its caller."""

from __future__ import annotations

__all__ = ["AccessRefused", "CommandNotDelivered", "InstitutionClientError", "QueueNotFound"]


class InstitutionClientError(Exception):
    """Base of every error of this package."""


class CommandNotDelivered(InstitutionClientError):
    """The broker did not take a command: it refused it (nack, no route, no permission) or could not be reached.

    Sending the same command again with the same `command_id` is safe: the system acts on a command once."""

    def __init__(self, message: str, command_id: str) -> None:
        super().__init__(message)
        self.command_id = command_id


class AccessRefused(InstitutionClientError):
    """The broker refused the credentials or a permission: unplugged, rotated credentials, or a wrong queue name.
    Retrying cannot help, so `run()` raises it instead of reconnecting."""


class QueueNotFound(InstitutionClientError):
    """The institution's queue does not exist: the institution has not been plugged in (`cimer-institution plug`)."""
