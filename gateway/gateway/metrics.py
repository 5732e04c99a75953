"""The gateway's requests as Prometheus figures (served on the metrics port by `main`):
`cimer_gateway_http_requests_total{method, handler, status}` and
`cimer_gateway_http_request_duration_seconds{method, handler}`, `handler` being the API route's template
(`/api/v1/applications/{tracking_number}`), or `other` for anything else (the web pages, the OpenAPI document, a
path nothing serves: a scan of made-up paths cannot grow the series).

Plain ASGI, reading the route FastAPI's router leaves in the scope once it has matched an API route: a library that
matches every route again for each request (prometheus-fastapi-instrumentator) cost the gateway about a third more
CPU per application in `make bench`.
"""

from __future__ import annotations

import time
from typing import Any

from prometheus_client import Counter, Histogram

REQUESTS = Counter(
    "cimer_gateway_http_requests", "Requests, by route template and status", ["method", "handler", "status"]
)
DURATION = Histogram(
    "cimer_gateway_http_request_duration_seconds",
    "From the request's arrival until its answer was sent, by route template",
    ["method", "handler"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
# Probes, asked every few seconds by every orchestrator: not the API's traffic.
NOT_COUNTED = frozenset({"/health", "/ready"})


class RequestMetrics:
    def __init__(self, app: Any):
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the server answers if the application ends without answering

        async def sending(message: Any) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            handler = getattr(scope.get("route"), "path", None) or "other"
            if handler not in NOT_COUNTED:
                REQUESTS.labels(scope["method"], handler, str(status)).inc()
                DURATION.labels(scope["method"], handler).observe(time.perf_counter() - started)
