"""Answer templates (SPEC section 12: "Officers answer from templates of their institution (per subject, with
placeholders)"), as plain rules: which placeholders a template may use, what a template must be, and how it is
filled in for one application.

Templates are written by officers, so they are never executed: a placeholder is a name in braces, looked up in a
fixed table and replaced by text; nothing else in a template has any meaning (no Jinja, no `str.format`, whose
`{x.attr}` and `{x[key]}` would reach into objects). Routing stores the templates and checks them with
`check_template`; the gateway fills them in with `render` for the officer who answers, with the facts of the
application as that officer sees it (`facts_from_application`), so an applicant hidden from them is never named.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from cimer_common.calendar import TURKEY
from cimer_common.errors import InvalidRequest
from cimer_common.schemas import SUBJECT_MINISTRY

TITLE_MAX = 200
BODY_MIN, BODY_MAX = 10, 8_000  # room left under an answer's 10,000 characters for what the placeholders become

# Each fact, by its Turkish name first and its English alias: what an officer may write in braces.
PLACEHOLDERS: dict[str, tuple[str, str]] = {
    "applicant_name": ("basvuru_sahibi", "applicant_name"),
    "tracking_number": ("basvuru_no", "tracking_number"),
    "received_at": ("basvuru_tarihi", "received_at"),
    "today": ("bugun", "today"),
    "deadline": ("son_gun", "deadline"),
    "institution": ("kurum", "institution"),
}
_FACT_OF: dict[str, str] = {name: fact for fact, names in PLACEHOLDERS.items() for name in names}

# What a hidden applicant (anonymous, or confidential for this reader) is called instead of their name.
NEUTRAL_APPLICANT = {"tr": "Başvuru Sahibi", "en": "Applicant"}

# `{name}`, spaces inside the braces allowed; anything else with a brace in it is a mistake in the template.
_PLACEHOLDER = re.compile(r"\{\s*([^{}\s]*)\s*\}")


def placeholder_names() -> list[str]:
    """Every name a template may use, Turkish names first."""
    return [names[0] for names in PLACEHOLDERS.values()] + [names[1] for names in PLACEHOLDERS.values()]


def _check_placeholders(body: str) -> None:
    for found in _PLACEHOLDER.finditer(body):
        if found.group(1) not in _FACT_OF:
            raise InvalidRequest("unknown_placeholder", "body")
    if "{" in _PLACEHOLDER.sub("", body) or "}" in _PLACEHOLDER.sub("", body):
        raise InvalidRequest("unclosed_placeholder", "body")


def check_title(title: object) -> str:
    stripped = " ".join(title.replace("\x00", "").split()) if isinstance(title, str) else ""
    if not stripped:
        raise InvalidRequest("template_title_required", "title")
    if len(stripped) > TITLE_MAX:
        raise InvalidRequest("template_title_too_long", "title")
    return stripped


def check_body(body: object) -> str:
    # NUL is no text an officer means, and PostgreSQL would refuse to store it.
    stripped = body.replace("\x00", "").strip() if isinstance(body, str) else ""
    if len(stripped) < BODY_MIN:
        raise InvalidRequest("template_body_required", "body")
    if len(stripped) > BODY_MAX:
        raise InvalidRequest("template_body_too_long", "body")
    _check_placeholders(stripped)
    return stripped


def check_subject(subject: object) -> str | None:
    """A subject of SPEC section 2, or None (also for "") for a template of any subject."""
    if subject is None or subject == "":
        return None
    if not isinstance(subject, str) or subject not in SUBJECT_MINISTRY:
        raise InvalidRequest("invalid_subject", "subject")
    return subject


def check_template(title: object, body: object, subject: object) -> tuple[str, str, str | None]:
    """The template's title (spaces tidied), body (stripped) and subject (None: any), or the first refusal."""
    return check_title(title), check_body(body), check_subject(subject)


@dataclass(frozen=True)
class Facts:
    """What a template is filled in with, for one application as one officer sees it. `applicant_name` is None
    when the applicant is hidden from that officer (anonymous, or confidential)."""

    applicant_name: str | None
    tracking_number: str
    received_at: date
    deadline: date
    institution: str
    today: date


def _day(value: date) -> str:
    return value.strftime("%d.%m.%Y")


def render(body: str, facts: Facts, lang: str = "tr") -> str:
    """The template filled in: each placeholder replaced by its fact (dates as dd.mm.yyyy), a hidden applicant by
    a neutral form of address. A name no longer known is left as it was written."""
    values = {
        "applicant_name": facts.applicant_name or NEUTRAL_APPLICANT.get(lang, NEUTRAL_APPLICANT["tr"]),
        "tracking_number": facts.tracking_number,
        "received_at": _day(facts.received_at),
        "today": _day(facts.today),
        "deadline": _day(facts.deadline),
        "institution": facts.institution,
    }

    def fill(found: re.Match[str]) -> str:
        fact = _FACT_OF.get(found.group(1))
        return values[fact] if fact is not None else found.group(0)

    return _PLACEHOLDER.sub(fill, body)


def _as_date(value: object) -> date:
    """An ISO date, or the day in Turkey of an ISO timestamp (a receipt just after midnight in Ankara is that
    day's, not the day before in UTC)."""
    if isinstance(value, datetime):
        return value.astimezone(TURKEY).date() if value.tzinfo else value.date()
    if isinstance(value, date):
        return value
    text = str(value)
    if "T" in text:
        return _as_date(datetime.fromisoformat(text))
    return date.fromisoformat(text)


def applicant_name(application: Mapping[str, Any]) -> str | None:
    """The applicant's name as intake showed it to this officer, or None when it was not shown to them."""
    if application.get("anonymous"):
        return None
    applicant = application.get("applicant")
    if not isinstance(applicant, Mapping) or not applicant.get("first_name"):
        return None  # anonymous, or confidential for this reader: intake sent no name
    return " ".join(str(part) for part in (applicant.get("first_name"), applicant.get("last_name")) if part)


def facts_from_application(application: Mapping[str, Any], institution_name: str, today: date) -> Facts:
    """The facts of an application as intake's `get_application` gave it to the officer who answers."""
    return Facts(
        applicant_name=applicant_name(application),
        tracking_number=str(application["tracking_number"]),
        received_at=_as_date(application["received_at"]),
        deadline=_as_date(application["deadline"]),
        institution=institution_name,
        today=today,
    )


def offered(templates: Iterable[Mapping[str, Any]], facts: Facts, lang: str = "tr") -> list[dict[str, Any]]:
    """The active templates among `templates`, each filled in for the application: `{id, title, text}`."""
    return [
        {"id": t["id"], "title": t["title"], "text": render(t["body"], facts, lang)}
        for t in templates
        if t.get("active", True)
    ]
