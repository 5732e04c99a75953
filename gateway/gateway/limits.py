"""What the gateway refuses before any route sees a request: a body larger than `max_body_bytes`, by its
Content-Length at once, or as soon as a chunked body passes the limit. A pure ASGI middleware, so nothing is read
into memory beyond the limit. The few paths that take a file (SPEC section 12: up to 10 MB) have a limit of their
own, the largest file and the multipart around it."""

from __future__ import annotations

import re

from fastapi import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.errors import detail_of, problem


class BodyTooLarge(HTTPException):
    """Raised from inside the body's reading; FastAPI passes an HTTPException through its parsing untouched, and
    answers it with the usual `{"detail": {"code", "message"}}`."""

    def __init__(self, request: Request):
        super().__init__(status_code=413, detail=detail_of(request, "request_too_large"))


FILE_BYTES_AT_MOST = 10 * 1024 * 1024  # intake's rule for one attachment
UPLOAD_BYTES_AT_MOST = FILE_BYTES_AT_MOST + 64 * 1024
UPLOAD_PATHS = re.compile(r"^(/api/v1/applications/[^/]+/attachments|/takip/ek|/console/applications/[^/]+/attach)$")


class BodyLimit:
    def __init__(self, app: ASGIApp, most: int):
        self.app, self.most = app, most

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        most = UPLOAD_BYTES_AT_MOST if scope["method"] == "POST" and UPLOAD_PATHS.match(scope["path"]) else self.most
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > most:
            await problem(request, 413, "request_too_large")(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > most:
                    raise BodyTooLarge(request)
            return message

        await self.app(scope, counted, send)
