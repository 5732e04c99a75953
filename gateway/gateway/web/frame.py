"""What every page shares: its language, the officer's session in cookies, the form's CSRF token, the security
headers, and rendering a template with all of these.

The officer's tokens live only in cookies the page's scripts cannot read (HttpOnly), sent only over HTTPS
(Secure; the `__Host-` prefix pins them to this host and path `/`) and never with a request another site starts
(SameSite=Strict). Every form also carries a CSRF token that must equal its cookie's (double submit), so a form
posted from elsewhere is refused even by a browser that ignores SameSite."""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.datastructures import FormData

from cimer_common.errors import NotReady, Unauthorized
from cimer_common.tokens import Principal
from gateway.api.deps import address_of
from gateway.web.api import PageApi, Refusal, Unavailable
from gateway.web.texts import LANGUAGES, Words

TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")
TEMPLATES.env.autoescape = True

LANG_COOKIE = "cimer-lang"
ACCESS_COOKIE = "__Host-cimer-access"
REFRESH_COOKIE = "__Host-cimer-refresh"
CSRF_COOKIE = "__Host-cimer-csrf"
YEAR = 365 * 24 * 3600

# Scripts and styles from this host only, no inline script, no framing, no plug-ins; forms post only here.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


@dataclass
class PendingCookies:
    """Cookies a page decided to set or clear while it was being made, applied to whatever response it returns."""

    values: dict[str, tuple[str, int]] = field(default_factory=dict)
    cleared: set[str] = field(default_factory=set)


def _pending(request: Request) -> PendingCookies:
    if not hasattr(request.state, "cookies"):
        request.state.cookies = PendingCookies()
    pending: PendingCookies = request.state.cookies
    return pending


def apply_cookies(request: Request, response: Response, secure: bool) -> None:
    pending = getattr(request.state, "cookies", None)
    if pending is None:
        return
    for name, (value, max_age) in pending.values.items():
        response.set_cookie(name, value, max_age=max_age, path="/", secure=secure, httponly=True, samesite="strict")
    for name in pending.cleared:
        response.delete_cookie(name, path="/", secure=secure, httponly=True, samesite="strict")


def security_headers(response: Response) -> None:
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Frame-Options"] = "DENY"


# --- Language ---------------------------------------------------------------------------------------------------


def language(request: Request) -> str:
    """`?lang=` when the page asks (remembered), else what was chosen before, else Turkish."""
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        _pending(request).values[LANG_COOKIE] = (asked, YEAR)
        return asked
    kept = request.cookies.get(LANG_COOKIE)
    return kept if kept in LANGUAGES else "tr"


# --- CSRF -------------------------------------------------------------------------------------------------------


def csrf_token(request: Request) -> str:
    token = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "csrf", None)
    if not token:
        token = secrets.token_urlsafe(32)
        _pending(request).values[CSRF_COOKIE] = (token, YEAR)
    request.state.csrf = token
    return token


class CsrfFailed(Exception):
    pass


async def checked_form(request: Request) -> FormData:
    """The posted form, once its CSRF token matches the cookie's."""
    form = await request.form()
    sent = str(form.get("csrf", ""))
    kept = request.cookies.get(CSRF_COOKIE, "")
    if not sent or not kept or not hmac.compare_digest(sent.encode(), kept.encode()):
        raise CsrfFailed
    return form


# --- The officer's session --------------------------------------------------------------------------------------


class LoginRequired(Exception):
    """No session, or one that has ended: the console sends the officer to the login page."""


def page_api(request: Request, token: str | None = None) -> PageApi:
    return PageApi(request.app, address_of(request), language(request), token)


def keep_tokens(request: Request, pair: dict[str, Any]) -> None:
    cookies = _pending(request).values
    cookies[ACCESS_COOKIE] = (pair["access_token"], int(pair["expires_in"]))
    cookies[REFRESH_COOKIE] = (pair["refresh_token"], int(pair["refresh_expires_in"]))


def forget_tokens(request: Request) -> None:
    _pending(request).cleared.update({ACCESS_COOKIE, REFRESH_COOKIE})


@dataclass
class Console:
    """A logged-in officer's page: who they are, and the API as them."""

    officer: Principal
    api: PageApi

    def can(self, *roles: str) -> bool:
        return self.officer.has_role(*roles)


async def console(request: Request) -> Console:
    """The officer behind the session cookies: the access token as it is, or a fresh one for the refresh token
    when it has expired (the refresh token is replaced, as the API does)."""
    verifier = request.app.state.verifier
    token = request.cookies.get(ACCESS_COOKIE)
    if token:
        try:
            return Console(verifier.officer(token).principal, page_api(request, token))
        except Unauthorized:
            pass
        except NotReady as error:  # the revoked sessions not known yet: the page that says to come back shortly
            raise Unavailable(f"console: {error.code}") from error
    refresh = request.cookies.get(REFRESH_COOKIE)
    if not refresh:
        raise LoginRequired
    try:
        pair = await page_api(request).post("/api/v1/auth/refresh", {"refresh_token": refresh})
    except Refusal:
        forget_tokens(request)
        raise LoginRequired from None
    keep_tokens(request, pair)
    return Console(verifier.officer(pair["access_token"]).principal, page_api(request, pair["access_token"]))


# --- Rendering --------------------------------------------------------------------------------------------------


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    status_code: int = 200,
    session: Console | None = None,
) -> HTMLResponse:
    lang = language(request)
    context = context or {}
    refusal = context.get("refusal")
    # A form's errors are the refusal's, each on the field the API named.
    errors = refusal.field_messages() if isinstance(refusal, Refusal) else {}
    response = TEMPLATES.TemplateResponse(
        request,
        template,
        {
            "t": Words(lang),
            "lang": lang,
            "other_lang": "en" if lang == "tr" else "tr",
            "csrf": csrf_token(request),
            "session": session,
            "path": request.url.path,
            "errors": errors,
            "values": {},
            "done": None,
            **context,
        },
        status_code=status_code,
    )
    # A page may show a tracking number, an access code or an applicant: never kept by any cache.
    response.headers["Cache-Control"] = "no-store"
    return response


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)
