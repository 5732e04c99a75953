"""Interface tests of answer templates (SPEC section 12) through the real RPC entrypoints of the routing service on
RabbitMQ and PostgreSQL: who may list, add and change an institution's templates, what is refused, retiring."""

import pytest
from nameko.testing.services import entrypoint_hook
from sqlalchemy import select

from cimer_common.errors import Forbidden, InvalidRequest, NotFound, Unauthorized
from cimer_common.testing import service_database, token_for
from routing.models import AnswerTemplate

pytestmark = pytest.mark.interface

BODY = "Sayın {basvuru_sahibi}, {basvuru_no} numaralı başvurunuz incelenmiştir. {kurum}"
COORDINATOR = token_for("gov-06-coordinator", "GOV-06", "coordinator")
OFFICER = token_for("gov-06-officer", "GOV-06", "officer")
BOTH = token_for("gov-06", "GOV-06", "officer", "coordinator")
ADMIN = token_for("admin", "PRESIDENCY", "admin")
OUTSIDER = token_for("gov-34", "GOV-34", "officer", "coordinator")
PD_OFFICER = token_for("pd-06-saglik", "PD-06-SAGLIK", "officer")


def rpc(container, method, *args, **kwargs):
    with entrypoint_hook(container, method) as call:
        return call(*args, **kwargs)


def refused(error, container, method, *args, **kwargs):
    with pytest.raises(error) as caught:
        rpc(container, method, *args, **kwargs)
    assert type(caught.value) is error
    return caught.value.args


def create(container, token=COORDINATOR, institution="GOV-06", subject="transport", title="Yol", body=BODY):
    return rpc(container, "create_answer_template", token, institution, subject, title, body)


def titles(found):
    return [t["title"] for t in found]


def test_a_coordinator_adds_a_template_and_the_institution_s_officers_list_it(routing):
    created = create(routing, title="  Yol   onarımı ", body=f"  {BODY}\n")
    assert created == {
        "id": created["id"],
        "institution": "GOV-06",
        "subject": "transport",
        "title": "Yol onarımı",
        "body": BODY,
        "active": True,
        "created_by": "gov-06-coordinator",
        "updated_at": created["updated_at"],
    }
    assert rpc(routing, "list_answer_templates", OFFICER) == [created]
    assert rpc(routing, "list_answer_templates", OFFICER, "GOV-06", "transport") == [created]
    with service_database(routing) as session:
        stored = session.scalars(select(AnswerTemplate)).one()
        assert (stored.institution, stored.subject, stored.created_by) == ("GOV-06", "transport", "gov-06-coordinator")


def test_a_subject_lists_its_own_templates_and_those_of_any_subject_by_title(routing):
    create(routing, subject="transport", title="C yol")
    create(routing, subject=None, title="A genel")
    create(routing, subject="health", title="B sağlık")
    create(routing, subject="", title="D genel")  # "" is any subject too
    assert titles(rpc(routing, "list_answer_templates", OFFICER)) == ["A genel", "B sağlık", "C yol", "D genel"]
    assert titles(rpc(routing, "list_answer_templates", OFFICER, subject="transport")) == [
        "A genel",
        "C yol",
        "D genel",
    ]
    assert titles(rpc(routing, "list_answer_templates", OFFICER, subject="health")) == [
        "A genel",
        "B sağlık",
        "D genel",
    ]
    assert refused(InvalidRequest, routing, "list_answer_templates", OFFICER, subject="roads") == (
        "invalid_subject",
        "subject",
    )


def test_an_administrator_adds_to_any_institution_a_coordinator_only_to_their_own(routing):
    created = create(routing, ADMIN, institution="PD-06-SAGLIK", subject="health", title="Randevu")
    assert created["institution"] == "PD-06-SAGLIK" and created["created_by"] == "admin"
    assert titles(rpc(routing, "list_answer_templates", PD_OFFICER)) == ["Randevu"]
    # Without an institution, a template is the officer's own institution's.
    assert create(routing, COORDINATOR, institution=None)["institution"] == "GOV-06"

    assert refused(Forbidden, routing, "create_answer_template", COORDINATOR, "PD-06-SAGLIK", None, "X", BODY) == (
        "forbidden",
        "manage_answer_templates",
    )
    for token in (OFFICER, PD_OFFICER, token_for("cc-06", "GOV-06", "call_centre")):
        assert refused(Forbidden, routing, "create_answer_template", token, "GOV-06", None, "X", BODY)[0] == "forbidden"
    assert refused(NotFound, routing, "create_answer_template", ADMIN, "GOV-99", None, "X", BODY) == (
        "institution_not_found",
        None,
    )
    assert refused(Unauthorized, routing, "create_answer_template", None, "GOV-06", None, "X", BODY) == (
        "login_required",
        None,
    )
    with service_database(routing) as session:
        assert len(session.scalars(select(AnswerTemplate)).all()) == 2


