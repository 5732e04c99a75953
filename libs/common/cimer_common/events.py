"""The catalogue of events on the bus: name, version, producer, consumers and payload, in one place.

`docs/EVENTS.md` is generated from this module (`python -m cimer_common.events`), and a test keeps the two equal.
A consumer is named `service.handler`; the producer declares each consumer's durable queue before it publishes
(see `outbox.py`), so an event published while its consumer has never run, or is down, waits in its queue.
Payloads carry ids and codes, never personal data: no national ID, name or contact detail crosses the bus.
"""

from __future__ import annotations

import re
import sys
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

# Names on the bus that the catalogue's documentation mentions (the rest of the topology is in `broker.py`).
INSTITUTIONS_EXCHANGE = "cimer.institutions"
COMMANDS_EXCHANGE = "cimer.commands"

Kind = Literal["information_request", "petition", "ethics_complaint", "human_rights"]
PetitionType = Literal["request", "complaint", "denunciation", "opinion", "suggestion"]
Channel = Literal["web", "phone", "in_person"]


class Payload(BaseModel):
    # Consumers ignore fields they do not know, so a producer can add one without a new version.
    model_config = ConfigDict(extra="ignore")


class ApplicationReceived(Payload):
    application_id: uuid.UUID
    tracking_number: str
    kind: Kind
    petition_type: PetitionType | None = None
    channel: Channel
    subject: str
    province: str | None = None
    district: str | None = None
    target_institution: str | None = None
    recorded_by: str | None = None  # institution code of the officer who recorded a phone or in-person application
    official_rank: str | None = None
    official_institution: str | None = None
    anonymous: bool
    confidential: bool
    reachable: bool  # the applicant left an e-mail or a phone number to be told through
    language: Literal["tr", "en"] = "tr"
    received_at: datetime
    deadline: date


class ApplicationAssigned(Payload):
    application_id: uuid.UUID
    tracking_number: str
    institution: str
    previous_institution: str | None = None
    # `appealed`: a refused information request reopened at the information review board (BEDK); `ordered`: the
    # board sent it back to the institution that refused, to answer.
    reason: Literal["initial", "forwarded", "returned", "appealed", "ordered"]
    assigned_at: datetime
    # The institutions that coordinate `institution` (its ancestors in the directory and its province's
    # governorship): their coordinators may see the application (`cimer_common.access`).
    coordinators: list[str] = []
    note: str | None = None  # what the forwarding officer wrote to the next holder
    # The new holder has its own system plugged into the bus (SPEC section 10): intake sends it the application.
    institution_system: bool = False
    # The application's deadline from now on, when this assignment set a new one (an appeal, an order to answer);
    # None: the deadline stays as it was (a deadline runs from receipt and is not reset by forwarding).
    deadline: date | None = None
    # On the first assignment (`initial`): the application as intake announced it (`application_received`), so that
    # notification and reporting learn of it from this one event rather than from two (`make bench`: a delivery,
    # a consumer's transaction and its statements fewer per application, for each of them).
    received: ApplicationReceived | None = None


class ApplicationAnswered(Payload):
    application_id: uuid.UUID
    tracking_number: str
    institution: str  # the holder that answered
    outcome: Literal["positive", "negative"]
    text: str  # the answer, sent to the applicant as it is
    answered_at: datetime
    # After an appeal: `upheld`, the board's decision keeping the refusal; `ordered`, the answer the institution
    # gave on the board's order. None: the application's first answer.
    appeal: Literal["upheld", "ordered"] | None = None


class ApplicationAppealed(Payload):
    """The applicant appealed a refused information request to the board (SPEC section 12); the reason stays with
    intake, beside the application."""

    application_id: uuid.UUID
    tracking_number: str
    answered_at: datetime  # the answer appealed
    appealed_at: datetime


class ApplicationClosed(Payload):
    """An answered application's appeal window is over and it was not appealed: it is closed."""

    application_id: uuid.UUID
    tracking_number: str
    institution: str  # the institution whose answer stands
    answered_at: datetime  # the answer it closes on
    closed_at: datetime


class FeedbackGiven(Payload):
    """The applicant rated the answer, once (SPEC section 12); the comment stays with intake."""

    application_id: uuid.UUID
    tracking_number: str
    institution: str  # the institution that answered
    rating: int  # 1..5
    solved: bool
    given_at: datetime


class DeadlineExtended(Payload):
    """An information request's deadline, extended once by 15 working days; the reason goes to the applicant."""

    application_id: uuid.UUID
    tracking_number: str
    institution: str
    previous_deadline: date
    deadline: date
    reason: str
    extended_at: datetime


class DeadlineApproaching(Payload):
    application_id: uuid.UUID
    tracking_number: str
    institution: str  # the holder, to be warned (SPEC section 5: the coordinators hear once it is overdue)
    coordinators: list[str] = []
    deadline: date
    working_days_left: int


