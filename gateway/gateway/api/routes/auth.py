from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request, Response, status

from gateway.api.deps import ClientAddress, CurrentOfficer, Rpc
from gateway.auth import Revocations
from gateway.schemas import LoginRequest, RefreshRequest, TokenPair

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


@router.post(
    "/login", response_model=TokenPair, summary="An officer logs in: a 15-minute access token and a refresh token"
)
async def login(
    credentials: LoginRequest,
    rpc: Rpc,
    address: ClientAddress,
    user_agent: Annotated[str | None, Header(max_length=512)] = None,
) -> TokenPair:
    pair = await rpc.call(
        "identity",
        "login",
        username=credentials.username,
        password=credentials.password,
        client_address=address,
        user_agent=user_agent,
    )
    return TokenPair.model_validate(pair)


@router.post("/refresh", response_model=TokenPair, summary="A new access token for a refresh token (which is replaced)")
async def refresh(body: RefreshRequest, rpc: Rpc, address: ClientAddress) -> TokenPair:
    pair = await rpc.call("identity", "refresh", refresh_token=body.refresh_token, client_address=address)
    return TokenPair.model_validate(pair)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, summary="End the session: its tokens stop working")
async def logout(officer: CurrentOfficer, rpc: Rpc, request: Request) -> Response:
    await rpc.call("identity", "logout", token=officer.token)
    # Refused here at once; the other gateway instances hear of it through identity's `session_revoked` event.
    revocations: Revocations = request.app.state.revocations
    revocations.revoke(officer.principal.session_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
