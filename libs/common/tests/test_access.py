"""The authorization rules, table by table: deny by default, each role what it needs and nothing more."""

import pytest

from cimer_common.access import ROLES, RULES, Action, ApplicationScope, allowed, coordinates_everything
from cimer_common.tokens import Principal


def officer(institution, *roles):
    return Principal("u", "someone", institution, frozenset(roles), "s")


AT_PD = ApplicationScope(
    "PD-06-SAGLIK", frozenset({"GOV-06", "PD-06-SAGLIK"}), frozenset({"MIN-SAGLIK", "GOV-06", "PRESIDENCY"})
)


def test_every_action_has_a_rule_and_an_unknown_one_is_denied():
    assert set(RULES) == set(Action)
    assert not allowed(officer("PRESIDENCY", *ROLES), "no_such_action")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        (officer("PD-06-SAGLIK", "officer"), True),  # holds it
        (officer("GOV-06", "officer"), True),  # held it before
        (officer("GOV-06", "board"), True),
        (officer("MIN-SAGLIK", "coordinator"), True),  # coordinates the holder
        (officer("MIN-SAGLIK", "officer"), False),  # an officer of the ministry is not its coordinator
        (officer("PRESIDENCY", "coordinator"), True),
        (officer("GOV-34", "officer", "coordinator"), False),
        (officer("PD-06-SAGLIK", "call_centre"), False),
        (officer("PD-06-SAGLIK", "bureau"), False),
        (officer("PRESIDENCY", "admin"), False),
        (officer("PD-06-SAGLIK"), False),  # no role, no access
    ],
)
def test_reading_an_application(who, expected):
    assert allowed(who, Action.READ_APPLICATION, AT_PD) is expected
    assert allowed(who, Action.READ_APPLICATION, None) is False


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        (officer("PD-06-SAGLIK", "officer"), True),
        (officer("PD-06-SAGLIK", "board"), True),
        (officer("GOV-06", "officer"), False),  # held it, holds it no more
        (officer("PRESIDENCY", "officer", "coordinator"), False),  # sees all, works only what it holds
        (officer("PD-06-SAGLIK", "coordinator"), False),
    ],
)
def test_working_an_application_needs_to_hold_it(who, expected):
    assert allowed(who, Action.WORK_APPLICATION, AT_PD) is expected


@pytest.mark.parametrize(
    ("who", "action", "expected"),
    [
        (officer("GOV-06", "call_centre"), Action.RECORD_PHONE, True),
        (officer("DG-06-CANKAYA", "call_centre"), Action.RECORD_PHONE, False),  # Alo 150 is at governorships
        (officer("GOV-06", "officer"), Action.RECORD_PHONE, False),
        (officer("DG-06-CANKAYA", "bureau"), Action.RECORD_IN_PERSON, True),
        (officer("GOV-06", "call_centre"), Action.RECORD_IN_PERSON, False),
        (officer("GOV-06", "officer"), Action.LIST_INBOX, True),
        (officer("GOV-06", "call_centre"), Action.LIST_INBOX, False),
        (officer("PRESIDENCY", "admin"), Action.LIST_INBOX, False),
        (officer("PRESIDENCY", "admin"), Action.MANAGE_USERS, True),
        (officer("PRESIDENCY", "admin"), Action.MANAGE_DIRECTORY, True),
        (officer("PRESIDENCY", "officer", "coordinator"), Action.MANAGE_USERS, False),
        (officer("GOV-06", "coordinator"), Action.READ_REPORT, True),
        (officer("GOV-06", "officer"), Action.READ_REPORT, False),
        (officer("GOV-06", "coordinator"), Action.READ_OVERVIEW, True),
        (officer("GOV-06", "officer"), Action.READ_OVERVIEW, False),
        (officer("PRESIDENCY", "officer", "board"), Action.READ_OVERVIEW, False),
        (officer("PRESIDENCY", "admin"), Action.READ_OVERVIEW, False),
    ],
)
def test_role_level_actions(who, action, expected):
    assert allowed(who, action) is expected


@pytest.mark.parametrize(
    ("who", "national_id", "confidential"),
    [
        (officer("PD-06-SAGLIK", "officer"), False, False),
        (officer("MIN-SAGLIK", "coordinator"), False, False),
        (officer("PD-06-SAGLIK", "board"), True, False),
        (officer("PRESIDENCY", "coordinator"), True, True),
        (officer("GOV-34", "board"), False, False),  # a board outside the scope sees nothing at all
    ],
)
def test_who_sees_the_national_id_and_a_confidential_applicant(who, national_id, confidential):
    assert allowed(who, Action.SEE_NATIONAL_ID, AT_PD) is national_id
    assert allowed(who, Action.SEE_CONFIDENTIAL_APPLICANT, AT_PD) is confidential


@pytest.mark.parametrize(
    ("who", "action", "expected"),
    [
        (officer("GOV-06", "officer"), Action.WORK_APPLICATION, True),
        (officer("ETHICS-BOARD", "board"), Action.WORK_APPLICATION, True),
        (officer("GOV-06", "coordinator"), Action.WORK_APPLICATION, False),
        (officer("GOV-06", "coordinator"), Action.READ_APPLICATION, True),
        (officer("GOV-06", "call_centre"), Action.READ_APPLICATION, False),
        (officer("PRESIDENCY", "admin"), Action.READ_APPLICATION, False),
    ],
)
def test_the_gateways_early_refusal_asks_about_the_officers_best_case(who, action, expected):
    from cimer_common.access import require_role_for
    from cimer_common.errors import Forbidden

    if expected:
        require_role_for(who, action)
    else:
        with pytest.raises(Forbidden):
            require_role_for(who, action)


@pytest.mark.parametrize(
    ("who", "everything"),
    [
        (officer("PRESIDENCY", "coordinator"), True),
        (officer("PRESIDENCY", "officer"), False),  # an officer of the Presidency works what it holds
        (officer("GOV-06", "coordinator"), False),
    ],
)
def test_only_the_presidency_s_coordinator_coordinates_everything_as_reading_says(who, everything):
    """`coordinates_everything` says for many applications at once what `_reads` says for one: an application
    that names neither the coordinator's institution as holder nor as coordinator is read by the Presidency's
    alone."""
    elsewhere = ApplicationScope("DG-34-KADIKOY", frozenset({"DG-34-KADIKOY"}), frozenset({"GOV-34"}))
    assert coordinates_everything(who) is everything
    assert allowed(who, Action.READ_APPLICATION, elsewhere) is everything
