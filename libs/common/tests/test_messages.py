"""Unit tests: every refusal a service can send has words in both languages; language negotiation."""

import re
from pathlib import Path

import pytest

from cimer_common.messages import MESSAGES, VALIDATION_MESSAGES, language, message, validation_message

ROOT = Path(__file__).resolve().parents[3]
RAISED = re.compile(r"(?:InvalidApplication|InvalidRequest|NotFound|Forbidden|Conflict|Unauthorized)\(\s*\"([a-z_]+)\"")


def codes_raised_in_the_code() -> set[str]:
    codes = set()
    for path in [*ROOT.glob("services/*/*/*.py"), *ROOT.glob("gateway/gateway/**/*.py")]:
        codes |= set(RAISED.findall(path.read_text(encoding="utf-8")))
    return codes


def test_every_code_a_service_raises_has_a_message_in_turkish_and_english():
    raised = codes_raised_in_the_code()
    assert {"invalid_national_id", "application_not_found"} <= raised  # the scan itself works
    missing = raised - set(MESSAGES)
    assert not missing, f"no message for {sorted(missing)}"
    for code, (turkish, english) in MESSAGES.items():
        assert turkish and english and turkish != english, code


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, "tr"),
        ("", "tr"),
        ("en", "en"),
        ("en-GB,en;q=0.9", "en"),
        ("tr-TR,en;q=0.5", "tr"),
        ("de, en", "en"),
        ("fr", "tr"),
    ],
)
def test_language_negotiation_defaults_to_turkish(header, expected):
    assert language(header) == expected


def test_an_unknown_code_still_gets_a_message():
    assert message("no_such_code", "en") == MESSAGES["internal_error"][1]


# --- A field's error in a request (the gateway's 422) ---------------------------------------------------------------


def test_every_validation_message_is_in_both_languages_with_the_same_blanks():
    blank = re.compile(r"(?<!\{)\{([a-z_]+)\}")
    for error_type, (turkish, english) in VALIDATION_MESSAGES.items():
        assert turkish and english and turkish != english, error_type
        assert set(blank.findall(turkish)) == set(blank.findall(english)), error_type


@pytest.mark.parametrize(
    ("error_type", "ctx", "fallback", "turkish", "english"),
    [
        ("missing", None, "Field required", "Bu alan zorunludur.", "This field is required."),
        (
            "string_too_short",
            {"min_length": 10},
            "String should have at least 10 characters",
            "En az 10 karakter olmalıdır.",
            "Must be at least 10 characters long.",
        ),
        (
            "string_too_long",
            {"max_length": 200},
            "…",
            "En çok 200 karakter olabilir.",
            "Must be at most 200 characters long.",
        ),
        (
            "literal_error",
            {"expected": "'positive' or 'negative'"},
            "Input should be 'positive' or 'negative'",
            "Şunlardan biri olmalıdır: 'positive' ya da 'negative'.",
            "Must be one of: 'positive' or 'negative'.",
        ),
        ("greater_than_equal", {"ge": 1}, "…", "En az 1 olmalıdır.", "Must be at least 1."),
        ("less_than_equal", {"le": 200}, "…", "En çok 200 olabilir.", "Must be at most 200."),
        (
            "value_error",
            {"reason": "An email address must have an @-sign."},
            "value is not a valid email address: An email address must have an @-sign.",
            "Geçerli bir e-posta adresi değil.",
            "Is not a valid e-mail address.",
        ),
        ("model_type", {"class_name": "X"}, "…", "Bir nesne ({...}) olmalıdır.", "Must be an object ({...})."),
    ],
)
def test_a_validation_message_follows_the_language_and_says_the_bounds(error_type, ctx, fallback, turkish, english):
    assert validation_message(error_type, ctx, "tr", fallback) == turkish
    assert validation_message(error_type, ctx, "en", fallback) == english


def test_an_unknown_error_or_one_without_its_bounds_keeps_pydantic_s_text():
    assert validation_message("url_parsing", None, "tr", "Input should be a valid URL") == "Input should be a valid URL"
    assert validation_message("value_error", {"error": "x"}, "tr", "Value error, odd") == "Value error, odd"
    assert validation_message("string_too_short", {}, "en", "String should have at least 3 characters") == (
        "String should have at least 3 characters"
    )
