from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from cimer_common.errors import DomainError
from cimer_common.settings import SERVICES
from gateway.api.deps import Rpc
from gateway.rpc import RemoteError, ServiceUnavailable

router = APIRouter(tags=["health"])


@router.get("/health", summary="200 when the gateway and every service answer, 503 naming those that do not")
async def health(rpc: Rpc) -> JSONResponse:
    async def check(service: str) -> str:
        try:
            await rpc.call(service, "health", timeout=rpc.health_timeout)
            return "ok"
        except (ServiceUnavailable, RemoteError, DomainError):  # its database away answers NotReady
            return "unavailable"

    results = await asyncio.gather(*(check(s) for s in SERVICES))
    services: dict[str, Any] = dict(zip(SERVICES, results, strict=True))
    healthy = all(r == "ok" for r in results)
    return JSONResponse(
        {"status": "ok" if healthy else "degraded", "services": services}, status_code=200 if healthy else 503
    )


@router.get("/ready", summary="200 while this gateway holds its broker connection; for load balancers and probes")
async def ready(rpc: Rpc) -> JSONResponse:
    # Unlike /health, not a verdict on the services: one slow service must not take every gateway out of rotation.
    # Nor on identity's list of revoked sessions: until it is known, officers are answered 503 (`auth.Verifier`),
    # while citizens (filing, status) need no token and are served.
    if rpc.connected:
        return JSONResponse({"status": "ok"})
    return JSONResponse({"status": "unavailable"}, status_code=503)
