"""The FastAPI application: `uvicorn gateway.main:app` (or `cimer-gateway`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
import uvicorn
from fastapi import FastAPI
from prometheus_client import start_http_server
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from cimer_common import logs
from cimer_common.broker import GATEWAY, component_uri
from cimer_common.revocations import Revocations
from gateway import errors, web
from gateway.api.routes import (
    admin,
    answer_templates,
    applications,
    attachments,
    auth,
    health,
    institutions,
    open_data,
    reports,
)
from gateway.auth import RevocationsFollower, Verifier
from gateway.correlation import CorrelationId
from gateway.limits import BodyLimit
from gateway.metrics import RequestMetrics
from gateway.rpc import RpcClient
from gateway.settings import GatewaySettings

log = structlog.get_logger(__name__)


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    settings = settings or GatewaySettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # One long-lived AMQP connection for the life of the process, never one per request.
        rpc = RpcClient(
            component_uri(GATEWAY, settings.amqp_uri),  # as the gateway's own broker user
            settings.rpc_timeout_seconds,
            settings.health_timeout_seconds,
            settings.rpc_max_in_flight,
        )
        await rpc.connect()
        revocations = Revocations()
        await RevocationsFollower(revocations).follow(rpc)
        app.state.rpc = rpc
        app.state.revocations = revocations
        app.state.verifier = Verifier(settings.jwt_public_key_file, revocations)
        log.info("gateway ready", port=settings.gateway_port)
        yield
        await rpc.close()

    app = FastAPI(
        title="CİMER API",
        version="1.0.0",
        description="Cumhurbaşkanlığı İletişim Merkezi: applications, their routing, answers and reports.",
        lifespan=lifespan,
    )
    errors.install(app)
    app.add_middleware(BodyLimit, most=settings.max_body_bytes)
    if settings.trusted_proxies:
        # X-Forwarded-For is believed from these peers alone; uvicorn's own reading of it is off (`main`).
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)

    # Outermost: every request counted with the status it got, whoever answered it (`gateway.metrics`), served by
    # `main` on the metrics port, apart from the API's.
    app.add_middleware(RequestMetrics)

    # Outside the metrics: the request's id is bound before anything else runs (`gateway.correlation`).
    app.add_middleware(CorrelationId)

    for router in (
        health.router,
        auth.router,
        applications.router,
        applications.inbox_router,
        applications.overview_router,
        answer_templates.router,
        answer_templates.application_router,
        attachments.router,
        institutions.router,
        reports.router,
        open_data.router,
        admin.router,
    ):
        app.include_router(router)
    web.install(app, settings.web_secure_cookies)  # the pages, after the API so its routes come first
    return app


def main() -> None:
    settings = GatewaySettings()
    logs.configure("gateway", settings.log_format, settings.log_level)
    if settings.metrics_endpoint_port:
        start_http_server(settings.metrics_endpoint_port)
    uvicorn.run(
        create_app(settings),
        host=settings.gateway_host,
        port=settings.gateway_port,
        log_config=None,  # keep our structlog configuration
        # uvicorn would believe X-Forwarded-For from 127.0.0.1, letting any local client pick its address:
        # `create_app` believes it from TRUSTED_PROXIES alone.
        proxy_headers=False,
        access_log=False,
    )


if __name__ == "__main__":
    main()
