"""Attachments (SPEC sections 8 and 12): a file with an application, from its applicant (with the access code) or
from an officer of the institution holding it (it goes with the answer); read by whoever may read the
application. Intake checks, scans and keeps them: the gateway only carries the bytes."""

from __future__ import annotations

from base64 import b64decode, b64encode
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Path, Query, Response, UploadFile, status
from pydantic import BaseModel

from cimer_common.errors import InvalidRequest, NotFound
from gateway.api.deps import ClientAddress, OptionalOfficer, Rpc
from gateway.api.routes.applications import TrackingNumber
from gateway.limits import FILE_BYTES_AT_MOST

router = APIRouter(prefix="/api/v1/applications", tags=["attachments"])


class AttachmentAdded(BaseModel):
    id: str
    filename: str
    content_type: str
    size: int
    side: str  # `applicant`, or `institution`: with the answer


@router.post(
    "/{tracking_number}/attachments",
    status_code=status.HTTP_201_CREATED,
    response_model=AttachmentAdded,
    summary="Attach one file (PDF, PNG or JPEG, at most 10 MB, 5 per side): the applicant with `access_code`, or "
    "an officer of the holding institution (the file goes with its answer)",
    operation_id="add_attachment",
)
async def add_attachment(
    tracking_number: TrackingNumber,
    file: Annotated[UploadFile, File(description="the file; its content decides its type, not its name")],
    rpc: Rpc,
    officer: OptionalOfficer,
    address: ClientAddress,
    access_code: Annotated[str | None, Form(min_length=1, max_length=32)] = None,
) -> AttachmentAdded:
    # A body over the largest file and its multipart was refused before it was read (`limits.BodyLimit`).
    if officer is None and access_code is None:
        raise NotFound("application_not_found")  # the applicant's pair is what opens it
    content = await file.read(FILE_BYTES_AT_MOST + 1)
    if len(content) > FILE_BYTES_AT_MOST:
        raise InvalidRequest("attachment_too_large", "file")
    added = await rpc.call(
        "intake",
        "add_attachment",
        tracking_number=tracking_number,
        filename=file.filename or "",
        body=b64encode(content).decode(),
        access_code=None if officer else access_code,
        token=officer.token if officer else None,
        client_address=address,
    )
    return AttachmentAdded.model_validate(added)


@router.get(
    "/{tracking_number}/attachments/{attachment_id}",
    summary="A file of the application, for its applicant (`access_code`) or an officer who may read it",
    operation_id="read_attachment",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}, "image/png": {}, "image/jpeg": {}}}},
)
async def read_attachment(
    tracking_number: TrackingNumber,
    attachment_id: Annotated[str, Path(min_length=1, max_length=36)],
    rpc: Rpc,
    officer: OptionalOfficer,
    address: ClientAddress,
    access_code: Annotated[str | None, Query(min_length=1, max_length=32)] = None,
) -> Response:
    if officer is None and access_code is None:
        raise NotFound("application_not_found")
    found: dict[str, Any] = await rpc.call(
        "intake",
        "read_attachment",
        tracking_number=tracking_number,
        attachment_id=attachment_id,
        access_code=None if officer else access_code,
        token=officer.token if officer else None,
        client_address=address,
    )
    return file_response(found)


def file_response(found: dict[str, Any]) -> Response:
    """A stored file as a download, never rendered by the browser as a page of ours."""
    name = found["filename"]
    fallback = name.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    return Response(
        content=b64decode(found["body"]),
        media_type=found["content_type"],
        headers={
            "Content-Disposition": f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Cache-Control": "no-store",
        },
    )
