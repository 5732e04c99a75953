"""What arrives on an institution's queue, as typed, immutable values.

`parse_message` turns a message body into one of the dataclasses below, or raises `MalformedMessage`. A type this
version does not know becomes an `OtherMessage` rather than an error, so a newer CİMER never breaks an older client.
Fields that may be null may also be missing; unknown fields are kept in `extra`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, ClassVar

__all__ = [
    "CHANNELS",
    "KINDS",
    "REASONS",
    "Applicant",
    "ApplicationAssigned",
    "CommandAccepted",
    "CommandRefused",
    "MalformedMessage",
    "Message",
    "OtherMessage",
    "parse_message",
]

# The values known today. They are not enforced: a value added later must not make a message unreadable.
KINDS = ("information_request", "petition", "ethics_complaint", "human_rights")
CHANNELS = ("web", "phone", "in_person")
REASONS = ("initial", "forwarded", "returned")


class MalformedMessage(ValueError):
    """A message body that is not JSON, not an object, or lacks a field the contract requires."""


@dataclass(frozen=True)
class Applicant:
    """The applicant as an officer of the institution sees them: the national ID masked (`10*******46`)."""

    national_id: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone: str | None = None
    address: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class ApplicationAssigned:
    """An application reached the institution (first routing, a forward or a return): it is the holder now.

    `message_id` is unique per message: a redelivered message carries the same one, so de-duplicate on it."""

    TYPE: ClassVar[str] = "application_assigned"

    message_id: str
    occurred_at: datetime
    tracking_number: str
    kind: str
    petition_type: str | None
    channel: str
    subject: str
    title: str
    body: str
    province: str | None
    district: str | None
    received_at: datetime
    deadline: date
    from_institution: str | None
    reason: str
    note: str | None
    applicant: Applicant | None
    extra: Mapping[str, Any] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class CommandOutcome:
    """What became of a command: accepted or refused, with a machine-readable `code` and the Turkish `message`."""

    command_id: str
    code: str
    message: str
    tracking_number: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class CommandAccepted(CommandOutcome):
    """The system acted on a command (`code` says how, e.g. `forwarded`)."""

    TYPE: ClassVar[str] = "command_accepted"


@dataclass(frozen=True)
class CommandRefused(CommandOutcome):
    """The system refused a command: `code` is machine-readable (`forbidden` when the institution no longer holds
    the application, `forward_not_allowed`, `application_not_found`, …), `message` the text an officer would have
    seen."""

    TYPE: ClassVar[str] = "command_refused"


@dataclass(frozen=True)
class OtherMessage:
    """A well-formed message of a type this version of the client does not know."""

    type: str
    data: Mapping[str, Any] = field(hash=False)


Message = ApplicationAssigned | CommandAccepted | CommandRefused | OtherMessage


class _Fields:
    """Reads the fields of one JSON object, naming the field in every error."""

    def __init__(self, data: Mapping[str, Any], where: str) -> None:
        self.data = data
        self.where = where
        self.read: set[str] = set()

    def _get(self, name: str, required: bool) -> Any:
        self.read.add(name)
        if name not in self.data and required:
            raise MalformedMessage(f"{self.where}: missing field {name!r}")
        return self.data.get(name)

    def text(self, name: str) -> str:
        value = self._get(name, required=True)
        if not isinstance(value, str):
            raise MalformedMessage(f"{self.where}: {name!r} must be a string")
        return value

    def optional_text(self, name: str) -> str | None:
        value = self._get(name, required=False)
        if value is not None and not isinstance(value, str):
            raise MalformedMessage(f"{self.where}: {name!r} must be a string or null")
        return value

    def timestamp(self, name: str) -> datetime:
        value = self.text(name)
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            raise MalformedMessage(f"{self.where}: {name!r} is not an ISO datetime") from None

    def day(self, name: str) -> date:
        value = self.text(name)
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise MalformedMessage(f"{self.where}: {name!r} is not an ISO date") from None

    def optional_object(self, name: str) -> Mapping[str, Any] | None:
        value = self._get(name, required=False)
        if value is not None and not isinstance(value, dict):
            raise MalformedMessage(f"{self.where}: {name!r} must be an object or null")
        return value

    def extra(self) -> dict[str, Any]:
        return {key: value for key, value in self.data.items() if key not in self.read}


def _applicant(data: Mapping[str, Any] | None) -> Applicant | None:
    if data is None:
        return None
    fields = _Fields(data, "application_assigned.applicant")
    return Applicant(
        national_id=fields.optional_text("national_id"),
        first_name=fields.optional_text("first_name"),
        last_name=fields.optional_text("last_name"),
        email=fields.optional_text("email"),
        phone=fields.optional_text("phone"),
        address=fields.optional_text("address"),
        extra=fields.extra(),
    )


def _application_assigned(fields: _Fields) -> ApplicationAssigned:
    return ApplicationAssigned(
        message_id=fields.text("message_id"),
        occurred_at=fields.timestamp("occurred_at"),
        tracking_number=fields.text("tracking_number"),
        kind=fields.text("kind"),
        petition_type=fields.optional_text("petition_type"),
        channel=fields.text("channel"),
        subject=fields.text("subject"),
        title=fields.text("title"),
        body=fields.text("body"),
        province=fields.optional_text("province"),
        district=fields.optional_text("district"),
        received_at=fields.timestamp("received_at"),
        deadline=fields.day("deadline"),
        from_institution=fields.optional_text("from_institution"),
        reason=fields.text("reason"),
        note=fields.optional_text("note"),
        applicant=_applicant(fields.optional_object("applicant")),
        extra=fields.extra(),
    )


def _command_outcome(cls: type[CommandAccepted] | type[CommandRefused], fields: _Fields) -> Message:
    return cls(
        command_id=fields.text("command_id"),
        code=fields.text("code"),
        message=fields.text("message"),
        tracking_number=fields.optional_text("tracking_number"),
        extra=fields.extra(),
    )


def parse_message(body: bytes | str) -> Message:
    """The typed message in `body` (the JSON of one AMQP message); `MalformedMessage` if it breaks the contract."""
    try:
        data = json.loads(body)
    except (ValueError, TypeError) as exc:  # UnicodeDecodeError is a ValueError
        raise MalformedMessage(f"not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise MalformedMessage("not a JSON object")
    message_type = data.get("type")
    if not isinstance(message_type, str) or not message_type:
        raise MalformedMessage("missing field 'type'")
    fields = _Fields(data, message_type)
    fields.read.add("type")
    if message_type == ApplicationAssigned.TYPE:
        return _application_assigned(fields)
    if message_type == CommandAccepted.TYPE:
        return _command_outcome(CommandAccepted, fields)
    if message_type == CommandRefused.TYPE:
        return _command_outcome(CommandRefused, fields)
    return OtherMessage(type=message_type, data=data)
