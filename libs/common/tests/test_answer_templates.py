"""Unit tests of the answer templates' rules (SPEC section 12): the placeholders, what a template must be, how it
is filled in, and who may use and keep an institution's templates."""

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from cimer_common import access, answer_templates
from cimer_common.access import Action
from cimer_common.answer_templates import Facts, check_template, facts_from_application, offered, render
from cimer_common.errors import Forbidden, InvalidRequest
from cimer_common.messages import MESSAGES
from cimer_common.tokens import Principal

FACTS = Facts(
    applicant_name="Ayşe Yılmaz",
    tracking_number="260000000018",
    received_at=date(2026, 11, 3),
    deadline=date(2026, 12, 3),
    institution="Ankara Valiliği",
    today=date(2026, 11, 20),
)
BODY = "Sayın {basvuru_sahibi}, {basvuru_no} numaralı başvurunuz incelenmiştir."


def refusal(title="Yol onarımı", body=BODY, subject="transport"):
    with pytest.raises(InvalidRequest) as caught:
        check_template(title, body, subject)
    return caught.value.code, caught.value.field


# --- Filling a template in ---------------------------------------------------------------------------------------


def test_each_placeholder_by_its_turkish_name_and_its_english_alias():
    turkish = "{basvuru_sahibi}|{basvuru_no}|{basvuru_tarihi}|{bugun}|{son_gun}|{kurum}"
    english = "{applicant_name}|{tracking_number}|{received_at}|{today}|{deadline}|{institution}"
    expected = "Ayşe Yılmaz|260000000018|03.11.2026|20.11.2026|03.12.2026|Ankara Valiliği"
    assert render(turkish, FACTS) == expected
    assert render(english, FACTS) == expected


def test_text_around_the_placeholders_is_kept_as_written_and_spaces_inside_braces_are_allowed():
    assert render("Sayın { basvuru_sahibi },\n\n%s $x {{ ok", FACTS) == "Sayın Ayşe Yılmaz,\n\n%s $x {{ ok"


def test_a_hidden_applicant_is_addressed_neutrally_never_by_name():
    hidden = Facts(**{**FACTS.__dict__, "applicant_name": None})
    assert render(BODY, hidden) == "Sayın Başvuru Sahibi, 260000000018 numaralı başvurunuz incelenmiştir."
    assert render("Dear {applicant_name}", hidden, "en") == "Dear Applicant"


def test_dates_are_day_month_year_and_a_receipt_is_dated_in_turkey():
    application = {
        "tracking_number": "260000000018",
        "received_at": "2026-11-02T22:30:00+00:00",  # 01:30 on 3 November in Ankara
        "deadline": "2026-12-03",
        "anonymous": False,
        "applicant": {"first_name": "Ayşe", "last_name": "Yılmaz", "national_id": "100******46"},
    }
    facts = facts_from_application(application, "Ankara Valiliği", date(2026, 11, 20))
    assert render("{basvuru_tarihi} {son_gun} {bugun}", facts) == "03.11.2026 03.12.2026 20.11.2026"
    assert facts.applicant_name == "Ayşe Yılmaz"
    assert answer_templates._as_date(datetime(2026, 11, 2, 22, 30, tzinfo=UTC)) == date(2026, 11, 3)


@pytest.mark.parametrize(
    "shown",
    [
        {"anonymous": True, "applicant": None},
        {"anonymous": False, "applicant": {"confidential": True}},  # confidential, read outside the Presidency
        {"anonymous": False, "applicant": None},
        # Even were a name sent along with the anonymous mark, anonymity wins.
        {"anonymous": True, "applicant": {"first_name": "Ayşe", "last_name": "Yılmaz"}},
    ],
)
def test_the_name_is_taken_only_when_intake_showed_it_to_this_officer(shown):
    application = {"tracking_number": "260000000018", "received_at": "2026-11-03", "deadline": "2026-12-03", **shown}
    facts = facts_from_application(application, "Ankara Valiliği", date(2026, 11, 20))
    assert facts.applicant_name is None
    assert "Ayşe" not in render(BODY, facts) and "Başvuru Sahibi" in render(BODY, facts)


def test_no_code_is_ever_run_from_a_template():
    body = "{tracking_number.__class__} {tracking_number[0]} {tracking_number!r} {{7*7}} {% if x %}"
    assert render(body, FACTS) == body  # nothing here is a placeholder: left as written


def test_only_active_templates_are_offered_each_filled_in():
    templates = [
        {"id": 1, "title": "Olumlu", "body": BODY, "active": True},
        {"id": 2, "title": "Eski", "body": BODY, "active": False},
    ]
    assert offered(templates, FACTS) == [
        {"id": 1, "title": "Olumlu", "text": "Sayın Ayşe Yılmaz, 260000000018 numaralı başvurunuz incelenmiştir."}
    ]


# --- What a template must be -------------------------------------------------------------------------------------


