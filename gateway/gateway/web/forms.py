"""The filing form, shared by the citizen's portal and the officers' Alo 150 / bureau form: what the form sends,
turned into the API's request body (SPEC section 8), holding exactly the fields the chosen kind has.

The page hides what a kind does not have (the petition type for anything but a petition, the official for
anything but an ethics complaint, anonymity and confidentiality for anything but a complaint or denunciation);
whatever a browser still sends, only the API decides, and its refusal is shown next to the field it names."""

from __future__ import annotations

from functools import cache
from typing import Any

from starlette.datastructures import FormData

from cimer_common.geography import districts, fold, provinces


def _text(form: FormData, name: str) -> str | None:
    value = str(form.get(name, "")).strip()
    return value or None


def application_body(form: FormData, channel: str, language: str) -> dict[str, Any]:
    kind = _text(form, "kind")
    anonymous = form.get("anonymous") == "on"
    body: dict[str, Any] = {
        "kind": kind,
        "channel": channel,
        "subject": _text(form, "subject"),
        "title": _text(form, "title"),
        "body": _text(form, "body"),
        "province": _text(form, "province"),
        "district": _text(form, "district"),
        "confidential": form.get("confidential") == "on" and not anonymous,
        "language": language,
        "applicant": None
        if anonymous
        else {
            "national_id": _text(form, "applicant.national_id") or "",
            "first_name": _text(form, "applicant.first_name") or "",
            "last_name": _text(form, "applicant.last_name") or "",
            "email": _text(form, "applicant.email"),
            "phone": _text(form, "applicant.phone"),
        },
    }
    if kind == "petition":
        body["petition_type"] = _text(form, "petition_type")
    if kind == "ethics_complaint":
        body["official"] = {
            "name": _text(form, "official.name") or "",
            "rank": _text(form, "official.rank"),
            "institution": (_text(form, "official.institution") or "").upper(),
        }
    # Absent rather than null, so the API's message names the field the citizen left empty.
    return {k: v for k, v in body.items() if v is not None or k == "applicant"}


def form_values(form: FormData | None) -> dict[str, str]:
    """What the citizen typed, to show the form again after a refusal (never the access code: there is none)."""
    return {k: str(v) for k, v in form.items()} if form is not None else {}


@cache
def province_choices() -> list[tuple[str, str]]:
    return sorted(((p.code, p.name) for p in provinces().values()), key=lambda p: p[0])


@cache
def district_names() -> dict[str, list[str]]:
    """Each province's districts that have a district governorship of their own (the *Merkez* district is the
    province's centre, which the form's empty choice stands for)."""
    return {code: sorted((d.name for d in found if not d.is_central), key=fold) for code, found in districts().items()}
