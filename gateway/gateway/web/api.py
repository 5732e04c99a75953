"""How the pages reach the system: through the gateway's own public API, in process, exactly as any client does
(the same validation, the same checks of who may do what, the same throttles), never by a second way in.

A call goes through the ASGI application itself with the browser's address as the client's, so the status
look-up is throttled per citizen as the API throttles it, and with the page's language, so every message the API
returns is already in the words the page shows."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as default
from typing import Any

import httpx
from starlette.responses import Response
from starlette.types import ASGIApp

from gateway.rpc import correlation_id


@dataclass
class Refusal(Exception):
    """A 4xx from the API: its status, code, message and, when the API names them, the fields at fault."""

    status: int
    code: str
    message: str
    field: str | None = None
    errors: list[dict[str, Any]] = default(default_factory=list)
    retry_after: str | None = None

    def field_messages(self) -> dict[str, str]:
        """Each field at fault with its message, the way a form shows them next to the field."""
        found: dict[str, str] = {}
        for error in self.errors:
            name = str(error.get("field", "")).removeprefix("query.").removeprefix("path.")
            found.setdefault(name, str(error.get("message", "")))
        if self.field:
            found.setdefault(self.field, self.message)
        return found


class Unavailable(Exception):
    """The API answered 5xx: the system cannot answer now (the page says so; nothing was done)."""


@dataclass
class Document:
    content: bytes
    content_type: str
    disposition: str | None


def download(document: Document) -> Response:
    """A document or a file the API gave, handed to the browser to save, never shown as a page of ours."""
    headers = {
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Cache-Control": "no-store",
    }
    if document.disposition:
        headers["Content-Disposition"] = document.disposition
    return Response(document.content, media_type=document.content_type, headers=headers)


class PageApi:
    def __init__(self, app: ASGIApp, client_address: str | None, language: str, token: str | None = None):
        self._transport = httpx.ASGITransport(app=app, client=(client_address or "0.0.0.0", 0))  # noqa: S104
        self._language = language
        self.token = token

    def _headers(self, accept: str) -> dict[str, str]:
        headers = {"Accept": accept, "Accept-Language": self._language}
        if cid := correlation_id.get():
            headers["X-Request-ID"] = cid  # one request followed from the page down to the services
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers

    async def _send(
        self,
        method: str,
        path: str,
        params: dict[str, Any] | None,
        body: Any,
        accept: str = "application/json",
        files: dict[str, tuple[str, bytes, str]] | None = None,
    ) -> httpx.Response:
        clean = {k: v for k, v in (params or {}).items() if v not in (None, "")}
        url = httpx.URL("http://gateway" + path, params=clean)
        if files is not None:  # a multipart form: `body` its other fields
            request = httpx.Request(method, url, headers=self._headers(accept), data=body, files=files)
        else:
            request = httpx.Request(method, url, headers=self._headers(accept), json=body)
        response = await self._transport.handle_async_request(request)
        await response.aread()
        if response.status_code >= 500:
            raise Unavailable(f"{method} {path}: {response.status_code}")
        if response.status_code >= 400:
            detail = response.json().get("detail", {}) if response.content else {}
            if not isinstance(detail, dict):
                detail = {"code": "invalid_request", "message": str(detail)}
            raise Refusal(
                response.status_code,
                str(detail.get("code", "")),
                str(detail.get("message", "")),
                detail.get("field"),
                list(detail.get("errors", [])),
                response.headers.get("retry-after"),
            )
        return response

    async def get(self, path: str, **params: Any) -> Any:
        return (await self._send("GET", path, params, None)).json()

    async def post(self, path: str, body: Any) -> Any:
        response = await self._send("POST", path, None, body)
        return response.json() if response.content else None

    async def upload(self, path: str, fields: dict[str, str], name: str, content: bytes, content_type: str) -> Any:
        """One file posted as the API takes it (multipart), with the form's other `fields`."""
        return (await self._send("POST", path, None, fields, files={"file": (name, content, content_type)})).json()

    async def patch(self, path: str, body: Any) -> Any:
        return (await self._send("PATCH", path, None, body)).json()

    async def document(self, path: str, accept: str, **params: Any) -> Document:
        response = await self._send("GET", path, params, None, accept=accept)
        return Document(
            response.content,
            response.headers.get("content-type", accept),
            response.headers.get("content-disposition"),
        )