class DeadlinePassed(Payload):
    application_id: uuid.UUID
    tracking_number: str
    institution: str
    coordinators: list[str] = []
    deadline: date


class ActivityRecorded(Payload):
    """One line of the audit trail, from the service where it happened."""

    actor_user_id: str | None = None
    actor_username: str | None = None
    actor_institution: str | None = None
    action: str  # read_personal_data, forward, answer, extend, login, login_failed, ...
    target: str | None = None  # a tracking number, a username, an institution code
    client_address: str | None = None  # where the request came from (an IP address)
    outcome: str = "ok"
    at: datetime


def officer_activity(
    user_id: str, username: str, institution: str, action: str, target: str, client_address: str | None, at: datetime
) -> ActivityRecorded:
    """An audit line for what an officer did to an application (intake's reads, routing's forwards and answers)."""
    return ActivityRecorded(
        actor_user_id=user_id,
        actor_username=username,
        actor_institution=institution,
        action=action,
        target=target,
        client_address=client_address,
        at=at,
    )


class SessionRevoked(Payload):
    session_id: str
    user_id: str
    reason: Literal[
        "logout", "user_disabled", "refresh_reused", "roles_changed", "institution_changed", "credentials_changed"
    ]
    revoked_at: datetime


class MonthlyReportProduced(Payload):
    """A finished month's report was stored: its recipients are sent it. The headline figures ride along for the
    message's text (aggregates, never an application); the document itself is asked of reporting when sent."""

    period: str  # YYYY-MM
    institution: str | None = None  # the governorship or ministry whose subtree it covers; None: the state
    recipients: list[str]  # institutions whose coordinators receive it
    received: int
    answered: int
    positive_share: float | None = None  # of the answers, 0..1; None when nothing was answered
    median_days: float | None = None
    open: int
    overdue: int
    produced_at: datetime


@dataclass(frozen=True)
class EventType:
    name: str
    version: int
    producer: str
    consumers: tuple[str, ...]
    payload: type[Payload]
    summary: str
    # Listened to by every instance of a component, each on a queue of its own that lives as long as it does;
    # such an event is not kept when no instance listens (it matters only to the running ones).
    broadcast_to: tuple[str, ...] = ()
    # Consumers of an earlier version that this one no longer feeds (their queues are unbound: `cimer-broker
    # migrate-queues`): each still applies what its queue held at the upgrade, and is removed in the version after.
    retired_consumers: tuple[str, ...] = ()


# Keyed by (producer, name): two services may announce the same kind of fact (an audit line, say).
CATALOGUE: dict[tuple[str, str], EventType] = {
    (e.producer, e.name): e
    for e in (
        EventType(
            name="application_received",
            version=1,
            producer="intake",
            consumers=("routing.handle_application_received",),
            payload=ApplicationReceived,
            summary=(
                "An application was accepted, numbered and stored. Routing alone takes it: its first assignment "
                "carries it on (`application_assigned.received`) to the others."
            ),
            retired_consumers=("notification.handle_application_received", "reporting.handle_application_received"),
        ),
        EventType(
            name="application_assigned",
            version=1,
            producer="routing",
            consumers=(
                "intake.handle_application_assigned",
                "notification.handle_application_assigned",
                "reporting.handle_application_assigned",
            ),
            payload=ApplicationAssigned,
            summary="An institution now holds the application: first destination, a forward or a return.",
        ),
        EventType(
            name="application_answered",
            version=1,
            producer="routing",
            consumers=(
                "intake.handle_application_answered",
                "notification.handle_application_answered",
                "reporting.handle_application_answered",
            ),
            payload=ApplicationAnswered,
            summary="The holder answered the application, positively or negatively, with the text for the applicant.",
        ),
        EventType(
            name="application_appealed",
            version=1,
            producer="intake",
            consumers=("routing.handle_application_appealed",),
            payload=ApplicationAppealed,
            summary="The applicant appealed a refused information request: it reopens at the information review board.",
        ),
        EventType(
            name="application_closed",
            version=1,
            producer="routing",
            consumers=("intake.handle_application_closed", "reporting.handle_application_closed"),
            payload=ApplicationClosed,
            summary="An answered application's appeal window passed without an appeal: it is closed.",
        ),
        EventType(
            name="feedback_given",
            version=1,
            producer="intake",
            consumers=("reporting.handle_feedback_given",),
            payload=FeedbackGiven,
            summary="The applicant rated the answer (1-5, solved or not); reports show the ratings.",
        ),
        EventType(
            name="deadline_extended",
            version=1,
            producer="routing",
            consumers=(
                "intake.handle_deadline_extended",
                "notification.handle_deadline_extended",
                "reporting.handle_deadline_extended",
            ),
            payload=DeadlineExtended,
            summary="An information request's deadline was extended once, with a reason for the applicant.",
        ),
        EventType(
            name="deadline_approaching",
            version=1,
            producer="routing",
            consumers=("notification.handle_deadline_approaching",),
            payload=DeadlineApproaching,
            summary="An unanswered application is 3 working days from its deadline: its holder is told.",
        ),
        EventType(
            name="deadline_passed",
            version=1,
            producer="routing",
            consumers=("notification.handle_deadline_passed", "reporting.handle_deadline_passed"),
            payload=DeadlinePassed,
            summary="An application's deadline passed unanswered: its holder and coordinators are told.",
        ),
        EventType(
            name="activity_recorded",
            version=1,
            producer="routing",
            consumers=("identity.handle_routing_activity_recorded",),
            payload=ActivityRecorded,
            summary="An officer forwarded, returned, answered or extended an application; a line for the audit trail.",
        ),
        EventType(
            name="activity_recorded",
            version=1,
            producer="intake",
            consumers=("identity.handle_activity_recorded",),
            payload=ActivityRecorded,
            summary="Someone read an applicant's personal data; a line for the audit trail.",
        ),
        EventType(
            name="activity_recorded",
            version=1,
            producer="notification",
            consumers=("identity.handle_notification_activity_recorded",),
            payload=ActivityRecorded,
            summary="Notification's retention job erased what old notices were sent with; a line for the audit trail.",
        ),
        EventType(
            name="monthly_report_produced",
            version=1,
            producer="reporting",
            consumers=("notification.handle_monthly_report_produced",),
            payload=MonthlyReportProduced,
            summary="A month's report for the state, a governorship or a ministry was produced: its recipients get it.",
        ),
        EventType(
            name="session_revoked",
            version=1,
            producer="identity",
            consumers=(),
            payload=SessionRevoked,
            summary="An officer's session ended early (logout, disabled user): its access tokens are refused at once.",
            # Everyone who checks officers' tokens; identity reads its own sessions.
            broadcast_to=("gateway", "intake", "routing", "reporting"),
        ),
    )
}


