from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from cimer_common.errors import Unauthorized
from cimer_common.schemas import ApplicationAccepted, ApplicationCreate, ApplicationStatus
from gateway.api.deps import Rpc

router = APIRouter(prefix="/api/v1/applications", tags=["applications"])

TrackingNumber = Annotated[str, Path(min_length=12, max_length=20, description="12 digits; spaces and dashes allowed")]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ApplicationAccepted,
    summary="File an application (web); keep the tracking number and access code to follow it",
)
async def file_application(application: ApplicationCreate, rpc: Rpc) -> ApplicationAccepted:
    if application.channel != "web":
        # Phone and in-person applications are recorded by an officer, who must be logged in.
        raise Unauthorized("officer_login_required", "channel")
    accepted = await rpc.call("intake", "file_application", application=application.model_dump(mode="json"))
    return ApplicationAccepted.model_validate(accepted)


@router.get(
    "/{tracking_number}/status",
    response_model=ApplicationStatus,
    summary="The public status of an application: needs the tracking number and its access code",
)
async def application_status(
    tracking_number: TrackingNumber,
    access_code: Annotated[str, Query(min_length=1, max_length=32)],
    rpc: Rpc,
) -> ApplicationStatus:
    found = await rpc.call("intake", "get_status", tracking_number=tracking_number, access_code=access_code)
    return ApplicationStatus.model_validate(found)
