"""Every request's correlation id: the caller's X-Request-ID when it is sane, else a new one, bound for the logs and
the RPCs the request makes (`gateway.rpc.correlation_id`) and returned as X-Request-ID, so a request can be followed
from the web tier down. A plain ASGI middleware: Starlette's `BaseHTTPMiddleware` (what `@app.middleware("http")`
makes) runs the rest of the app in a task and a stream of its own for every request, a cost `make bench` saw on
every filing."""

from __future__ import annotations

import re
import uuid

import structlog
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.rpc import correlation_id

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def _given(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            return value.decode("latin-1")
    return ""


class CorrelationId:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = _given(scope)
        cid = given if _REQUEST_ID.match(given) else uuid.uuid4().hex

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)["X-Request-ID"] = cid
            await send(message)

        token = correlation_id.set(cid)
        structlog.contextvars.bind_contextvars(correlation_id=cid)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            correlation_id.reset(token)
            structlog.contextvars.unbind_contextvars("correlation_id")
