"""One table from what went wrong to the HTTP answer: `{"detail": {"code", "message", "field"?}}`, never a 5xx for
bad input."""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from cimer_common.errors import DomainError, NotReady, TooManyRequests, Unauthorized
from cimer_common.messages import language, message, validation_message
from gateway.rpc import Busy, RemoteError, ServiceUnavailable

log = structlog.get_logger(__name__)


def detail_of(request: Request, code: str, **extra: Any) -> dict[str, Any]:
    lang = language(request.headers.get("accept-language"))
    return {"code": code, "message": message(code, lang), **{k: v for k, v in extra.items() if v is not None}}


def problem(request: Request, status: int, code: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"detail": detail_of(request, code, **extra)}, status_code=status)


def field_path(location: tuple[int | str, ...]) -> str:
    """`applicant.national_id` for pydantic's `("body", "applicant", "national_id")`: the request body is the
    place, not a field (an application's own `body` field stays `body`)."""
    parts = location[1:] if location[:1] == ("body",) else location
    return ".".join(str(part) for part in parts)


async def on_validation_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    lang = language(request.headers.get("accept-language"))
    errors = [
        {
            "field": field_path(e["loc"]),
            "type": e["type"],
            "message": validation_message(e["type"], e.get("ctx"), lang, e["msg"]),
        }
        for e in error.errors()
    ]
    return problem(request, 422, "invalid_request", errors=errors)


async def on_domain_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, DomainError)
    if isinstance(error, (TooManyRequests, NotReady)):
        response = problem(request, error.status, error.code)
        if error.retry_after:
            response.headers["Retry-After"] = error.retry_after
        return response
    response = problem(request, error.status, error.code, field=error.field)
    if isinstance(error, Unauthorized):
        response.headers["WWW-Authenticate"] = "Bearer"
    return response


async def on_unavailable(request: Request, error: Exception) -> JSONResponse:
    log.warning("service unavailable", error=str(error))
    response = problem(request, 503, "service_unavailable")
    response.headers["Retry-After"] = "1" if isinstance(error, Busy) else "5"
    return response


async def on_remote_error(request: Request, error: Exception) -> JSONResponse:
    log.error("service failed", error=str(error))
    return problem(request, 500, "internal_error")


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(DomainError, on_domain_error)
    app.add_exception_handler(ServiceUnavailable, on_unavailable)
    app.add_exception_handler(RemoteError, on_remote_error)
