"""Shapes of the officer-facing requests and answers (the citizen-facing ones are shared with intake, in
`cimer_common.schemas`)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Query
from pydantic import BaseModel, EmailStr, Field

from cimer_common.schemas import MAX_OFFSET, PERIOD_PATTERN, Strict, Subject

Role = Literal["call_centre", "bureau", "officer", "coordinator", "board", "admin"]
CODE = r"^[A-Z0-9][A-Z0-9-]{1,63}$"

# Query parameters several routes share, with the bounds the services hold to, so the OpenAPI document says them.
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="rows to skip")]
Period = Annotated[str, Query(pattern=PERIOD_PATTERN, description="YYYY-MM, 2000-01 to 2099-12")]


class LoginRequest(Strict):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class RefreshRequest(Strict):
    refresh_token: str = Field(min_length=16, max_length=256)


class TokenPair(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the OAuth 2 token type, not a secret
    expires_in: int
    refresh_token: str
    refresh_expires_in: int


class InboxPage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[dict[str, Any]]


class UserCreate(Strict):
    username: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]{2,63}$")
    password: str = Field(min_length=12, max_length=256)
    institution: str = Field(pattern=CODE)
    roles: list[Role] = Field(min_length=1)
    email: EmailStr | None = None  # where the officer's notices go


class UserUpdate(Strict):
    roles: list[Role] | None = Field(default=None, min_length=1)
    active: bool | None = None
    institution: str | None = Field(default=None, pattern=CODE)
    password: str | None = Field(default=None, min_length=12, max_length=256)
    email: EmailStr | None = None


InstitutionType = Literal[
    "presidency", "ministry", "ministry_unit", "governorship", "district_governorship", "provincial_directorate",
    "regional_directorate", "ethics_board", "disciplinary_board", "provincial_hr_board", "district_hr_board",
    "hr_presidency", "information_review_board",
]  # fmt: skip


class InstitutionCreate(Strict):
    code: str = Field(pattern=CODE)
    name: str = Field(min_length=2, max_length=200)
    type: InstitutionType
    province: str | None = Field(default=None, pattern=r"^\d{2}$")
    district: str | None = Field(default=None, max_length=100)
    parent: str | None = Field(default=None, pattern=CODE)
    ministry: str | None = Field(default=None, max_length=32)


class InstitutionUpdate(Strict):
    name: str | None = Field(default=None, min_length=2, max_length=200)
    parent: str | None = Field(default=None, pattern=CODE)
    active: bool | None = None


class ForwardRequest(Strict):
    to_institution: str = Field(pattern=CODE)
    note: str | None = Field(default=None, max_length=2000)


class AnswerRequest(Strict):
    outcome: Literal["positive", "negative"]
    text: str = Field(min_length=10, max_length=10_000, description="the answer, sent to the applicant as it is")
    also: list[Annotated[str, Field(min_length=12, max_length=20, pattern=r"^[0-9 -]+$")]] = Field(
        default_factory=list,
        max_length=20,
        description="tracking numbers of applications linked to this one (duplicates, SPEC section 12) and awaiting "
        "an answer at the officer's institution, which get the same answer",
    )


class DuplicateLinkRequest(Strict):
    other: str = Field(min_length=12, max_length=20, description="the application flagged as close to this one")
    linked: bool = Field(description="true links the two; false says they are not the same matter")


class ExtendRequest(Strict):
    reason: str = Field(min_length=10, max_length=2000, description="sent to the applicant")


class AppealRequest(Strict):
    access_code: str = Field(min_length=1, max_length=32)
    reason: str = Field(min_length=10, max_length=5000, description="why the refusal is wrong; the board reads it")


class FeedbackRequest(Strict):
    access_code: str = Field(min_length=1, max_length=32)
    rating: int = Field(ge=1, le=5, description="1 (poor) to 5 (very good)")
    solved: bool = Field(description="whether the answer solved the matter")
    comment: str | None = Field(default=None, max_length=2000, description="read by the answering institution")


class AppealDecisionRequest(Strict):
    decision: Literal["upheld", "answer_ordered"] = Field(
        description="`upheld`: the refusal stands; `answer_ordered`: the institution that refused must answer"
    )
    text: str = Field(min_length=10, max_length=10_000, description="the decision, sent to the applicant")


class InstitutionRef(BaseModel):
    code: str
    name: str
    type: str


class ForwardTargets(BaseModel):
    """What the holder may do with an application now (SPEC section 4), so a console offers only allowed moves."""

    return_to: InstitutionRef | None = Field(description="where a return goes: the institution that sent it")
    targets: list[InstitutionRef] = Field(description="where a forward may go, by name")
    may_answer: bool
    may_extend: bool = Field(description="an information request, not extended yet, its deadline not passed")
    may_decide_appeal: bool = Field(
        default=False, description="the information review board holds it on appeal: only its decision is left"
    )


class OverviewItem(BaseModel):
    institution: str
    open: int
    overdue: int


class Overview(BaseModel):
    """A coordinator's subtree now: the open applications per holding institution, the most overdue first."""

    open: int
    overdue: int
    items: list[OverviewItem]


class AnswerTemplateCreate(Strict):
    institution: str | None = Field(
        default=None, pattern=CODE, description="whose template; the officer's own institution when left out"
    )
    subject: Subject | None = Field(default=None, description="the subject it is for; null for any subject")
    title: str = Field(min_length=1, max_length=200, description="what officers choose it by")
    body: str = Field(
        min_length=10,
        max_length=8000,
        description="the answer's text, with placeholders in braces: {basvuru_sahibi} / {applicant_name}, "
        "{basvuru_no} / {tracking_number}, {basvuru_tarihi} / {received_at}, {bugun} / {today}, "
        "{son_gun} / {deadline}, {kurum} / {institution}",
    )


class AnswerTemplateUpdate(Strict):
    title: str | None = Field(default=None, min_length=1, max_length=200)
    body: str | None = Field(default=None, min_length=10, max_length=8000)
    subject: Subject | None = Field(default=None, description="null makes it a template for any subject")
    active: bool | None = Field(default=None, description="false retires it, true brings it back")


class AnswerTemplate(BaseModel):
    id: int
    institution: str
    subject: str | None
    title: str
    body: str
    active: bool
    created_by: str
    updated_at: str


class OfferedTemplate(BaseModel):
    """An active template of the holder, filled in for one application as the officer sees it."""

    id: int
    title: str
    text: str = Field(description="the template's body with its placeholders filled in")
