"""Who may do what: the one authorization mechanism of CİMER, deny by default.

The gateway asks it to refuse early, and the service that owns the data asks it again before it reads or changes
anything, so a caller that skips the gateway gains nothing. A decision needs only the officer's token (their
institution and roles) and, for an application, its `ApplicationScope`: the institutions that hold or held it and
the institutions that coordinate those (computed from the directory by routing when it assigns, and kept with the
application), so no decision needs a call to another service.

Roles (SPEC section 1 and issue 3):
- `call_centre`: Alo 150 at a governorship; records phone applications for that governorship's province.
- `bureau`: a public-relations bureau; records in-person applications for its own institution.
- `officer`: works the inbox of their institution: reads, forwards, answers, extends what it holds.
- `coordinator`: sees the subtree of their institution (a governorship its province, a ministry its units and
  provincial directorates, the Presidency everything).
- `board`: an ethics, disciplinary or human-rights board officer; works their board's inbox like an officer.
- `admin`: manages users and the directory; reads no application.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from cimer_common.errors import Forbidden
from cimer_common.tokens import Principal

PRESIDENCY = "PRESIDENCY"

ROLES: dict[str, str] = {
    "call_centre": "Alo 150 call-centre officer at a governorship: records phone applications",
    "bureau": "public-relations bureau officer: records in-person applications",
    "officer": "institution officer: works the applications held by their institution",
    "coordinator": "coordinator: follows the applications in their institution's subtree",
    "board": "board officer: ethics, disciplinary and human-rights boards",
    "admin": "administrator: users, roles and the institution directory",
}

# Roles that work applications held by their own institution.
WORKING_ROLES = frozenset({"officer", "board"})


def institution_system(code: str) -> Principal:
    """An institution's own system plugged into the bus (SPEC section 10): it acts, and sees, exactly as an
    officer of that institution does; the broker vouches for who it is, so it carries no token."""
    return Principal(
        user_id=f"institution-system:{code}",
        username=f"institution-{code}",
        institution=code,
        roles=frozenset({"officer"}),
        session_id="",
    )


class Action(StrEnum):
    RECORD_PHONE = "record_phone"
    RECORD_IN_PERSON = "record_in_person"
    LIST_INBOX = "list_inbox"
    READ_APPLICATION = "read_application"
    WORK_APPLICATION = "work_application"  # forward, answer, extend: only while the institution holds it
    SEE_NATIONAL_ID = "see_national_id"
    SEE_CONFIDENTIAL_APPLICANT = "see_confidential_applicant"
    READ_REPORT = "read_report"
    READ_OVERVIEW = "read_overview"  # a coordinator's counts of what is open in their subtree now
    MANAGE_USERS = "manage_users"
    MANAGE_DIRECTORY = "manage_directory"
    # An institution's answer templates (SPEC section 12); the scope names the institution (`institution_scope`).
    USE_ANSWER_TEMPLATES = "use_answer_templates"
    MANAGE_ANSWER_TEMPLATES = "manage_answer_templates"


@dataclass(frozen=True)
class ApplicationScope:
    """Where an application is and has been, as far as access is concerned."""

    holder: str | None
    held_by: frozenset[str] = field(default_factory=frozenset)
    coordinators: frozenset[str] = field(default_factory=frozenset)


def institution_scope(code: str) -> ApplicationScope:
    """The scope of what belongs to one institution rather than to an application (its answer templates)."""
    return ApplicationScope(holder=code, held_by=frozenset({code}))


def _is_governorship(code: str) -> bool:
    return code.startswith("GOV-")


def _reads(p: Principal, s: ApplicationScope | None) -> bool:
    if s is None:
        return False
    if p.has_role(*WORKING_ROLES) and p.institution in s.held_by:
        return True
    # A coordinator sees what was at their own institution, or anywhere under it; the Presidency everything.
    return p.has_role("coordinator") and (
        p.institution == PRESIDENCY or p.institution in s.held_by or p.institution in s.coordinators
    )


RULES: dict[Action, Callable[[Principal, ApplicationScope | None], bool]] = {
    Action.RECORD_PHONE: lambda p, s: p.has_role("call_centre") and _is_governorship(p.institution),
    Action.RECORD_IN_PERSON: lambda p, s: p.has_role("bureau"),
    Action.LIST_INBOX: lambda p, s: p.has_role("officer", "board", "coordinator"),
    Action.READ_APPLICATION: _reads,
    Action.WORK_APPLICATION: lambda p, s: (
        s is not None and p.has_role(*WORKING_ROLES) and s.holder is not None and s.holder == p.institution
    ),
    # CİMER staff at the Presidency and the boards, who investigate, need to know who applied; others see a mask.
    Action.SEE_NATIONAL_ID: lambda p, s: _reads(p, s) and (p.institution == PRESIDENCY or p.has_role("board")),
    # SPEC section 2: only the Presidency's CİMER staff may see who filed a confidential application.
    Action.SEE_CONFIDENTIAL_APPLICANT: lambda p, s: _reads(p, s) and p.institution == PRESIDENCY,
    Action.READ_REPORT: lambda p, s: p.has_role("coordinator"),
    Action.READ_OVERVIEW: lambda p, s: p.has_role("coordinator"),
    Action.MANAGE_USERS: lambda p, s: p.has_role("admin"),
    Action.MANAGE_DIRECTORY: lambda p, s: p.has_role("admin"),
    # The officers who answer for an institution use its templates; its coordinator and any administrator keep them.
    Action.USE_ANSWER_TEMPLATES: lambda p, s: (
        s is not None and p.has_role(*WORKING_ROLES) and s.holder is not None and s.holder == p.institution
    ),
    Action.MANAGE_ANSWER_TEMPLATES: lambda p, s: (
        p.has_role("admin")
        or (s is not None and p.has_role("coordinator") and s.holder is not None and s.holder == p.institution)
    ),
}


def coordinates_everything(principal: Principal) -> bool:
    """A coordinator who reads every application (`_reads`): the Presidency's. Any other reads those whose
    `held_by` or `coordinators` name their own institution, so a query over many applications can say the same."""
    return principal.has_role("coordinator") and principal.institution == PRESIDENCY


def allowed(principal: Principal, action: Action, scope: ApplicationScope | None = None) -> bool:
    rule = RULES.get(action)
    return bool(rule and rule(principal, scope))


def require(principal: Principal, action: Action, scope: ApplicationScope | None = None) -> None:
    if not allowed(principal, action, scope):
        raise Forbidden("forbidden", action.value)


def require_role_for(principal: Principal, action: Action) -> None:
    """Refuse an officer whose roles could not allow `action` on any application (the gateway's early check):
    the rule is asked about the best case for them, an application held by their own institution."""
    own = frozenset({principal.institution})
    require(principal, action, ApplicationScope(holder=principal.institution, held_by=own, coordinators=own))
