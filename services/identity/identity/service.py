"""Identity's nameko service: the only module here that knows nameko. Each entrypoint opens one transaction and
hands the work to `handlers`; a refusal that must leave a trace is raised after that transaction commits."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from nameko.exceptions import RemoteError
from sqlalchemy.orm import Session

from cimer_common import access
from cimer_common.access import Action
from cimer_common.authentication import Authentication
from cimer_common.bus import RpcProxy, rpc
from cimer_common.db import Database, HealthCheck
from cimer_common.dead_letters import ReplaysDeadLetters
from cimer_common.errors import EXPECTED, InvalidRequest, Unauthorized, round_of
from cimer_common.events import ActivityRecorded
from cimer_common.logs import get_logger
from cimer_common.metrics import Metrics
from cimer_common.outbox import Batch, Outbox, apply_batch_once, on_events
from cimer_common.retention import AppliesRetention, Retention
from cimer_common.tokens import Principal
from cimer_common.worker_context import LogContext
from identity import domain, handlers, passwords
from identity.models import OutboxMessage, ProcessedEvent
from identity.signing import TokenSigner

log = get_logger(__name__)


def _now() -> datetime:
    return datetime.now(UTC)


def _text(value: Any, field: str, optional: bool = False) -> Any:
    """RPC arguments come from any caller: a wrong type is a refusal, not a crash."""
    if (value is None and optional) or isinstance(value, str):
        return value
    raise InvalidRequest("invalid_request", field)


class IdentityService(HealthCheck, ReplaysDeadLetters, AppliesRetention):
    name = "identity"

    db = Database()
    metrics = Metrics()
    outbox = Outbox(OutboxMessage)
    log_context = LogContext()
    authenticate = Authentication(follow_revocations=False)  # it reads its own sessions (`check_session`)
    sign = TokenSigner()
    routing = RpcProxy("routing")

    def erase_expired(self, session: Session, now: datetime, policy: Retention) -> dict[str, int]:
        """KVKK: client addresses in the audit trail and sessions, once the retention period is over."""
        return handlers.erase_client_addresses(session, now, policy)

    # --- Sessions ----------------------------------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def login(
        self, username: str, password: str, client_address: str | None, user_agent: str | None = None
    ) -> dict[str, Any]:
        _text(username, "username")
        _text(password, "password")
        _text(client_address, "client_address", optional=True)
        _text(user_agent, "user_agent", optional=True)
        with self.db.transaction() as session:
            outcome = handlers.login(session, self.sign, username, password, client_address, user_agent, _now())
        if outcome.refusal is not None:
            log.info("login refused", username=domain.fold_username(username), code=outcome.refusal.code)
        else:
            log.info("login", username=domain.fold_username(username))
        return outcome.unwrap()

    @rpc(expected_exceptions=EXPECTED)
    def refresh(self, refresh_token: str, client_address: str | None = None) -> dict[str, Any]:
        if not isinstance(refresh_token, str) or not refresh_token:
            raise Unauthorized("invalid_refresh_token")
        _text(client_address, "client_address", optional=True)
        with self.db.transaction() as session:
            outcome = handlers.refresh(session, self.outbox, self.sign, refresh_token, client_address, _now())
        return outcome.unwrap()

    @rpc(expected_exceptions=EXPECTED)
    def logout(self, token: str) -> None:
        principal = self.authenticate(token)
        with self.db.transaction() as session:
            handlers.logout(session, self.outbox, principal, _now())
        log.info("logout", username=principal.username, session_id=principal.session_id)

    @rpc(expected_exceptions=EXPECTED)
    def revoked_sessions(self) -> list[dict[str, str]]:
        with self.db.transaction() as session:
            return handlers.revoked_sessions(session, _now())

    # --- Users -------------------------------------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def create_user(
        self, token: str, username: str, password: str, institution: str, roles: list[str], email: str | None = None
    ) -> dict[str, Any]:
        actor = self._administrator(token)
        username = domain.check_username(username)
        domain.check_password(password)
        checked_email = domain.check_email(email) if email is not None else None
        checked_roles = self._roles(roles)
        institution = self._institution(institution)
        password_hash = passwords.hash_password(password)
        with self.db.transaction() as session:
            created = handlers.create_user(
                session, actor, username, password_hash, institution, checked_roles, _now(), email=checked_email
            )
        log.info("user created", username=username, institution=institution, by=actor.username)
        return created

    @rpc(expected_exceptions=EXPECTED)
    def update_user(
        self,
        token: str,
        username: str,
        roles: list[str] | None = None,
        active: bool | None = None,
        institution: str | None = None,
        password: str | None = None,
        email: str | None = None,
    ) -> dict[str, Any]:
        """`email=None` leaves the address as it is; `email=""` removes it."""
        actor = self._administrator(token)
        _text(username, "username")
        checked_email = domain.check_email(email) if email is not None else None
        checked_roles = self._roles(roles) if roles is not None else None
        if active is not None and not isinstance(active, bool):
            raise InvalidRequest("invalid_request", "active")
        if institution is not None:
            institution = self._institution(institution)
        password_hash = passwords.hash_password(domain.check_password(password)) if password is not None else None
        with self.db.transaction() as session:
            updated = handlers.update_user(
                session,
                self.outbox,
                actor,
                username,
                _now(),
                roles=checked_roles,
                active=active,
                institution=institution,
                password_hash=password_hash,
                email=checked_email,
                clear_email=email is not None and checked_email is None,
            )
        log.info("user updated", username=username, by=actor.username)
        return updated

    @rpc(expected_exceptions=EXPECTED)
    def list_users(
        self, token: str, institution: str | None = None, limit: int = 100, offset: int = 0
    ) -> list[dict[str, Any]]:
        self._administrator(token)
        _text(institution, "institution", optional=True)
        if not isinstance(limit, int) or not isinstance(offset, int):
            raise InvalidRequest("invalid_request", "limit")
        with self.db.transaction() as session:
            return handlers.list_users(session, institution=institution, limit=limit, offset=offset)

    # --- Internal, service to service (notification): no token; the gateway does not expose it ------------------

    @rpc(expected_exceptions=EXPECTED)
    def officer_contacts(self, institutions: list[dict[str, Any]]) -> list[list[dict[str, str]]]:
        """For each `{institution, coordinators_only}` of a sending round, in order, `[{username, email}]`: the
        active officers, board members and coordinators of the institution (only its coordinators when
        `coordinators_only`) who have an e-mail address, by username."""
        wanted = []
        for asked in round_of(institutions, "institutions"):
            if not isinstance(asked, dict):
                raise InvalidRequest("invalid_request", "institutions")
            coordinators_only = asked.get("coordinators_only", False)
            if not isinstance(coordinators_only, bool):
                raise InvalidRequest("invalid_request", "coordinators_only")
            wanted.append((_text(asked.get("institution"), "institution"), coordinators_only))
        with self.db.transaction() as session:
            return handlers.officer_contacts(session, wanted)

    # --- The audit trail ---------------------------------------------------------------------------------------

    # In batches: the trail is a hash chain written under one lock, so a batch takes the lock and appends its
    # records in one transaction instead of queueing a transaction per record behind it.
    @on_events("intake", "activity_recorded")
    def handle_activity_recorded(self, events: Batch[ActivityRecorded]) -> None:
        self._record_activities(events)

    @on_events("routing", "activity_recorded")
    def handle_routing_activity_recorded(self, events: Batch[ActivityRecorded]) -> None:
        """Forwards, returns, answers and extensions at routing: the same trail, the same once-only record."""
        self._record_activities(events)

    @on_events("notification", "activity_recorded")
    def handle_notification_activity_recorded(self, events: Batch[ActivityRecorded]) -> None:
        """What notification's retention job erased."""
        self._record_activities(events)

    # --- Helpers -----------------------------------------------------------------------------------------------

    def _record_activities(self, events: Batch[ActivityRecorded]) -> None:
        apply_batch_once(
            self.db,
            ProcessedEvent,
            events,
            lambda session, event, payload: handlers.record_activity(session, event.id, payload),
        )

    def _administrator(self, token: str) -> Principal:
        principal = self.authenticate(token)
        with self.db.transaction() as session:
            handlers.check_session(session, principal)
        access.require(principal, Action.MANAGE_USERS)
        return principal

    def _roles(self, roles: Any) -> list[str]:
        if not isinstance(roles, list | tuple) or not all(isinstance(role, str) for role in roles):
            raise InvalidRequest("unknown_role", "roles")
        return domain.check_roles(roles)

    def _institution(self, code: Any) -> str:
        """The directory code, once routing (which owns the directory) knows it as a working institution."""
        if not isinstance(code, str) or not code:
            raise InvalidRequest("unknown_institution", "institution")
        try:
            institution = self.routing.get_institution(code)
        except RemoteError as error:
            if error.exc_type == "NotFound":
                raise InvalidRequest("unknown_institution", "institution") from None
            raise
        if not institution.get("active", True):
            raise InvalidRequest("unknown_institution", "institution")
        return str(institution["code"])