@pytest.mark.parametrize(
    ("title", "body", "subject", "expected"),
    [
        ("", BODY, None, ("template_title_required", "title")),
        ("x" * 201, BODY, None, ("template_title_too_long", "title")),
        ("Yol", "kısa", None, ("template_body_required", "body")),
        ("Yol", "x" * 8001, None, ("template_body_too_long", "body")),
        ("Yol", "Sayın {ad_soyad}, başvurunuz incelendi.", None, ("unknown_placeholder", "body")),
        ("Yol", "Sayın {basvuru_sahibi, başvurunuz incelendi.", None, ("unclosed_placeholder", "body")),
        ("Yol", BODY, "roads", ("invalid_subject", "subject")),
    ],
)
def test_a_bad_template_is_refused_and_nothing_is_stored(routing, title, body, subject, expected):
    assert refused(InvalidRequest, routing, "create_answer_template", COORDINATOR, "GOV-06", subject, title, body) == (
        expected
    )
    with service_database(routing) as session:
        assert session.scalars(select(AnswerTemplate)).all() == []


def test_officers_of_other_institutions_neither_see_nor_change_them(routing):
    created = create(routing)
    assert refused(Forbidden, routing, "list_answer_templates", OUTSIDER, "GOV-06") == (
        "forbidden",
        "use_answer_templates",
    )
    assert refused(Forbidden, routing, "list_answer_templates", PD_OFFICER, "GOV-06")[0] == "forbidden"
    assert rpc(routing, "list_answer_templates", OUTSIDER) == []  # their own institution has none
    # A template of an institution the officer has nothing to do with is answered as missing.
    for token in (OUTSIDER, PD_OFFICER):
        assert refused(NotFound, routing, "update_answer_template", token, created["id"], title="Başka") == (
            "answer_template_not_found",
            None,
        )
    # The institution's officer may use it, not change it.
    assert refused(Forbidden, routing, "update_answer_template", OFFICER, created["id"], title="Başka") == (
        "forbidden",
        "manage_answer_templates",
    )
    for missing in (created["id"] + 1000, 0, -1, "1", True, None, 2**70):
        assert refused(NotFound, routing, "update_answer_template", ADMIN, missing, title="Başka")[0] == (
            "answer_template_not_found"
        )
    # An administrator reads and keeps any institution's; a board officer elsewhere nothing.
    assert titles(rpc(routing, "list_answer_templates", ADMIN, "GOV-06")) == ["Yol"]
    assert refused(Forbidden, routing, "list_answer_templates", token_for("hrb", "HRB-06", "board"), "GOV-06")
    assert refused(Unauthorized, routing, "list_answer_templates", "not-a-token")[0] == "invalid_token"


def test_a_coordinator_edits_and_retires_one_and_officers_no_longer_see_it(routing):
    created = create(routing)
    edited = rpc(
        routing,
        "update_answer_template",
        BOTH,
        created["id"],
        title="Yol (güncel)",
        body="Sayın {applicant_name}, başvurunuz {today} tarihinde incelendi.",
        subject="",
    )
    assert (edited["title"], edited["subject"], edited["active"]) == ("Yol (güncel)", None, True)
    assert edited["body"] == "Sayın {applicant_name}, başvurunuz {today} tarihinde incelendi."
    assert edited["updated_at"] > created["updated_at"] and edited["created_by"] == "gov-06-coordinator"
    # None leaves a field as it is.
    assert rpc(routing, "update_answer_template", BOTH, created["id"], subject="health")["title"] == "Yol (güncel)"

    retired = rpc(routing, "update_answer_template", COORDINATOR, created["id"], active=False)
    assert retired["active"] is False and retired["subject"] == "health"
    assert rpc(routing, "list_answer_templates", OFFICER) == []  # officers see active ones only
    # Whoever keeps them still sees it, and may bring it back.
    assert [t["active"] for t in rpc(routing, "list_answer_templates", COORDINATOR)] == [False]
    assert [t["active"] for t in rpc(routing, "list_answer_templates", BOTH)] == [False]
    assert rpc(routing, "update_answer_template", ADMIN, created["id"], active=True)["active"] is True
    assert titles(rpc(routing, "list_answer_templates", OFFICER)) == ["Yol (güncel)"]


def test_a_bad_change_is_refused_and_changes_nothing(routing):
    created = create(routing)
    for change, expected in (
        ({"title": " "}, ("template_title_required", "title")),
        ({"body": "{kurum} {yok} olan bir yer tutucu"}, ("unknown_placeholder", "body")),
        ({"subject": "roads"}, ("invalid_subject", "subject")),
        ({"active": "no"}, ("invalid_active", "active")),
        ({"title": "Yeni ad", "active": 1}, ("invalid_active", "active")),
    ):
        assert refused(InvalidRequest, routing, "update_answer_template", COORDINATOR, created["id"], **change) == (
            expected
        )
    assert rpc(routing, "list_answer_templates", COORDINATOR) == [created]
