"""Dependencies the routes declare with `Annotated`, so each route says what it needs and nothing more."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from gateway.rpc import RpcClient


def rpc_client(request: Request) -> RpcClient:
    client: RpcClient = request.app.state.rpc
    return client


Rpc = Annotated[RpcClient, Depends(rpc_client)]
