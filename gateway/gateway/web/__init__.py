"""The web console (SPEC section 11): the citizen's portal at `/` and the officers' console at `/console/`,
server-rendered pages that reach the system only through the gateway's own public API."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import structlog
from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

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

    @app.middleware("http")
    async def page_headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        page = not request.url.path.startswith(NOT_PAGES)
        security_headers(response, page)
        if page:
            apply_cookies(request, response, secure_cookies)
        return response
