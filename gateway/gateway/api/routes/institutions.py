from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from cimer_common.schemas import InstitutionPublic
from gateway.api.deps import Rpc
from gateway.schemas import Offset

router = APIRouter(prefix="/api/v1/institutions", tags=["directory"])

InstitutionType = Annotated[
    str | None,
    Query(
        pattern=r"^(presidency|ministry|ministry_unit|governorship|district_governorship|provincial_directorate|"
        r"regional_directorate|ethics_board|disciplinary_board|provincial_hr_board|district_hr_board|hr_presidency|"
        r"information_review_board)$"
    ),
]


@router.get("", response_model=list[InstitutionPublic], summary="The institution directory, filtered")
async def list_institutions(
    rpc: Rpc,
    type: InstitutionType = None,
    province: Annotated[str | None, Query(pattern=r"^\d{2}$")] = None,
    q: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Offset = 0,
) -> list[InstitutionPublic]:
    rows = await rpc.call("routing", "list_institutions", type=type, province=province, q=q, limit=limit, offset=offset)
    return [InstitutionPublic.model_validate(row) for row in rows]
