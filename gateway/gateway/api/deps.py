"""Dependencies the routes declare with `Annotated`, so each route says what it needs and nothing more. Each is an
`async def`: FastAPI runs a plain `def` dependency in its thread pool, a hand-off to a thread and back on every
request (`make bench`), for work that never waits."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from cimer_common.errors import Unauthorized
from gateway.auth import Officer, Verifier
from gateway.rpc import RpcClient

bearer = HTTPBearer(auto_error=False, description="An officer's access token from POST /api/v1/auth/login")


async def rpc_client(request: Request) -> RpcClient:
    client: RpcClient = request.app.state.rpc
    return client


def address_of(request: Request) -> str | None:
    """The client's address as the gateway believes it (X-Forwarded-For from a trusted proxy alone, `main`)."""
    return request.client.host if request.client else None


async def client_address(request: Request) -> str | None:
    return address_of(request)


async def optional_officer(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Officer | None:
    if credentials is None:
        return None
    verifier: Verifier = request.app.state.verifier
    return verifier.officer(credentials.credentials)


async def current_officer(officer: Annotated[Officer | None, Depends(optional_officer)]) -> Officer:
    if officer is None:
        raise Unauthorized("login_required")
    return officer


Rpc = Annotated[RpcClient, Depends(rpc_client)]
ClientAddress = Annotated[str | None, Depends(client_address)]
CurrentOfficer = Annotated[Officer, Depends(current_officer)]
OptionalOfficer = Annotated[Officer | None, Depends(optional_officer)]
