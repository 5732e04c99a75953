import pytest
from pydantic import ValidationError

from cimer_common.messages import VALIDATION_MESSAGES, validation_message
from cimer_common.schemas import ApplicationCreate
from gateway.errors import field_path
from gateway.schemas import AnswerRequest, UserCreate


def test_a_field_is_named_by_its_path_in_the_body():
    assert field_path(("body", "applicant", "national_id")) == "applicant.national_id"


def test_the_application_text_field_named_body_keeps_its_name():
    # It was dropped with the request body's own place, so the page could not show the error next to it.
    assert field_path(("body", "body")) == "body"


def test_query_and_path_parameters_say_where_they_are():
    assert field_path(("query", "access_code")) == "query.access_code"
    assert field_path(("path", "tracking_number")) == "path.tracking_number"


# What the API's request models can say is wrong, each in Turkish and English (`cimer_common.messages`).
ROAD = {"kind": "petition", "subject": "transport", "title": "Yol", "body": "y" * 20}
BAD_INPUTS = [
    (ApplicationCreate, "not an object"),
    (ApplicationCreate, {"kind": "petition"}),  # missing
    (ApplicationCreate, {"kind": "letter", "channel": "fax", "title": "x", "body": "short", "surplus": 1}),
    (ApplicationCreate, {**ROAD, "title": "x" * 201, "province": "6"}),
    (
        ApplicationCreate,
        {
            **ROAD,
            "confidential": "maybe",
            "applicant": {"national_id": "1", "first_name": "", "last_name": "Y", "email": "no-at-sign"},
        },
    ),
    (AnswerRequest, {"outcome": "perhaps", "text": "kısa"}),
    (UserCreate, {"username": "Ab", "password": "x", "institution": "gov-06", "roles": []}),
]


@pytest.mark.parametrize(("model", "body"), BAD_INPUTS)
def test_every_error_the_request_models_give_has_words_in_both_languages(model, body):
    with pytest.raises(ValidationError) as invalid:
        model.model_validate(body)
    for error in invalid.value.errors():
        assert error["type"] in VALIDATION_MESSAGES or error["msg"].startswith("value is not a valid email"), error
        turkish = validation_message(error["type"], error.get("ctx"), "tr", error["msg"])
        english = validation_message(error["type"], error.get("ctx"), "en", error["msg"])
        assert turkish != error["msg"] and english != error["msg"] and turkish != english, error
        for bound in ("min_length", "max_length", "ge", "le"):
            if bound in (error.get("ctx") or {}):
                assert str(error["ctx"][bound]) in turkish and str(error["ctx"][bound]) in english


def test_the_json_and_int_errors_of_a_request_are_told_too():
    for error_type in ("json_invalid", "int_parsing", "bool_parsing", "extra_forbidden", "enum"):
        assert error_type in VALIDATION_MESSAGES


def test_a_phone_number_needs_digits_not_only_the_signs_between_them():
    applicant = {"national_id": "10000000146", "first_name": "Ayşe", "last_name": "Yılmaz"}
    application = {**ROAD, "province": "06"}
    for phone in ("+90 (555) 111-22-33", "05551112233", "5551112233", "+49 30 1234567"):
        ApplicationCreate.model_validate({**application, "applicant": {**applicant, "phone": phone}})
    for phone in ("(((((((", "--- --- --", "12345", "+90 555 111 22 33 44 55 66"):
        with pytest.raises(ValidationError) as invalid:
            ApplicationCreate.model_validate({**application, "applicant": {**applicant, "phone": phone}})
        assert [field_path(("body", *e["loc"])) for e in invalid.value.errors()] == ["applicant.phone"], phone
