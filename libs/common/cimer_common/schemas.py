"""Request shapes shared by the gateway (which publishes them in OpenAPI) and intake (which checks them again).

Only the shape lives here; the rules of the domain (who may be anonymous, which channel a kind may use, whether
a national ID is valid) are intake's, in `intake/domain.py`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from cimer_common.events import Channel, Kind, PetitionType

# SPEC section 2: every application has one subject; the Presidency forwards by the subject's ministry.
SUBJECT_MINISTRY: dict[str, str | None] = {
    "education": "MEB",
    "health": "SAGLIK",
    "security": "ICISLERI",
    "civil_registry": "ICISLERI",
    "local_services": "ICISLERI",
    "transport": "UAB",
    "environment": "CSIDB",
    "social_services": "AILE",
    "employment": "CSGB",
    "finance": "HMB",
    "justice": "ADALET",
    "agriculture": "TARIM",
    "trade": "TICARET",
    "industry": "SANAYI",
    "energy": "ENERJI",
    "culture": "KTB",
    "youth_sports": "GSB",
    "foreign_affairs": "DISISLERI",
    "defence": "MSB",
    "other": None,
}
Subject = Literal[
    "education",
    "health",
    "security",
    "civil_registry",
    "local_services",
    "transport",
    "environment",
    "social_services",
    "employment",
    "finance",
    "justice",
    "agriculture",
    "trade",
    "industry",
    "energy",
    "culture",
    "youth_sports",
    "foreign_affairs",
    "defence",
    "other",
]
Rank = Literal["general_director_or_above", "below_general_director"]
Language = Literal["tr", "en"]

# A month of reports, `YYYY-MM`, in the years the system can hold (the first and last months of a year 0 or 9999
# have no month before or after them to compute with).
PERIOD_PATTERN = r"^20\d{2}-(0[1-9]|1[0-2])$"

# Paging through a list: no page beyond the ten millionth row is a real one, and the bound keeps what reaches the
# database within what its OFFSET can hold. The gateway publishes it in the API; services clamp to it again.
MAX_OFFSET = 10_000_000


def page_window(limit: int, offset: int, max_limit: int) -> tuple[int, int]:
    """`limit` and `offset` clamped into what a service serves: out-of-range paging cannot harm, so it is clamped
    rather than refused."""
    return min(max(limit, 1), max_limit), min(max(offset, 0), MAX_OFFSET)


class Strict(BaseModel):
    # An unknown field is a mistake of the caller's, and saying so beats silently ignoring it.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Applicant(Strict):
    national_id: str = Field(pattern=r"^\d{11}$", description="T.C. Kimlik No, 11 digits")
    first_name: str = Field(min_length=1, max_length=100)
    last_name: str = Field(min_length=1, max_length=100)
    email: EmailStr | None = None
    # 7 to 15 digits (E.164's most), spaces, brackets and dashes between them: something an SMS can be sent to.
    phone: str | None = Field(default=None, max_length=20, pattern=r"^\+?[ ()-]*(?:[0-9][ ()-]*){7,15}$")
    address: str | None = Field(default=None, max_length=500)


class Official(Strict):
    name: str = Field(min_length=1, max_length=200)
    rank: Rank
    institution: str = Field(pattern=r"^[A-Z0-9-]{2,64}$", description="institution code, e.g. MIN-SAGLIK")


class ApplicationCreate(Strict):
    kind: Kind
    petition_type: PetitionType | None = None
    channel: Channel = "web"
    subject: Subject
    title: str = Field(min_length=3, max_length=200)
    body: str = Field(min_length=10, max_length=20_000)
    province: str | None = Field(default=None, pattern=r"^\d{2}$", description="plate code, e.g. 06")
    district: str | None = Field(default=None, max_length=100)
    target_institution: str | None = Field(default=None, pattern=r"^[A-Z0-9-]{2,64}$")
    applicant: Applicant | None = None
    official: Official | None = None
    confidential: bool = False
    language: Language = Field(default="tr", description="language of the notices sent to the applicant")


class ApplicationAccepted(BaseModel):
    tracking_number: str
    access_code: str
    status: str
    deadline: str


class HistoryEntry(BaseModel):
    at: str
    status: str
    institution: str | None


class ApplicationStatus(BaseModel):
    tracking_number: str
    status: str
    kind: str
    received_at: str
    deadline: str
    institution: str | None
    history: list[HistoryEntry]
    answer: dict[str, str | None] | None = None  # {outcome, text, answered_at, institution} once answered
    extension: dict[str, str | None] | None = None  # {reason, extended_at}: an information request's one extension
    # After the answer (SPEC section 12): when it closed; the appeal made ({appealed_at, reason, decision}) or, while
    # one may be made, {may_appeal_until}; the applicant's rating ({rating, solved, comment, given_at}).
    closed_at: str | None = None
    appeal: dict[str, str | None] | None = None
    feedback: dict[str, int | bool | str | None] | None = None
    # Files with the application and with its answer: `{id, filename, content_type, size, side, institution,
    # uploaded_at}`, each read at `…/attachments/{id}` with the access code.
    attachments: list[dict[str, str | int | None]] = []


class InstitutionPublic(BaseModel):
    code: str
    name: str
    type: str
    province: str | None
    parent: str | None
