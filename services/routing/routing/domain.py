"""Routing's rules (SPEC section 4) as plain functions: no framework, no database.

Institutions are named by stable codes (SPEC section 8); the functions below build them, and the directory
(`directory.py`) uses the same functions, so the rules and the seed can never disagree on a name. The rules ask
the directory four questions (does it exist, of what type, in which province, under which parent), through the
`Directory` protocol: a dict in the unit tests, the `institutions` table in the service.

The same protocol serves the coordinators of an institution (`coordinators_of`) and the rules an administrator's
change to the directory must keep (`check_new_institution`, `check_parent`, ...), which refuse with
`InvalidRequest(code, field)`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from cimer_common import appeals, geography
from cimer_common.errors import Conflict, InvalidRequest
from cimer_common.events import ApplicationReceived
from cimer_common.schemas import SUBJECT_MINISTRY

PRESIDENCY = "PRESIDENCY"
ETHICS_BOARD = "ETHICS-BOARD"
HR_PRESIDENCY = "HR-PRESIDENCY"
# Bilgi Edinme Değerlendirme Kurulu: hears appeals of refused information requests (SPEC sections 3 and 12).
INFORMATION_REVIEW_BOARD = appeals.INFORMATION_REVIEW_BOARD

GENERAL_DIRECTOR_OR_ABOVE = "general_director_or_above"

# Bodies with a national remit: an application naming one is for the Presidency to evaluate and forward.
CENTRAL_TYPES = frozenset(
    {"presidency", "ministry", "ministry_unit", "ethics_board", "hr_presidency", "information_review_board"}
)


def ministry(code: str) -> str:
    return f"MIN-{code}"


def ministry_unit(ministry_code: str, unit: str) -> str:
    return f"MU-{ministry_code}-{unit}"


def regional_directorate(unit_code: str, number: int) -> str:
    """`MU-UAB-KGM`, 4 → `RD-UAB-KGM-4`."""
    return f"RD-{unit_code.removeprefix('MU-')}-{number}"


def governorship(province: str) -> str:
    return f"GOV-{province}"


def district_governorship(province: str, district_ascii: str) -> str:
    return f"DG-{province}-{district_ascii}"


def provincial_directorate(province: str, ministry_code: str) -> str:
    return f"PD-{province}-{ministry_code}"


def provincial_hr_board(province: str) -> str:
    return f"HRB-{province}"


def district_hr_board(province: str, district_ascii: str) -> str:
    return f"DHRB-{province}-{district_ascii}"


def disciplinary_board(institution: str) -> str:
    return f"DISC-{institution}"


class Directory(Protocol):
    """What the rules need to know about the institution directory.

    `exists`, `type_of` and `province_of` see active institutions only (a retired one does not exist for them).
    `parent_of` follows the link of any institution, active or retired, so a walk up the tree can pass a retired
    one; it is None for the root and for a code the directory does not hold.
    """

    def exists(self, code: str) -> bool: ...

    def type_of(self, code: str) -> str | None: ...

    def province_of(self, code: str) -> str | None: ...

    def parent_of(self, code: str) -> str | None: ...


Rule = Callable[[ApplicationReceived, Directory], str]


# Staff of these serve in a province, under its governor: the governorship's İl Disiplin Kurulu hears their cases
# when their institution has no board of its own (a provincial directorate's, a Kaymakamlık's, a regional
# directorate's, a provincial or district board's).
PROVINCIAL_STAFF_TYPES = frozenset(
    {
        "governorship",
        "district_governorship",
        "provincial_directorate",
        "regional_directorate",
        "provincial_hr_board",
        "district_hr_board",
    }
)


def _ministry_above(code: str, directory: Directory) -> str | None:
    """The nearest active ministry among `code`'s ancestors, `code` included (`MIN-UAB` for `MU-UAB-KGM`); a
    retired ancestor is passed over and a cycle in the data ends the walk, as in `coordinators_of`."""
    seen: set[str] = set()
    current: str | None = code
    while current is not None and current not in seen:
        seen.add(current)
        if directory.type_of(current) == "ministry":
            return current
        current = directory.parent_of(current)
    return None


def disciplinary_board_for(institution: str, directory: Directory) -> str:
    """The disciplinary board with jurisdiction over an official of `institution` below general-director rank
    (SPEC section 4), the first of these that is an active institution:
    (a) the institution's own board (`DISC-<institution>`);
    (b) for staff serving in a province (`PROVINCIAL_STAFF_TYPES`), the provincial disciplinary board of that
        province's governorship (`DISC-GOV-<plate>`);
    (c) for a ministry and anything in its subtree (its units; a provincial or regional directorate too, when its
        province has no board), that ministry's board (`DISC-MIN-<ministry>`);
    (d) the Ethics Board, which takes what no board is there for (an unknown or retired institution too).
    A disciplinary board's members are officials of the institution it belongs to, and are judged as such.
    """
    kind = directory.type_of(institution)
    parent = directory.parent_of(institution)
    if kind == "disciplinary_board" and parent is not None and directory.exists(parent):
        institution, kind = parent, directory.type_of(parent)
    own = disciplinary_board(institution)
    if directory.exists(own):
        return own
    if kind is None:
        return ETHICS_BOARD
    province = directory.province_of(institution)
    if province is not None and kind in PROVINCIAL_STAFF_TYPES:
        provincial = disciplinary_board(governorship(province))
        if directory.exists(provincial):
            return provincial
    ministry_above = _ministry_above(institution, directory)
    if ministry_above is not None:
        ministerial = disciplinary_board(ministry_above)
        if directory.exists(ministerial):
            return ministerial
    return ETHICS_BOARD


def _ethics_complaint(application: ApplicationReceived, directory: Directory) -> str:
    if application.official_rank == GENERAL_DIRECTOR_OR_ABOVE or application.official_institution is None:
        return ETHICS_BOARD
    return disciplinary_board_for(application.official_institution, directory)


def _human_rights(application: ApplicationReceived, directory: Directory) -> str:
    recorded_by: str | None = application.recorded_by
    if (
        application.channel == "in_person"
        and recorded_by is not None
        and directory.type_of(recorded_by) == "district_governorship"
    ):
        # Filed at a Kaymakamlık: the board of that district, whose code mirrors the Kaymakamlık's.
        board = "DHRB-" + recorded_by.removeprefix("DG-")
        if directory.exists(board):
            return board
    province = (
        application.province
        or (directory.province_of(recorded_by) if recorded_by else None)
        or (directory.province_of(application.target_institution) if application.target_institution else None)
    )
    if province is not None and directory.exists(provincial_hr_board(province)):
        return provincial_hr_board(province)
    return HR_PRESIDENCY


def _phone(application: ApplicationReceived, directory: Directory) -> str:
    # An Alo 150 officer works at a governorship; the call belongs to that officer's province.
    province = (directory.province_of(application.recorded_by) if application.recorded_by else None) or (
        application.province
    )
    return governorship(province) if province else PRESIDENCY


def _in_person(application: ApplicationReceived, directory: Directory) -> str:
    recorded_by: str | None = application.recorded_by
    if recorded_by is not None and directory.exists(recorded_by):
        return recorded_by
    # A bureau code the directory does not know (retired since): route it as if it had come through the web.
    return _web(application, directory)


def _web(application: ApplicationReceived, directory: Directory) -> str:
    target = application.target_institution
    if target is not None and directory.exists(target):
        province = directory.province_of(target)
        # A body seated in no province (a ministry's disciplinary board too) is central as well.
        if directory.type_of(target) in CENTRAL_TYPES or province is None:
            return PRESIDENCY
        # A local institution is reached through its province's governorship, never directly from the web.
        return governorship(province)
    if application.province is not None:
        return governorship(application.province)
    return PRESIDENCY


# The kind decides first (a board, whatever the channel); otherwise the channel does.
KIND_RULES: dict[str, Rule] = {"ethics_complaint": _ethics_complaint, "human_rights": _human_rights}
CHANNEL_RULES: dict[str, Rule] = {"phone": _phone, "in_person": _in_person, "web": _web}


def first_destination(application: ApplicationReceived, directory: Directory) -> str:
    """The code of the institution that first holds a newly received application."""
    rule = KIND_RULES.get(application.kind) or CHANNEL_RULES[application.channel]
    destination = rule(application, directory)
    # The Presidency evaluates everything, so it takes what would otherwise go to a retired institution.
    return destination if directory.exists(destination) else PRESIDENCY


# --- Coordinators ---------------------------------------------------------------------------------------------


def coordinators_of(code: str, directory: Directory) -> list[str]:
    """The institutions whose coordinators may see an application held by `code` (SPEC section 1; `ApplicationScope`
    in `cimer_common.access`): its active ancestors, nearest first, then the governorship of its province (a
    governorship follows its province's subtree, whatever the parent links say), then the Presidency, unless either
    is already there. Never `code` itself, never twice; a retired ancestor is passed over, not stopped at, and a
    cycle in the data ends the walk. The Presidency is in every list but its own, which is empty.
    """
    if code == PRESIDENCY:
        return []
    found: list[str] = []
    seen = {code}
    parent = directory.parent_of(code)
    while parent is not None and parent not in seen:
        seen.add(parent)
        if directory.exists(parent):
            found.append(parent)
        parent = directory.parent_of(parent)
    province = directory.province_of(code)
    if province is not None:
        province_governorship = governorship(province)
        if province_governorship not in seen and directory.exists(province_governorship):
            found.append(province_governorship)
    if PRESIDENCY not in found:
        found.append(PRESIDENCY)
    return found


# --- Administration of the directory --------------------------------------------------------------------------

CODE = re.compile(r"[A-Z0-9][A-Z0-9-]{1,63}")
NAME_MAX = 200
MINISTRY_CODE = re.compile(r"[A-Z0-9]{1,32}")

# SPEC section 3.
TYPES = frozenset(
    {
        "presidency",
        "ministry",
        "ministry_unit",
        "governorship",
        "district_governorship",
        "provincial_directorate",
        "regional_directorate",
        "ethics_board",
        "disciplinary_board",
        "provincial_hr_board",
        "district_hr_board",
        "hr_presidency",
        "information_review_board",
    }
)
# What a type is "one per" in SPEC section 3, and so cannot do without; the routing rules and `coordinators_of`
# find a local body's governorship and boards through its province.
NEEDS_PROVINCE = frozenset(
    {
        "governorship",
        "district_governorship",
        "provincial_directorate",
        "regional_directorate",
        "provincial_hr_board",
        "district_hr_board",
    }
)
NEEDS_DISTRICT = frozenset({"district_governorship", "district_hr_board"})
NEEDS_MINISTRY = frozenset({"ministry", "ministry_unit", "provincial_directorate", "regional_directorate"})


@dataclass(frozen=True)
class NewInstitution:
    code: str
    name: str
    type: str
    province: str | None = None
    district: str | None = None
    parent: str | None = None
    ministry: str | None = None


def check_code(code: object) -> str:
    """An institution code: upper-case ASCII letters, digits and hyphens, 2 to 64 characters, not starting with a
    hyphen (`DG-06-CANKAYA`)."""
    if not isinstance(code, str) or CODE.fullmatch(code) is None:
        raise InvalidRequest("invalid_code", "code")
    return code


def check_name(name: object) -> str:
    """A name, its spaces tidied: not blank, at most 200 characters, nothing but printable characters (a control
    character, NUL above all, is no part of a name, and PostgreSQL would refuse to store NUL)."""
    if not isinstance(name, str) or not name.strip():
        raise InvalidRequest("name_required", "name")
    name = " ".join(name.split())
    if len(name) > NAME_MAX:
        raise InvalidRequest("name_too_long", "name")
    if not name.isprintable():
        raise InvalidRequest("name_not_printable", "name")
    return name


def check_parent(code: str, parent: object, directory: Directory) -> str:
    """`parent` for `code`: an active institution, and not `code` itself or anything below it (a cycle)."""
    if not isinstance(parent, str) or not directory.exists(parent):
        raise InvalidRequest("unknown_parent", "parent")
    if would_make_cycle(code, parent, directory):
        raise InvalidRequest("parent_cycle", "parent")
    return parent


def would_make_cycle(code: str, parent: str, directory: Directory) -> bool:
    """True when `code` is `parent` or one of its ancestors, so that `code` under `parent` would close a loop.
    A cycle already in the data above `parent` ends the walk rather than looping forever."""
    seen: set[str] = set()
    current: str | None = parent
    while current is not None and current not in seen:
        if current == code:
            return True
        seen.add(current)
        current = directory.parent_of(current)
    return False


def check_active(code: str, active: object) -> bool:
    """A retirement (`active` false) or a reinstatement; the Presidency, which takes whatever has nowhere else to
    go, is never retired."""
    if not isinstance(active, bool):
        raise InvalidRequest("invalid_active", "active")
    if code == PRESIDENCY and not active:
        raise InvalidRequest("presidency_cannot_be_retired", "active")
    return active


def check_new_institution(new: NewInstitution, directory: Directory) -> NewInstitution:
    """An institution an administrator adds, as it will be stored (name without stray spaces, the district as the
    reference data spells it); `InvalidRequest(code, field)` for the first rule it breaks. Whether the code is
    taken is the caller's question: it needs every institution, retired ones too."""
    code = check_code(new.code)
    name = check_name(new.name)
    if not isinstance(new.type, str) or new.type not in TYPES:
        raise InvalidRequest("invalid_type", "type")
    if new.type == "presidency":
        # The state has one Presidency, the root of the directory, seeded with it.
        raise InvalidRequest("presidency_exists", "type")
    province = new.province
    if province is not None and (not isinstance(province, str) or province not in geography.provinces()):
        raise InvalidRequest("unknown_province", "province")
    if province is None and new.type in NEEDS_PROVINCE:
        raise InvalidRequest("province_required", "province")
    district = new.district
    if district is not None:
        if province is None:
            raise InvalidRequest("district_needs_province", "district")
        found = geography.find_district(province, district) if isinstance(district, str) else None
        if found is None:
            raise InvalidRequest("unknown_district", "district")
        district = found.name
    elif new.type in NEEDS_DISTRICT:
        raise InvalidRequest("district_required", "district")
    if new.parent is None:
        raise InvalidRequest("parent_required", "parent")
    parent = check_parent(code, new.parent, directory)
    ministry_code = new.ministry
    if ministry_code is not None:
        if not isinstance(ministry_code, str) or MINISTRY_CODE.fullmatch(ministry_code) is None:
            raise InvalidRequest("unknown_ministry", "ministry")
        if new.type == "ministry":
            # A ministry names itself: MIN-SAGLIK is the ministry SAGLIK, as the seed and the rules build it.
            if code != ministry(ministry_code):
                raise InvalidRequest("ministry_code_mismatch", "ministry")
        elif directory.type_of(ministry(ministry_code)) != "ministry":
            raise InvalidRequest("unknown_ministry", "ministry")
    elif new.type in NEEDS_MINISTRY:
        raise InvalidRequest("ministry_required", "ministry")
    return NewInstitution(code, name, new.type, province, district, parent, ministry_code)


# --- Forwarding (SPEC section 4) ------------------------------------------------------------------------------


class ForwardingDirectory(Directory, Protocol):
    """What the forwarding rules need besides `Directory`, again about active institutions only."""

    def ministry_of(self, code: str) -> str | None:
        """The ministry whose subtree the institution lies in (`SAGLIK` for `MIN-SAGLIK` and `PD-06-SAGLIK`)."""
        ...


@dataclass(frozen=True)
class ApplicationFacts:
    """What routing keeps about an application to decide where it may go (`assignments` holds it)."""

    kind: str
    channel: str
    subject: str | None
    province: str | None = None
    district: str | None = None


# Subjects a governorship answers itself, as the Ministry of the Interior in the province: its police and
# gendarmerie, its registry office, its local administrations.
GOVERNORSHIP_SUBJECTS = frozenset({"security", "civil_registry", "local_services"})


def locally_solvable(application: ApplicationFacts) -> bool:
    """SPEC section 4: "locally solvable applications must end locally; a phone application about a district's
    road never reaches a ministry". An application is locally solvable, and so a governorship never sends it up to
    the Presidency, when any of these holds:
    - it names a district (a district's road, school or clinic is the business of bodies in the province);
    - its subject is one the governorship handles itself (`GOVERNORSHIP_SUBJECTS`);
    - its subject belongs to no ministry (`other` in `schemas.SUBJECT_MINISTRY`): there is no ministry for the
      Presidency to send it to.
    Anything else belongs to a ministry, and the governorship may send it up, but only with its reason
    (`REASON_REQUIRED`): even where the ministry has an office in the province, the matter may be one only the
    ministry can settle, and the officer who judges so must say why.
    """
    if application.district or application.subject in GOVERNORSHIP_SUBJECTS:
        return True
    subject = application.subject
    return (SUBJECT_MINISTRY.get(subject) if subject else None) is None


# A relation between the holder and the target that an edge of the table requires.
Relation = Callable[[ApplicationFacts, str, str, ForwardingDirectory], bool]


def _anywhere(application: ApplicationFacts, holder: str, target: str, directory: ForwardingDirectory) -> bool:
    return True


def _same_province(application: ApplicationFacts, holder: str, target: str, directory: ForwardingDirectory) -> bool:
    province = directory.province_of(holder)
    return province is not None and directory.province_of(target) == province


def _child(application: ApplicationFacts, holder: str, target: str, directory: ForwardingDirectory) -> bool:
    return directory.parent_of(target) == holder


def _same_ministry(application: ApplicationFacts, holder: str, target: str, directory: ForwardingDirectory) -> bool:
    ministry_code = directory.ministry_of(holder)
    return ministry_code is not None and directory.ministry_of(target) == ministry_code


def _belongs_to_a_ministry(
    application: ApplicationFacts, holder: str, target: str, directory: ForwardingDirectory
) -> bool:
    return not locally_solvable(application)


# The edges of SPEC section 4, as data: holder's type → (target's type, what must hold between them).
# Nothing else is allowed, except a return to the sender (`forward_reason`).
FORWARDING: dict[str, tuple[tuple[str, Relation], ...]] = {
    "governorship": (
        ("district_governorship", _same_province),  # its district governorships
        ("provincial_directorate", _same_province),  # its province's provincial directorates
        ("regional_directorate", _same_province),  # the regional directorates seated in its province
        ("presidency", _belongs_to_a_ministry),  # only what is not locally solvable, with a reason
    ),
    "presidency": (
        ("ministry", _anywhere),
        ("governorship", _anywhere),
        ("ethics_board", _anywhere),
        ("hr_presidency", _anywhere),
    ),
    "ministry": (
        ("ministry_unit", _child),  # its units
        ("provincial_directorate", _same_ministry),  # its provincial directorates
    ),
    "ethics_board": (("disciplinary_board", _anywhere),),
    "provincial_hr_board": (
        ("district_hr_board", _same_province),  # the district boards of its province
        ("hr_presidency", _anywhere),
    ),
}

# Edges (holder's type, target's type) taken only with a reason, the forward's note, which travels with the
# application to its new holder (`application_assigned`). Sending a matter up to the Presidency is the governorship
# judging that the ministry, not the province's own bodies, must settle it: the officer says why.
REASON_REQUIRED = frozenset({("governorship", "presidency")})


def reason_required(holder: str, target: str, directory: Directory) -> bool:
    """Whether a forward from `holder` to `target` needs the officer's reason (`REASON_REQUIRED`); a return never
    does."""
    return (directory.type_of(holder), directory.type_of(target)) in REASON_REQUIRED


FORWARDED = "forwarded"
RETURNED = "returned"
# After the answer (SPEC section 12): an appeal moves the application to the information review board, and the
# board's order to answer moves it back to the institution that refused. Each starts custody anew: nothing before
# it can be returned to.
APPEALED = "appealed"
ORDERED = "ordered"


def forward_reason(
    application: ApplicationFacts,
    holder: str,
    target: str,
    directory: ForwardingDirectory,
    sender: str | None,
) -> str | None:
    """`"returned"` when `target` is the institution that sent the application to `holder`, `"forwarded"` when
    an edge of `FORWARDING` leads from `holder` to `target`, None when the move is not allowed: never to the holder
    itself, never to an institution that is retired or unknown."""
    if target == holder or not directory.exists(target):
        return None
    if sender is not None and target == sender:
        return RETURNED
    holder_type, target_type = directory.type_of(holder), directory.type_of(target)
    if holder_type is None:
        # A retired holder still gets rid of what it holds, back to its sender only.
        return None
    for allowed_type, relation in FORWARDING.get(holder_type, ()):
        if target_type == allowed_type and relation(application, holder, target, directory):
            return FORWARDED
    return None


# Where the targets of an edge are to be found, given the holder: the relation of the edge as equalities on the
# directory's columns, so the service asks the database for exactly those (never the whole directory). A relation
# not listed needs nothing of the target (`_anywhere`, `_belongs_to_a_ministry`); `forward_reason` still decides.
_NARROWING: dict[Relation, Callable[[str, ForwardingDirectory], dict[str, str | None]]] = {
    _same_province: lambda holder, directory: {"province": directory.province_of(holder)},
    _child: lambda holder, directory: {"parent": holder},
    _same_ministry: lambda holder, directory: {"ministry": directory.ministry_of(holder)},
}


@dataclass(frozen=True)
class Candidates:
    """The active institutions of `type` (in `province`, under `parent`, of `ministry`, where given) among which
    one edge of `FORWARDING` from a holder may lead."""

    type: str
    province: str | None = None
    parent: str | None = None
    ministry: str | None = None


def forward_candidates(holder: str, directory: ForwardingDirectory) -> list[Candidates]:
    """One `Candidates` per edge from `holder`'s type, narrowed by the edge's relation; an edge whose relation
    cannot hold (a holder seated in no province, or in no ministry's subtree) is left out. Every target that
    `forward_reason` would allow is among them; `forward_targets` keeps only those it allows."""
    holder_type = directory.type_of(holder)
    found: list[Candidates] = []
    for target_type, relation in FORWARDING.get(holder_type or "", ()):
        narrowing = _NARROWING[relation](holder, directory) if relation in _NARROWING else {}
        if any(value is None for value in narrowing.values()):
            continue
        found.append(Candidates(target_type, **narrowing))
    return found


def forward_targets(
    application: ApplicationFacts,
    holder: str,
    candidates: Iterable[str],
    directory: ForwardingDirectory,
    sender: str | None,
) -> list[str]:
    """The candidates the holder may forward the application to, in their order: `forward_reason` says
    `"forwarded"` (never the holder, a retired institution, or the sender, which is a return, not a forward)."""
    return [code for code in candidates if forward_reason(application, holder, code, directory, sender) == FORWARDED]


def may_forward(
    application: ApplicationFacts,
    holder: str,
    target: str,
    directory: ForwardingDirectory,
    sender: str | None,
) -> bool:
    return forward_reason(application, holder, target, directory, sender) is not None


def check_forward(
    application: ApplicationFacts,
    holder: str,
    target: str,
    directory: ForwardingDirectory,
    sender: str | None,
    note: str | None = None,
) -> str:
    """The reason of an allowed move, or `InvalidRequest("forward_not_allowed", "to_institution")`; a forward
    along an edge of `REASON_REQUIRED` without a `note` that says something is `InvalidRequest("reason_required",
    "note")`. (`may_forward` and `forward_targets` answer whether the edge is there, whatever the note.)"""
    reason = forward_reason(application, holder, target, directory, sender)
    if reason is None:
        raise InvalidRequest("forward_not_allowed", "to_institution")
    if reason == FORWARDED and reason_required(holder, target, directory) and not (note and note.strip()):
        raise InvalidRequest("reason_required", "note")
    return reason


def sender_after(moves: list[tuple[str, str]]) -> str | None:
    """The institution a return would go back to after `moves`, each (reason, to_institution) in order from the
    first destination: a forward pushes the holder on a stack of senders, a return pops it, so a return goes to
    whoever sent the application to the current holder, and a second return goes one step further back."""
    holders: list[str] = []
    for reason, to_institution in moves:
        if reason in (APPEALED, ORDERED):
            holders = [to_institution]
        elif reason == RETURNED and holders:
            holders.pop()
        else:
            holders.append(to_institution)
    return holders[-2] if len(holders) >= 2 else None


@dataclass(frozen=True)
class Custody:
    """Who holds an application, as a pure state machine: the moves so far, each (reason, to_institution) from
    the first destination on, and whether it is answered. Exactly one institution holds it (the last move's), and
    after the answer nothing moves any more. The service replays the `assignment_history` into one of these."""

    moves: tuple[tuple[str, str], ...]
    answered: bool = False

    @property
    def holder(self) -> str:
        return self.moves[-1][1]

    @property
    def sender(self) -> str | None:
        return sender_after(list(self.moves))

    def forward(
        self, application: ApplicationFacts, target: str, directory: ForwardingDirectory, note: str | None = None
    ) -> Custody:
        """The custody after the holder sends the application to `target` with the officer's `note`;
        `Conflict("already_answered")` once it is answered, and `check_forward`'s refusals: `forward_not_allowed`
        off the edges, `reason_required` up to the Presidency without a note."""
        if self.answered:
            raise Conflict("already_answered")
        reason = check_forward(application, self.holder, target, directory, self.sender, note)
        return Custody((*self.moves, (reason, target)))

    def answer(self) -> Custody:
        if self.answered:
            raise Conflict("already_answered")
        return Custody(self.moves, answered=True)


# --- Answers and extensions -----------------------------------------------------------------------------------

OUTCOMES = frozenset({"positive", "negative"})
ANSWER_MIN, ANSWER_MAX = 10, 10_000
REASON_MIN, REASON_MAX = 10, 2_000
NOTE_MAX = 2_000


def check_answer(outcome: object, text: object) -> tuple[str, str]:
    if not isinstance(outcome, str) or outcome not in OUTCOMES:
        raise InvalidRequest("invalid_outcome", "outcome")
    stripped = text.strip() if isinstance(text, str) else ""
    if not ANSWER_MIN <= len(stripped) <= ANSWER_MAX:
        raise InvalidRequest("answer_text_required", "text")
    return outcome, stripped


INFORMATION_REQUEST = "information_request"


def check_extension(kind: str, extended: bool, deadline: date, today: date) -> None:
    """Whether an unanswered application's deadline may be extended (Law 4982, article 11): an information request
    only, once, before its deadline has passed; refuses as `extend` does."""
    if kind != INFORMATION_REQUEST:
        raise InvalidRequest("extension_not_allowed", "kind")
    if extended:
        raise Conflict("already_extended")
    if today > deadline:
        raise InvalidRequest("deadline_passed", "deadline")


def may_extend(kind: str, extended: bool, deadline: date, today: date) -> bool:
    try:
        check_extension(kind, extended, deadline, today)
    except (InvalidRequest, Conflict):
        return False
    return True


def check_extension_reason(reason: object) -> str:
    stripped = reason.strip() if isinstance(reason, str) else ""
    if not REASON_MIN <= len(stripped) <= REASON_MAX:
        raise InvalidRequest("extension_reason_required", "reason")
    return stripped


def check_note(note: object) -> str | None:
    if note is None:
        return None
    if not isinstance(note, str):
        raise InvalidRequest("invalid_note", "note")
    stripped = note.strip()
    if len(stripped) > NOTE_MAX:
        raise InvalidRequest("note_too_long", "note")
    return stripped or None
