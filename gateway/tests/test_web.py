"""The web console's own rules: what a filled form becomes as the API's request, the pages' words, and how a
refusal is put next to its fields. (The pages themselves are tested in a browser: tests/e2e/test_web.py.)"""

from __future__ import annotations

import pytest
from starlette.datastructures import FormData

from gateway.web.api import Refusal
from gateway.web.console import USERNAME, _checked
from gateway.web.forms import application_body, district_names
from gateway.web.texts import FIELD_LABELS, TEXTS, VOCABULARIES, Words

IDENTITY = {
    "applicant.national_id": "10000000146",
    "applicant.first_name": "Ayşe",
    "applicant.last_name": "Yılmaz",
    "applicant.email": "",
    "applicant.phone": "",
}


def form(**fields: str) -> FormData:
    return FormData([(k.replace("__", "."), v) for k, v in fields.items()])


def test_an_information_request_carries_no_petition_type_and_no_official():
    body = application_body(
        form(kind="information_request", petition_type="complaint", subject="health", title="Bütçe", body="x" * 20,
             province="06", district="", **{"official.name": "Biri"}, **IDENTITY),
        "web",
        "tr",
    )  # fmt: skip
    assert "petition_type" not in body and "official" not in body
    assert "district" not in body  # empty: the provincial centre, left out rather than sent empty
    assert body["applicant"] == {
        "national_id": "10000000146", "first_name": "Ayşe", "last_name": "Yılmaz", "email": None, "phone": None,
    }  # fmt: skip
    assert body["channel"] == "web" and body["language"] == "tr"


def test_an_anonymous_complaint_sends_no_applicant_and_cannot_also_be_confidential():
    body = application_body(
        form(kind="petition", petition_type="complaint", anonymous="on", confidential="on", **IDENTITY), "web", "en"
    )
    assert body["applicant"] is None
    assert body["confidential"] is False
    assert body["petition_type"] == "complaint"


def test_an_ethics_complaint_names_the_official_with_the_code_in_capitals():
    body = application_body(
        form(kind="ethics_complaint", **{"official.name": "Mehmet Demir", "official.rank": "below_general_director",
             "official.institution": "pd-06-saglik"}, **IDENTITY),
        "phone",
        "tr",
    )  # fmt: skip
    assert body["official"] == {"name": "Mehmet Demir", "rank": "below_general_director", "institution": "PD-06-SAGLIK"}
    assert body["channel"] == "phone"


def test_an_empty_required_field_is_left_out_so_the_api_names_it():
    body = application_body(form(kind="", subject="", title="  "), "web", "tr")
    assert "kind" not in body and "subject" not in body and "title" not in body


def test_a_refusal_puts_each_message_on_the_field_the_form_calls_it():
    refusal = Refusal(
        422,
        "invalid_request",
        "İstek geçersiz",
        errors=[
            {"field": "body", "message": "En az 10 karakter olmalıdır."},
            {"field": "query.access_code", "message": "Bu alan zorunludur."},
        ],
    )
    assert refusal.field_messages() == {"body": "En az 10 karakter olmalıdır.", "access_code": "Bu alan zorunludur."}
    domain = Refusal(422, "invalid_national_id", "T.C. Kimlik Numarası geçersiz.", field="applicant.national_id")
    assert domain.field_messages() == {"applicant.national_id": "T.C. Kimlik Numarası geçersiz."}


def test_every_word_and_name_exists_in_both_languages():
    for key, pair in TEXTS.items():
        assert len(pair) == 2 and all(pair), key
    for vocabulary in VOCABULARIES.values():
        for code, pair in vocabulary.items():
            assert len(pair) == 2 and all(pair), code
    for key in FIELD_LABELS.values():
        assert key in TEXTS


def test_the_labels_of_spec_section_11():
    tr, en = Words("tr"), Words("en")
    assert (tr("kind"), en("kind")) == ("Başvuru türü", "Kind of application")
    assert (tr("submit"), en("submit")) == ("Başvuruyu gönder", "Submit")
    assert (tr("anonymous"), en("anonymous")) == ("Kimliğimi vermeden başvur", "Apply anonymously")
    assert (tr("extend"), en("extend")) == ("Süre uzat", "Extend")
    assert Words("de")("login") == "Giriş"  # Turkish first
    assert tr.name("subjects", "health") == "Sağlık" and en.name("subjects", "unknown") == "unknown"


def test_the_district_list_leaves_out_the_provincial_centre_and_sorts_turkish_letters_in_place():
    ankara = district_names()["06"]
    assert "Çankaya" in ankara and "Merkez" not in ankara
    assert ankara.index("Çankaya") < ankara.index("Elmadağ")  # Ç with C, not after Z


@pytest.mark.parametrize("value", ["../../auth/logout", "admin?x=1", "a/b", ""])
def test_nothing_but_the_shape_the_api_accepts_goes_into_its_path(value):
    with pytest.raises(Refusal):
        _checked(value, USERNAME)


@pytest.mark.parametrize("lang", ["tr", "en"])
def test_an_answer_whose_text_was_erased_says_so_rather_than_none(lang):
    from gateway.web.frame import TEMPLATES

    template = TEMPLATES.env.get_template("_history.html")
    answer = {"outcome": "positive", "text": None, "answered_at": "2024-01-05T10:00:00+00:00", "institution": "GOV-06"}
    extension = {"reason": None, "extended_at": "2024-01-02T10:00:00+00:00"}
    page = template.render(t=Words(lang), history=[], answer=answer, extension=extension)
    assert "None" not in page and page.count(Words(lang)("erased")) == 2
