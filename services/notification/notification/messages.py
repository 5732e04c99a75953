"""What a notice says: Jinja2 templates in `templates/<language>/<kind>.{txt,html}`, Turkish unless the language
is English. `<kind>.txt` holds the blocks `subject`, `text` and (for the applicant's notices) `sms`, rendered
without escaping; `<kind>.html` extends `_base.html` and is autoescaped."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from cimer_common import calendar

LANGUAGES = ("tr", "en")
TEMPLATES = Path(__file__).parent / "templates"

REASONS = {
    "tr": {"initial": "ilk yönlendirme", "forwarded": "başka kurumdan yönlendirme", "returned": "iade"},
    "en": {"initial": "first routing", "forwarded": "forwarded from another institution", "returned": "returned"},
}


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str  # `application/pdf`
    body: bytes


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str
    sms: str | None  # officers are told by e-mail only
    attachments: tuple[Attachment, ...] = ()  # a monthly report's PDF


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
        return f"{value.day} {calendar.MONTHS['en'][value.month - 1]} {value.year}"
    return value.strftime("%d.%m.%Y")


def number(value: float | int | None, language: str = "tr", decimals: int = 1) -> str:
    """`4.25` as `4,3` in Turkish, `4.3` in English (half up); `-` for a figure that does not exist."""
    if value is None:
        return "-"
    text = f"{Decimal(str(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP):,}"
    return text.translate(str.maketrans(",.", ".,")) if language != "en" else text


def percent(share: float | None, language: str = "tr") -> str:
    """A share (0..1) as `%62,5` in Turkish, `62.5%` in English."""
    if share is None:
        return "-"
    figure = number(share * 100, language)
    return f"{figure}%" if language == "en" else f"%{figure}"


# `.html` templates are autoescaped; `.txt` ones are plain text (subject, text body, SMS) and are not.
_ENV = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"], default_for_string=True, default=False),
    undefined=StrictUndefined,
)
_ENV.filters.update(day=day, month=calendar.month_name, number=number, percent=percent)


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
