"""Unit tests of identity's rules: no broker, no database."""

import pytest

from cimer_common.errors import InvalidRequest
from identity import domain


def test_the_roles_are_those_of_the_specification():
    assert list(domain.ROLES) == ["call_centre", "bureau", "officer", "coordinator", "board", "admin"]


def test_roles_come_back_once_each_in_a_fixed_order():
    assert domain.check_roles(["coordinator", "officer", "coordinator"]) == ["officer", "coordinator"]


def test_a_generator_of_roles_is_accepted():
    assert domain.check_roles(role for role in ("admin",)) == ["admin"]


@pytest.mark.parametrize(
    ("roles", "code"),
    [
        ([], "roles_required"),
        (["superuser"], "unknown_role"),
        (["officer", "Officer"], "unknown_role"),
        (["officer", ""], "unknown_role"),
    ],
)
def test_a_bad_role_list_is_refused(roles, code):
    with pytest.raises(InvalidRequest) as caught:
        domain.check_roles(roles)
    assert (caught.value.code, caught.value.field) == (code, "roles")
