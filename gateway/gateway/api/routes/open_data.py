"""Open data (SPEC sections 8 and 12): a finished month's counts per institution and subject, for anyone and without
a login. Reporting counts and merges them (`reporting.domain`, "Open data"); the gateway only negotiates the form,
as the monthly report's route does."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from gateway.api.deps import Rpc
from gateway.api.routes.reports import document_response, wanted_format
from gateway.schemas import Period

router = APIRouter(prefix="/api/v1/open-data", tags=["open data"])

FORMATS = {"text/csv": "csv"}
# Public, and a finished month's counts change no more (at most by an event the bus delivered late), so any cache
# may keep them for an hour. One address serves JSON and CSV: a cache must tell them apart by `Accept`.
CACHING = {"Cache-Control": "public, max-age=3600", "Vary": "Accept"}


class OpenDataCount(BaseModel):
    institution: str = Field(
        description="the institution's code (names: `GET /api/v1/institutions`), or `other`: the state-wide rest"
    )
    subject: str = Field(description="a subject's code, or `other`: the rest of the institution's")
    count: int = Field(ge=5, description="never below the month's `threshold`")


class OpenData(BaseModel):
    period: str = Field(description="YYYY-MM, a finished month")
    threshold: int = Field(description="the smallest count shown (5)")
    received: list[OpenDataCount] = Field(description="applications received in the month, by first institution")
    positive: list[OpenDataCount] = Field(description="answered positively in the month, by answering institution")
    negative: list[OpenDataCount] = Field(description="answered negatively in the month, by answering institution")


@router.get(
    "/monthly",
    response_model=OpenData,
    summary="A finished month's open data (SPEC section 12): JSON, or CSV (`Accept: text/csv`)",
    description=(
        "Counts per institution and subject, with no personal data and no count below 5. Within an institution, "
        "subjects with a count below 5 are merged into its `other` row; an institution's `other` row still below 5 "
        "into the state-wide `other` row (institution `other`), which is left out when it too stays below 5. No "
        "totals are given, and `answered` is not a count of its own (it is positive + negative), so that nothing "
        "held back can be worked out by subtraction. Only finished months: the month still running is refused with "
        "`period_not_finished`, a month not begun with `period_in_future`."
    ),
    responses={200: {"content": {"application/json": {}, "text/csv": {}}}},
)
async def monthly_open_data(
    rpc: Rpc,
    period: Period,
    accept: Annotated[str | None, Header()] = None,
) -> Response:
    form = wanted_format(accept, FORMATS)
    if form == "json":
        data = await rpc.call("reporting", "open_data", period=period)
        return JSONResponse(data, headers=CACHING)
    document = await rpc.call("reporting", "open_data_document", period=period, form=form)
    return document_response(document, CACHING)
