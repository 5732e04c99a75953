"""Shapes of the officer-facing requests and answers (the citizen-facing ones are shared with intake, in
`cimer_common.schemas`)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Query
from pydantic import BaseModel, EmailStr, Field

from cimer_common.schemas import MAX_OFFSET, PERIOD_PATTERN, Strict

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
