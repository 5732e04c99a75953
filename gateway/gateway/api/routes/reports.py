from __future__ import annotations

import base64
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Response

from cimer_common import access
from cimer_common.access import Action
from gateway.api.deps import CurrentOfficer, Rpc
from gateway.schemas import Period

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])

# What a client may ask for in `Accept`, and the document reporting renders for it.
FORMATS = {"text/csv": "csv", "application/pdf": "pdf"}


def wanted_format(accept: str | None, formats: dict[str, str] = FORMATS) -> str:
    """The first media type of `accept` that `formats` knows, as reporting's name for it; JSON otherwise."""
    for part in (accept or "").split(","):
        media_type = part.split(";")[0].strip().lower()
        if media_type in formats:
            return formats[media_type]
    return "json"


def document_response(document: dict[str, str], headers: dict[str, str] | None = None) -> Response:
    """A document reporting rendered (`{content_type, filename, body}`, the body base64) as a download."""
    return Response(
        content=base64.b64decode(document["body"]),
        media_type=document["content_type"],
        headers={"Content-Disposition": f'attachment; filename="{document["filename"]}"', **(headers or {})},
    )


@router.get(
    "/monthly",
    summary="The monthly report (SPEC section 6): JSON, or CSV (`Accept: text/csv`), or a printable PDF with charts "
    "(`Accept: application/pdf`)",
    responses={200: {"content": {"application/json": {}, "text/csv": {}, "application/pdf": {}}}},
)
async def monthly_report(
    officer: CurrentOfficer,
    rpc: Rpc,
    period: Period,
    institution: Annotated[str | None, Query(pattern=r"^[A-Z0-9][A-Z0-9-]{1,63}$")] = None,
    accept: Annotated[str | None, Header()] = None,
) -> Any:
    access.require(officer.principal, Action.READ_REPORT)
    form = wanted_format(accept)
    if form == "json":
        report: dict[str, Any] = await rpc.call(
            "reporting", "monthly_report_for", token=officer.token, period=period, institution=institution
        )
        return report
    document = await rpc.call(
        "reporting",
        "monthly_report_document",
        token=officer.token,
        period=period,
        institution=institution,
        form=form,
    )
    return document_response(document)
