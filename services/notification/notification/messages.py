"""What a notice says: Jinja2 templates in `templates/<language>/<kind>.{txt,html}`, Turkish unless the language
is English. `<kind>.txt` holds the blocks `subject`, `text` and (for the applicant's notices) `sms`, rendered
without escaping; `<kind>.html` extends `_base.html` and is autoescaped."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

LANGUAGES = ("tr", "en")
TEMPLATES = Path(__file__).parent / "templates"

REASONS = {
    "tr": {"initial": "ilk yönlendirme", "forwarded": "başka kurumdan yönlendirme", "returned": "iade"},
    "en": {"initial": "first routing", "forwarded": "forwarded from another institution", "returned": "returned"},
}
MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str
    sms: str | None  # officers are told by e-mail only


def language_of(language: str | None) -> str:
    return "en" if language == "en" else "tr"


def day(value: Any, language: str = "tr") -> str:
    """`2026-12-31` as `31.12.2026` in Turkish, `31 December 2026` in English."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    if isinstance(value, datetime):
        value = value.date()
    if language == "en":
        return f"{value.day} {MONTHS_EN[value.month - 1]} {value.year}"
    return value.strftime("%d.%m.%Y")


# `.html` templates are autoescaped; `.txt` ones are plain text (subject, text body, SMS) and are not.
_ENV = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"], default_for_string=True, default=False),
    undefined=StrictUndefined,
)
_ENV.filters["day"] = day


def render(kind: str, language: str | None, context: dict[str, Any]) -> Rendered:
    language = language_of(language)
    values = {"name": None, "reasons": REASONS[language], **context, "language": language}
    text_template = _ENV.get_template(f"{language}/{kind}.txt")
    blocks = {}
    for block, function in text_template.blocks.items():
        blocks[block] = "".join(function(text_template.new_context(values))).strip()
    html = _ENV.get_template(f"{language}/{kind}.html").render(values)
    return Rendered(
        subject=" ".join(blocks["subject"].split()),
        text=blocks["text"] + "\n",
        html=html,
        sms=blocks.get("sms") or None,
    )
