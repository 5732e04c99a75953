"""Routing's rules (SPEC section 4) as plain functions: no framework, no database.

Institutions are named by stable codes (SPEC section 8); the functions below build them, and the directory
(`directory.py`) uses the same functions, so the rules and the seed can never disagree on a name. The rules ask
the directory only three questions (does it exist, of what type, in which province), through the `Directory`
protocol: a dict in the unit tests, the `institutions` table in the service.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from cimer_common.events import ApplicationReceived

PRESIDENCY = "PRESIDENCY"
ETHICS_BOARD = "ETHICS-BOARD"
HR_PRESIDENCY = "HR-PRESIDENCY"

GENERAL_DIRECTOR_OR_ABOVE = "general_director_or_above"

# Bodies with a national remit: an application naming one is for the Presidency to evaluate and forward.
CENTRAL_TYPES = frozenset({"presidency", "ministry", "ministry_unit", "ethics_board", "hr_presidency"})


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
    """What the rules need to know about the institution directory (active institutions only)."""

    def exists(self, code: str) -> bool: ...

    def type_of(self, code: str) -> str | None: ...

    def province_of(self, code: str) -> str | None: ...


Rule = Callable[[ApplicationReceived, Directory], str]


def _ethics_complaint(application: ApplicationReceived, directory: Directory) -> str:
    if application.official_rank == GENERAL_DIRECTOR_OR_ABOVE or application.official_institution is None:
        return ETHICS_BOARD
    board = disciplinary_board(application.official_institution)
    # An institution without a disciplinary board of its own in the directory: the Ethics Board decides.
    return board if directory.exists(board) else ETHICS_BOARD


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
