"""Unit tests: every refusal a service can send has words in both languages; language negotiation."""

import re
from pathlib import Path

import pytest

from cimer_common.messages import MESSAGES, language, message

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
