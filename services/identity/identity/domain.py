"""The rules of identity, as plain functions: the roles an officer may hold (SPEC section 1).

Roles are data: the gateway and the other services check a user's roles against these names, so a name here is
part of the system's contract and is changed only with them.
"""

from __future__ import annotations

from collections.abc import Iterable

from cimer_common.errors import InvalidRequest

ROLES: dict[str, str] = {
    "call_centre": "records callers' applications at a governorship (Alo 150)",
    "bureau": "records in-person applications at a public-relations bureau",
    "officer": "works the applications assigned to their institution: forwards or answers them",
    "coordinator": "follows the applications of the subtree their institution coordinates",
    "board": "works the applications of an ethics, disciplinary or human-rights board",
    "admin": "manages users, roles and the institution directory",
}


def check_roles(roles: Iterable[str]) -> list[str]:
    """The roles once each, in the order of `ROLES`; refuses an empty list and a name that is not a role."""
    given = set(roles)
    if not given:
        raise InvalidRequest("roles_required", "roles")
    if given - ROLES.keys():
        raise InvalidRequest("unknown_role", "roles")
    return [role for role in ROLES if role in given]