def spec(producer: str, name: str) -> EventType:
    return CATALOGUE[(producer, name)]


def produced_by(service: str) -> list[EventType]:
    return [e for e in CATALOGUE.values() if e.producer == service]


def markdown() -> str:
    lines = [
        "# Events on the bus",
        "",
        "Generated from `libs/common/cimer_common/events.py` by `python -m cimer_common.events`; do not edit.",
        "",
        "Every event is a JSON envelope `{id, type, version, producer, occurred_at, correlation_id, payload}`",
        "published to the producer's durable topic exchange `<producer>.events` with the event's name as routing key,",
        "persistent, with publisher confirms, from the producer's transactional outbox. Consumers are idempotent:",
        "each records the envelope `id` in its `processed_events` table in the transaction of the change it makes.",
        "The broker vouches for the sender: every message carries the AMQP `user_id` of its producer's own broker",
        "user (`cimer-<producer>`), and a consumer sets aside (dead letters) any event that another user sent.",
        "",
        "Institutions' own systems (SPEC section 10) do not read these events: intake sends each plugged-in",
        f"institution `application_assigned` messages through the direct exchange `{INSTITUTIONS_EXCHANGE}` to its",
        f"queue `cimer.institution.<CODE>`; its commands come through the topic exchange `{COMMANDS_EXCHANGE}`",
        "(`<CODE>.forward|return|answer|extend`) to routing, which answers `command_accepted` or `command_refused`",
        "on the same queue. `clients/institution/README.md` documents those messages.",
        "",
    ]
    for e in CATALOGUE.values():
        lines += [f"## `{e.producer}.{e.name}` (version {e.version})", "", e.summary, ""]
        lines += [f"- producer: `{e.producer}`", f"- consumers: {', '.join(f'`{c}`' for c in e.consumers) or 'none'}"]
        if e.broadcast_to:
            lines.append(f"- broadcast to every instance of: {', '.join(f'`{c}`' for c in e.broadcast_to)}")
        if e.retired_consumers:
            retired = ", ".join(f"`{c}`" for c in e.retired_consumers)
            lines.append(f"- retired consumers (their queues unbound, what they held still applied): {retired}")
        lines += ["", "| field | type | required |", "|---|---|---|"]
        for name, field in e.payload.model_fields.items():
            annotation = re.sub(r"<class '(?:[\w]+\.)*(\w+)'>", r"\1", str(field.annotation))
            annotation = re.sub(r"(?:\w+\.)+(\w+)", r"\1", annotation).replace("|", "\\|")  # names, not modules
            lines.append(f"| `{name}` | `{annotation}` | {'yes' if field.is_required() else 'no'} |")
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.stdout.write(markdown())