def test_a_good_template_is_tidied_and_taken():
    assert check_template("  Yol   onarımı ", f"  {BODY}\n", "transport") == ("Yol onarımı", BODY, "transport")
    assert check_template("Genel", BODY, None)[2] is None
    assert check_template("Genel", BODY, "")[2] is None  # "" is any subject too
    assert check_template("Genel", "Sayın { kurum }: {applicant_name}", None)[1] == "Sayın { kurum }: {applicant_name}"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ("Sayın {ad_soyad}, başvurunuz incelendi.", "unknown_placeholder"),
        ("Sayın {Basvuru_Sahibi}, başvurunuz incelendi.", "unknown_placeholder"),
        ("Başvurunuz {} incelendi, teşekkürler.", "unknown_placeholder"),
        ("Numara: {basvuru_no.__class__} incelendi.", "unknown_placeholder"),
        ("Numara: {basvuru_no[0]} incelendi.", "unknown_placeholder"),
        ("Numara: {basvuru_no!r} incelendi.", "unknown_placeholder"),
        ("Numara: {basvuru_no:>20} incelendi.", "unknown_placeholder"),
        ("Numara: {basvuru_no incelendi.", "unclosed_placeholder"),
        ("Numara: basvuru_no} incelendi.", "unclosed_placeholder"),
        ("Numara: {basvuru no} incelendi.", "unclosed_placeholder"),
        ("{{basvuru_no}} numaralı başvuru", "unclosed_placeholder"),
    ],
)
def test_a_placeholder_that_is_not_one_of_the_list_is_refused(body, code):
    assert refusal(body=body) == (code, "body")


@pytest.mark.parametrize(
    ("title", "body", "subject", "expected"),
    [
        ("", BODY, None, ("template_title_required", "title")),
        ("   ", BODY, None, ("template_title_required", "title")),
        (None, BODY, None, ("template_title_required", "title")),
        ("x" * 201, BODY, None, ("template_title_too_long", "title")),
        ("Başlık", "", None, ("template_body_required", "body")),
        ("Başlık", "  kısa    ", None, ("template_body_required", "body")),
        ("Başlık", 42, None, ("template_body_required", "body")),
        ("Başlık", "x" * 8001, None, ("template_body_too_long", "body")),
        ("Başlık", BODY, "roads", ("invalid_subject", "subject")),
        ("Başlık", BODY, 3, ("invalid_subject", "subject")),
    ],
)
def test_empty_or_too_long_texts_and_unknown_subjects_are_refused(title, body, subject, expected):
    assert refusal(title, body, subject) == expected


def test_nul_characters_are_dropped_since_the_database_cannot_hold_them():
    assert check_template("Yol\x00 onarımı", f"{BODY}\x00", None)[:2] == ("Yol onarımı", BODY)
    assert refusal(title="\x00") == ("template_title_required", "title")


def test_the_limits_themselves_are_allowed():
    assert check_template("x" * 200, "y" * 8000, "other")[0] == "x" * 200
    assert check_template("x", "y" * 10, "health")[1] == "y" * 10


def test_every_code_this_module_raises_has_a_message_in_both_languages():
    source = Path(answer_templates.__file__).read_text(encoding="utf-8")
    raised = set(re.findall(r'InvalidRequest\(\s*"([a-z_]+)"', source))
    assert {"unknown_placeholder", "template_body_required", "invalid_subject"} <= raised  # the scan works
    for code in raised | {"answer_template_not_found"}:
        turkish, english = MESSAGES[code]
        assert turkish and english and turkish != english, code


def test_the_placeholder_message_names_every_placeholder():
    turkish, english = MESSAGES["unknown_placeholder"]
    for fact, (tr_name, en_name) in answer_templates.PLACEHOLDERS.items():
        assert f"{{{tr_name}}}" in turkish and f"{{{en_name}}}" in english, fact
    assert answer_templates.placeholder_names()[:2] == ["basvuru_sahibi", "basvuru_no"]


# --- Who may use and keep them -----------------------------------------------------------------------------------


def officer(institution, *roles):
    return Principal(user_id="u", username="u", institution=institution, roles=frozenset(roles), session_id="s")


@pytest.mark.parametrize(
    ("who", "uses", "keeps"),
    [
        (officer("GOV-06", "officer"), True, False),
        (officer("HRB-06", "board"), False, False),  # a board officer of another institution
        (officer("GOV-06", "board"), True, False),
        (officer("GOV-06", "coordinator"), False, True),
        (officer("GOV-06", "officer", "coordinator"), True, True),
        (officer("GOV-34", "officer", "coordinator"), False, False),
        (officer("PRESIDENCY", "coordinator"), False, False),  # coordinating everything is not keeping templates
        (officer("PRESIDENCY", "admin"), False, True),
        (officer("GOV-06", "call_centre"), False, False),
        (officer("GOV-06", "bureau"), False, False),
    ],
)
def test_officers_use_their_institution_s_templates_its_coordinator_and_administrators_keep_them(who, uses, keeps):
    gov = access.institution_scope("GOV-06")
    assert access.allowed(who, Action.USE_ANSWER_TEMPLATES, gov) is uses
    assert access.allowed(who, Action.MANAGE_ANSWER_TEMPLATES, gov) is keeps
    if not keeps:
        with pytest.raises(Forbidden) as caught:
            access.require(who, Action.MANAGE_ANSWER_TEMPLATES, gov)
        assert caught.value.args == ("forbidden", "manage_answer_templates")
