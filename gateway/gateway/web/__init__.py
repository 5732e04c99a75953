"""The web console (SPEC section 11): the citizen's portal at `/` and the officers' console at `/console/`,
server-rendered pages that reach the system only through the gateway's own public API."""

from __future__ import annotations

from pathlib import Path

import structlog
from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.web import console, portal
from gateway.web.api import Refusal, Unavailable
from gateway.web.frame import (
    CsrfFailed,
    LoginRequired,
    apply_cookies,
    forget_tokens,
    redirect,
    render,
    security_headers,
)

log = structlog.get_logger(__name__)

# What is not a page: the API, its documents and the probes keep their own answers (and /docs its scripts).
NOT_PAGES = ("/api/", "/docs", "/redoc", "/openapi.json", "/health", "/ready")


async def _login_required(request: Request, error: Exception) -> Response:
    forget_tokens(request)
    return redirect("/console/login")


async def _csrf_failed(request: Request, error: Exception) -> Response:
    return render(request, "error.html", {"message_key": "csrf_failed"}, 403)


async def _refused(request: Request, error: Exception) -> Response:
    assert isinstance(error, Refusal)
    if error.status == 401:
        return await _login_required(request, error)
    return render(request, "error.html", {"refusal": error}, error.status)


async def _unavailable(request: Request, error: Exception) -> Response:
    log.warning("page could not be served", error=str(error))
    response = render(request, "error.html", {"message_key": "service_unavailable"}, 503)
    response.headers["Retry-After"] = "5"
    return response


def install(app: FastAPI, secure_cookies: bool = True) -> None:
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    app.include_router(portal.router)
    app.include_router(console.router)
    app.add_exception_handler(LoginRequired, _login_required)
    app.add_exception_handler(CsrfFailed, _csrf_failed)
    app.add_exception_handler(Refusal, _refused)
    app.add_exception_handler(Unavailable, _unavailable)

    app.add_middleware(PageHeaders, secure_cookies=secure_cookies)


class PageHeaders:
    """The pages' security headers and the cookies a page decided on, added as the response starts. A plain ASGI
    middleware that lets the API's requests through untouched, so the hot path pays nothing for the pages."""

    def __init__(self, app: ASGIApp, secure_cookies: bool):
        self.app = app
        self.secure_cookies = secure_cookies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(NOT_PAGES):
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                response = Response()
                security_headers(response)
                apply_cookies(Request(scope), response, self.secure_cookies)
                headers = MutableHeaders(scope=message)
                for name, value in response.raw_headers:
                    if name not in (b"content-length", b"content-type"):
                        headers.append(name.decode("latin-1"), value.decode("latin-1"))
            await send(message)

        await self.app(scope, receive, send_with_headers)
