"""The citizen's portal at `/`: make an application, get its receipt, follow it (SPEC section 11).

Nothing personal goes into a URL: the form and the look-up are posted, and the receipt is the answer to the post
itself (never a redirect to a page that would carry the access code)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, Response

from gateway.limits import FILE_BYTES_AT_MOST
from gateway.web import forms
from gateway.web.api import PageApi, Refusal, download
from gateway.web.frame import checked_form, language, page_api, render
from gateway.web.texts import Words

router = APIRouter(include_in_schema=False)

PairedCall = Callable[[PageApi, str, str], Awaitable[Any]]  # (api, tracking number, access code)


def filing_context(values: dict[str, str] | None = None, refusal: Refusal | None = None) -> dict[str, Any]:
    return {
        "values": values or {},
        "refusal": refusal,
        "provinces": forms.province_choices(),
        "districts": forms.district_names(),
    }


@router.get("/", response_class=HTMLResponse)
async def home(request: Request) -> HTMLResponse:
    kind = request.query_params.get("kind", "")
    return render(request, "apply.html", filing_context({"kind": kind}))


@router.post("/", response_class=HTMLResponse)
async def apply(request: Request) -> HTMLResponse:
    form = await checked_form(request)
    body = forms.application_body(form, "web", language(request))
    try:
        accepted = await page_api(request).post("/api/v1/applications", body)
    except Refusal as refusal:
        return render(request, "apply.html", filing_context(forms.form_values(form), refusal), refusal.status)
    return render(request, "receipt.html", {"accepted": accepted}, 201)


@router.get("/takip", response_class=HTMLResponse)
async def track_form(request: Request) -> HTMLResponse:
    return render(request, "track.html", {"values": {}})


@router.post("/takip", response_class=HTMLResponse)
async def track(request: Request) -> HTMLResponse:
    form = await checked_form(request)
    number = str(form.get("tracking_number", "")).strip()
    code = str(form.get("access_code", "")).strip()
    values = {"tracking_number": number}
    if not number or not code:
        refusal = Refusal(422, "invalid_request", "", errors=[])
        missing = "tracking_number" if not number else "access_code"
        refusal.errors.append({"field": missing, "message": Words(language(request))("required")})
        return render(request, "track.html", {"values": values, "refusal": refusal}, 422)
    try:
        found = await page_api(request).get(f"/api/v1/applications/{_path_safe(number)}/status", access_code=code)
    except Refusal as refusal:
        return render(
            request,
            "track.html",
            {"values": values, "refusal": refusal},
            refusal.status,
        )
    return render(request, "status.html", {"status": found, "access_code": code})


async def _with_the_pair(request: Request, form: Any, send: PairedCall, done: str) -> HTMLResponse:
    """What the applicant does from the status page (an appeal, a rating, a file: SPEC section 12): the pair comes
    back in the form, never in a URL; the page shows the status again, with the outcome or what was refused."""
    number = _path_safe(str(form.get("tracking_number", "")).strip())
    code = str(form.get("access_code", "")).strip()
    api = page_api(request)
    try:
        await send(api, number, code)
    except Refusal as refusal:
        if refusal.status in (404, 429):  # the pair itself was refused: back to the look-up
            return render(
                request, "track.html", {"values": {"tracking_number": number}, "refusal": refusal}, refusal.status
            )
        found = await api.get(f"/api/v1/applications/{number}/status", access_code=code)
        context = {"status": found, "access_code": code, "refusal": refusal, "values": forms.form_values(form)}
        return render(request, "status.html", context, refusal.status)
    found = await api.get(f"/api/v1/applications/{number}/status", access_code=code)
    return render(
        request, "status.html", {"status": found, "access_code": code, "done": Words(language(request))(done)}
    )


async def _after_the_answer(request: Request, path: str, body_of: Any, done: str) -> HTMLResponse:
    form = await checked_form(request)

    async def send(api: PageApi, number: str, code: str) -> Any:
        return await api.post(f"/api/v1/applications/{number}/{path}", {"access_code": code, **body_of(form)})

    return await _with_the_pair(request, form, send, done)


@router.post("/takip/ek", response_class=HTMLResponse)
async def attach(request: Request) -> HTMLResponse:
    """The applicant attaches a file from the status page (SPEC section 12)."""
    form = await checked_form(request)
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        content, name, kind = b"", "", "application/octet-stream"  # the API's clear refusal: an empty file
    else:
        content = await upload.read(FILE_BYTES_AT_MOST + 1)  # the API refuses more; read no further
        name, kind = upload.filename, upload.content_type or "application/octet-stream"

    async def send(api: PageApi, number: str, code: str) -> Any:
        return await api.upload(
            f"/api/v1/applications/{number}/attachments", {"access_code": code}, name, content, kind
        )

    return await _with_the_pair(request, form, send, "done_attached")


@router.post("/takip/ek-indir")
async def attachment(request: Request) -> Response:
    """One of the application's files, for the applicant: the pair comes in the form, never in a URL."""
    form = await checked_form(request)
    number = _path_safe(str(form.get("tracking_number", "")).strip())
    code = str(form.get("access_code", "")).strip()
    identifier = "".join(ch for ch in str(form.get("id", "")) if ch in "0123456789abcdef-")[:36] or "0"
    try:
        found = await page_api(request).document(
            f"/api/v1/applications/{number}/attachments/{identifier}", "*/*", access_code=code
        )
    except Refusal as refusal:
        return render(
            request, "track.html", {"values": {"tracking_number": number}, "refusal": refusal}, refusal.status
        )
    return download(found)


@router.post("/takip/itiraz", response_class=HTMLResponse)
async def appeal(request: Request) -> HTMLResponse:
    return await _after_the_answer(
        request, "appeal", lambda form: {"reason": str(form.get("reason", ""))}, "done_appealed"
    )


def _rating(form: Any) -> dict[str, Any]:
    rating = str(form.get("rating", "")).strip()
    return {
        "rating": int(rating) if rating.isdigit() else rating,  # anything else: the API's clear refusal
        "solved": form.get("solved") == "on",
        "comment": str(form.get("comment", "")).strip() or None,
    }


@router.post("/takip/degerlendirme", response_class=HTMLResponse)
async def rate(request: Request) -> HTMLResponse:
    return await _after_the_answer(request, "feedback", _rating, "done_rated")


@router.get("/iller/{province}/ilceler", response_class=JSONResponse)
async def district_list(province: str) -> JSONResponse:
    """The district list that follows the chosen province on the form (public facts of the directory)."""
    return JSONResponse(forms.district_names().get(province, []), headers={"Cache-Control": "public, max-age=86400"})


def _path_safe(number: str) -> str:
    # Only what a tracking number may hold goes into the API's path; anything else is simply not found.
    return "".join(ch for ch in number if ch.isdigit() or ch in " -")[:20] or "0"
