"""Administrators: users, their roles, and the institution directory. Refused here without the admin role, and
again by the service that owns the data."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, status

from cimer_common import access
from cimer_common.access import Action
from gateway.api.deps import CurrentOfficer, Rpc
from gateway.schemas import InstitutionCreate, InstitutionUpdate, Offset, UserCreate, UserUpdate

router = APIRouter(prefix="/api/v1/admin", tags=["administration"])

Username = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9._-]{2,63}$")]
Code = Annotated[str, Path(pattern=r"^[A-Z0-9][A-Z0-9-]{1,63}$")]


@router.get("/users", summary="Officers, optionally of one institution")
async def list_users(
    officer: CurrentOfficer,
    rpc: Rpc,
    institution: Annotated[str | None, Query(pattern=r"^[A-Z0-9][A-Z0-9-]{1,63}$")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Offset = 0,
) -> list[dict[str, Any]]:
    access.require(officer.principal, Action.MANAGE_USERS)
    users: list[dict[str, Any]] = await rpc.call(
        "identity", "list_users", token=officer.token, institution=institution, limit=limit, offset=offset
    )
    return users


@router.post("/users", status_code=status.HTTP_201_CREATED, summary="Create an officer")
async def create_user(body: UserCreate, officer: CurrentOfficer, rpc: Rpc) -> dict[str, Any]:
    access.require(officer.principal, Action.MANAGE_USERS)
    created: dict[str, Any] = await rpc.call(
        "identity", "create_user", token=officer.token, **body.model_dump(exclude_none=True)
    )
    return created


@router.patch("/users/{username}", summary="Change an officer's roles, institution or password, or disable them")
async def update_user(username: Username, body: UserUpdate, officer: CurrentOfficer, rpc: Rpc) -> dict[str, Any]:
    access.require(officer.principal, Action.MANAGE_USERS)
    updated: dict[str, Any] = await rpc.call(
        "identity", "update_user", token=officer.token, username=username, **body.model_dump(exclude_unset=True)
    )
    return updated


@router.post("/institutions", status_code=status.HTTP_201_CREATED, summary="Add an institution to the directory")
async def create_institution(body: InstitutionCreate, officer: CurrentOfficer, rpc: Rpc) -> dict[str, Any]:
    access.require(officer.principal, Action.MANAGE_DIRECTORY)
    created: dict[str, Any] = await rpc.call("routing", "create_institution", token=officer.token, **body.model_dump())
    return created


@router.patch("/institutions/{code}", summary="Rename, move or retire an institution")
async def update_institution(code: Code, body: InstitutionUpdate, officer: CurrentOfficer, rpc: Rpc) -> dict[str, Any]:
    access.require(officer.principal, Action.MANAGE_DIRECTORY)
    updated: dict[str, Any] = await rpc.call(
        "routing", "update_institution", token=officer.token, code=code, **body.model_dump(exclude_unset=True)
    )
    return updated
