"""The officers' console at `/console/` (SPEC section 11): log in and out, the inbox, an application's page with
what the rules allow, the Alo 150 / bureau form, a coordinator's overview and monthly reports, and the
administrators' users and directory. Each page asks the API as the logged-in officer; the API decides."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, Response

from cimer_common import answer_templates, calendar
from cimer_common.access import PRESIDENCY
from gateway.limits import FILE_BYTES_AT_MOST
from gateway.web import forms
from gateway.web.api import Refusal, Unavailable, download
from gateway.web.frame import (
    Console,
    LoginRequired,
    checked_form,
    console,
    forget_tokens,
    keep_tokens,
    language,
    page_api,
    redirect,
    render,
)
from gateway.web.portal import filing_context
from gateway.web.texts import ROLES, Words

router = APIRouter(prefix="/console", include_in_schema=False)

PAGE_SIZE = 25
TRACKING = re.compile(r"^[0-9 -]{12,20}$")
CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,63}$")
PERIOD = re.compile(r"^20\d{2}-(0[1-9]|1[0-2])$")
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
ATTACHMENT_ID = re.compile(r"^[0-9a-f-]{36}$")


def _home_of(session: Console) -> str:
    """Where an officer lands: the page their roles are for."""
    if session.can("officer", "board", "coordinator"):
        return "/console/"
    if session.can("call_centre", "bureau"):
        return "/console/record"
    if session.can("admin"):
        return "/console/admin/users"
    return "/console/"


def _checked(value: str, shape: re.Pattern[str]) -> str:
    """A value that goes into an API path, only in the shape the API accepts there (never `/`, `?` or `..`)."""
    if not shape.match(value):
        raise Refusal(404, "not_found", "")
    return value


def _number(tracking_number: str) -> str:
    return _checked(tracking_number, TRACKING)


# --- Logging in and out -----------------------------------------------------------------------------------------


@router.get("/login", response_class=HTMLResponse)
async def login_form(request: Request) -> HTMLResponse:
    return render(request, "login.html", {"values": {}})


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request) -> Response:
    form = await checked_form(request)
    username = str(form.get("username", "")).strip()
    credentials = {"username": username, "password": str(form.get("password", ""))}
    try:
        pair = await page_api(request).post("/api/v1/auth/login", credentials)
    except Refusal as refusal:
        return render(request, "login.html", {"values": {"username": username}, "refusal": refusal}, refusal.status)
    keep_tokens(request, pair)
    session = Console(request.app.state.verifier.officer(pair["access_token"]).principal, page_api(request))
    return redirect(_home_of(session))


@router.post("/logout")
async def logout(request: Request) -> Response:
    await checked_form(request)
    try:
        session = await console(request)
        await session.api.post("/api/v1/auth/logout", None)
    except (LoginRequired, Refusal, Unavailable):
        pass  # an ended session, or a service that cannot answer: the cookies go all the same
    forget_tokens(request)
    return redirect("/console/login")


# --- The inbox and an application -------------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
async def inbox(request: Request) -> Response:
    session = await console(request)
    if not session.can("officer", "board", "coordinator"):
        return redirect(_home_of(session))
    query = request.query_params
    kind = query.get("kind") or None
    overdue = {"true": True, "false": False}.get(query.get("overdue", ""))
    offset = int(query["offset"]) if query.get("offset", "").isdigit() else 0
    page = await session.api.get(
        "/api/v1/inbox",
        limit=PAGE_SIZE,
        offset=offset,
        kind=kind,
        overdue=None if overdue is None else str(overdue).lower(),
    )
    return render(
        request,
        "inbox.html",
        {"page": page, "kind": kind or "", "overdue": query.get("overdue", ""), "today": calendar.today().isoformat()},
        session=session,
    )


async def _application_page(
    request: Request,
    session: Console,
    tracking_number: str,
    done: str | None = None,
    refusal: Refusal | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    application = await session.api.get(f"/api/v1/applications/{tracking_number}")
    query = request.query_params.get("q", "")
    try:
        moves = await session.api.get(f"/api/v1/applications/{tracking_number}/forward-targets", q=query or None)
    except Refusal:
        moves = None  # not the holder's: the page shows it, with nothing to do
    templates, values = await _answer_templates(request, session, application, moves, values or {})
    return render(
        request,
        "application.html",
        {
            "application": application,
            "moves": moves,
            "templates": templates,
            "q": query,
            "done": done,
            "refusal": refusal,
            "values": values,
            "today": calendar.today().isoformat(),
        },
        status_code=status_code,
        session=session,
    )


async def _answer_templates(
    request: Request,
    session: Console,
    application: dict[str, Any],
    moves: dict[str, Any] | None,
    values: dict[str, str],
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The holder's answer templates filled in for the application, when it may be answered; and the form's values
    with the text of the template chosen by `?template=` (the page without scripts) when nothing was typed yet.
    Filled in here from the application the page already read (as the API's `…/answer-templates` fills them), so
    opening the page is one read of the applicant in the audit trail, not two."""
    if not moves or not moves.get("may_answer"):
        return [], values
    holder = str(application.get("institution") or "")
    try:
        kept = await session.api.get("/api/v1/answer-templates", institution=holder, subject=application["subject"])
        directory = await session.api.get("/api/v1/institutions", q=holder)
    except Refusal:
        return [], values
    name = next((i["name"] for i in directory if i["code"] == holder), holder)
    facts = answer_templates.facts_from_application(application, name, calendar.today())
    templates = answer_templates.offered(kept, facts, language(request))
    chosen = request.query_params.get("template", "")
    for template in templates:
        if str(template["id"]) == chosen and not values.get("text"):
            values = {**values, "template": chosen, "text": template["text"]}
    return templates, values


@router.get("/applications/{tracking_number}", response_class=HTMLResponse)
async def application(request: Request, tracking_number: str) -> HTMLResponse:
    session = await console(request)
    return await _application_page(request, session, _number(tracking_number))


@router.get("/applications/{tracking_number}/targets", response_class=JSONResponse)
async def targets(request: Request, tracking_number: str) -> JSONResponse:
    """The forward targets the rules allow, for the search-as-you-type list of the application's page."""
    session = await console(request)
    moves = await session.api.get(
        f"/api/v1/applications/{_number(tracking_number)}/forward-targets", q=request.query_params.get("q") or None
    )
    return JSONResponse(moves["targets"], headers={"Cache-Control": "no-store"})


@router.get("/applications/{tracking_number}/attachments/{attachment_id}")
async def attachment(request: Request, tracking_number: str, attachment_id: str) -> Response:
    """A file of the application, for an officer who may read it (the API checks, and keeps the read)."""
    session = await console(request)
    number = _number(tracking_number)
    identifier = _checked(attachment_id, ATTACHMENT_ID)
    found = await session.api.document(f"/api/v1/applications/{number}/attachments/{identifier}", "*/*")
    return download(found)


@router.post("/applications/{tracking_number}/{action}", response_class=HTMLResponse)
async def act(request: Request, tracking_number: str, action: str) -> HTMLResponse:
    session = await console(request)
    form = await checked_form(request)
    number = _number(tracking_number)
    words = Words(language(request))
    path = f"/api/v1/applications/{number}"
    note = str(form.get("note", "")).strip() or None
    try:
        if action in ("forward", "return"):
            target = str(form.get("to_institution", "")).strip()
            await session.api.post(f"{path}/forward", {"to_institution": target, "note": note})
            done = words("done_forwarded", code=target)
        elif action == "answer":
            body = {"outcome": str(form.get("outcome", "")), "text": str(form.get("text", ""))}
            also = [str(number) for number in form.getlist("also") if TRACKING.match(str(number))]
            answered = await session.api.post(f"{path}/answer", {**body, "also": also} if also else body)
            done = _answered_words(words, answered)
        elif action == "duplicate":
            other, linked = _number(str(form.get("other", ""))), form.get("linked") == "true"
            await session.api.post(f"{path}/duplicates", {"other": other, "linked": linked})
            done = words("done_linked" if linked else "done_unlinked", number=other)
        elif action == "attach":
            upload = form.get("file")
            if not isinstance(upload, UploadFile) or not upload.filename:
                raise Refusal(422, "attachment_empty", words("choose_file"), "file")
            content = await upload.read(FILE_BYTES_AT_MOST + 1)  # the API refuses more; read no further
            await session.api.upload(
                f"{path}/attachments", {}, upload.filename, content, upload.content_type or "application/octet-stream"
            )
            done = words("done_attached")
        elif action == "appeal-decision":
            body = {"decision": str(form.get("decision", "")), "text": str(form.get("text", ""))}
            await session.api.post(f"{path}/appeal-decision", body)
            done = words("done_decided")
        elif action == "extend":
            await session.api.post(f"{path}/extend", {"reason": str(form.get("reason", ""))})
            done = words("done_extended")
        else:
            raise Refusal(404, "not_found", "")
    except Refusal as refusal:
        if refusal.status in (401, 404):
            raise
        values = forms.form_values(form)
        return await _application_page(request, session, number, None, refusal, values, refusal.status)
    return await _application_page(request, session, number, done)


def _answered_words(words: Words, answered: Any) -> str:
    """What the page says after an answer: to the linked applications too (SPEC section 12), and which of them
    could not be answered, if any (the answers given stand)."""
    together = answered.get("also") if isinstance(answered, dict) else None
    if not together:
        return words("done_answered")
    if answered.get("all_answered"):
        return words("done_answered_together", numbers=", ".join(item["tracking_number"] for item in together))
    failed = ", ".join(
        f"{item['tracking_number']} ({item['error']['message']})" for item in together if not item["answered"]
    )
    return f"{words('done_answered_partly', failed=failed)} {answered.get('note', '')}".strip()


# --- Recording a phone or in-person application ----------------------------------------------------------------


def _channels(session: Console) -> list[str]:
    return [c for c, role in (("phone", "call_centre"), ("in_person", "bureau")) if session.can(role)]


@router.get("/record", response_class=HTMLResponse)
async def record_form(request: Request) -> Response:
    session = await console(request)
    channels = _channels(session)
    if not channels:
        return redirect(_home_of(session))
    return render(request, "record.html", {**filing_context(), "channels": channels}, session=session)


@router.post("/record", response_class=HTMLResponse)
async def record(request: Request) -> Response:
    session = await console(request)
    form = await checked_form(request)
    channels = _channels(session)
    channel = str(form.get("channel", channels[0] if channels else "phone"))
    body = forms.application_body(form, channel, language(request))
    try:
        accepted = await session.api.post("/api/v1/applications", body)
    except Refusal as refusal:
        context = {**filing_context(forms.form_values(form), refusal), "channels": channels}
        return render(request, "record.html", context, refusal.status, session=session)
    return render(request, "recorded.html", {"accepted": accepted}, 201, session=session)


# --- Coordinators -----------------------------------------------------------------------------------------------


@router.get("/overview", response_class=HTMLResponse)
async def overview(request: Request) -> HTMLResponse:
    session = await console(request)
    found = await session.api.get("/api/v1/overview")
    return render(request, "overview.html", {"overview": found}, session=session)


def _last_month() -> str:
    today = calendar.today()
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return f"{year:04d}-{month:02d}"


def _report_query(request: Request, session: Console) -> tuple[str, str | None]:
    """The month asked for (last month by default) and the institution: the one asked for, else the officer's own,
    except at the Presidency, whose own report is the state's."""
    period = request.query_params.get("period", "")
    institution = request.query_params.get("institution", "").strip().upper()
    if not CODE.match(institution):
        institution = "" if session.officer.institution == PRESIDENCY else session.officer.institution
    return (period if PERIOD.match(period) else _last_month()), institution or None


@router.get("/reports", response_class=HTMLResponse)
async def reports(request: Request) -> HTMLResponse:
    session = await console(request)
    period, institution = _report_query(request, session)
    report = await session.api.get("/api/v1/reports/monthly", period=period, institution=institution)
    return render(
        request,
        "reports.html",
        {"report": report, "period": period, "institution": institution or ""},
        session=session,
    )


@router.get("/reports/download")
async def report_download(request: Request) -> Response:
    session = await console(request)
    period, institution = _report_query(request, session)
    accept = "text/csv" if request.query_params.get("format") == "csv" else "application/pdf"
    document = await session.api.document("/api/v1/reports/monthly", accept, period=period, institution=institution)
    return download(document)


# --- Administrators ---------------------------------------------------------------------------------------------

AdminPage = Callable[..., Awaitable[HTMLResponse]]


async def _changed(
    request: Request,
    session: Console,
    change: Awaitable[Any],
    page: AdminPage,
    saved: str,
    typed: dict[str, str] | None = None,
) -> HTMLResponse:
    """An administrator's change made through the API, then its page again: saying it was saved, or with the
    refusal next to the fields it names and what was typed."""
    try:
        await change
    except Refusal as refusal:
        return await page(request, session, None, refusal, typed)
    return await page(request, session, Words(language(request))(saved))


async def _users_page(
    request: Request, session: Console, done: str | None = None, refusal: Refusal | None = None, values: Any = None
) -> HTMLResponse:
    institution = request.query_params.get("institution", "").strip().upper()
    users = await session.api.get(
        "/api/v1/admin/users", institution=institution if CODE.match(institution) else None, limit=200
    )
    return render(
        request,
        "users.html",
        {
            "users": users,
            "institution": institution,
            "roles": list(ROLES),
            "done": done,
            "refusal": refusal,
            "values": values or {},
        },
        status_code=refusal.status if refusal else 200,
        session=session,
    )


@router.get("/admin/users", response_class=HTMLResponse)
async def users(request: Request) -> HTMLResponse:
    session = await console(request)
    return await _users_page(request, session)


@router.post("/admin/users", response_class=HTMLResponse)
async def create_user(request: Request) -> HTMLResponse:
    session = await console(request)
    form = await checked_form(request)
    body = {
        "username": str(form.get("username", "")).strip(),
        "password": str(form.get("password", "")),
        "institution": str(form.get("institution", "")).strip().upper(),
        "roles": form.getlist("roles"),
        "email": str(form.get("email", "")).strip() or None,
    }
    change = session.api.post("/api/v1/admin/users", {k: v for k, v in body.items() if v is not None})
    typed = {k: v for k, v in forms.form_values(form).items() if k != "password"}
    return await _changed(request, session, change, _users_page, "user_saved", typed)


@router.post("/admin/users/{username}", response_class=HTMLResponse)
async def update_user(request: Request, username: str) -> HTMLResponse:
    session = await console(request)
    form = await checked_form(request)
    change = session.api.patch(
        f"/api/v1/admin/users/{_checked(username, USERNAME)}", {"active": form.get("active") == "true"}
    )
    return await _changed(request, session, change, _users_page, "user_saved")


async def _directory_page(
    request: Request, session: Console, done: str | None = None, refusal: Refusal | None = None, values: Any = None
) -> HTMLResponse:
    query = request.query_params
    filters = {
        "q": query.get("q", "").strip()[:100],
        "type": query.get("type", ""),
        "province": query.get("province", ""),
    }
    try:
        found = await session.api.get("/api/v1/institutions", limit=100, **filters)
    except Refusal:
        found = []
    return render(
        request,
        "institutions.html",
        {
            "institutions": found,
            "filters": filters,
            "provinces": forms.province_choices(),
            "done": done,
            "refusal": refusal,
            "values": values or {},
        },
        status_code=refusal.status if refusal else 200,
        session=session,
    )


@router.get("/admin/institutions", response_class=HTMLResponse)
async def institutions(request: Request) -> HTMLResponse:
    session = await console(request)
    if not session.can("admin"):
        raise Refusal(403, "forbidden", "")
    return await _directory_page(request, session)


@router.post("/admin/institutions", response_class=HTMLResponse)
async def create_institution(request: Request) -> HTMLResponse:
    session = await console(request)
    form = await checked_form(request)
    body = {name: str(form.get(name, "")).strip() or None for name in ("code", "name", "type", "province", "parent")}
    body["code"] = (body["code"] or "").upper()
    change = session.api.post("/api/v1/admin/institutions", {k: v for k, v in body.items() if v is not None})
    return await _changed(request, session, change, _directory_page, "institution_saved", forms.form_values(form))


@router.post("/admin/institutions/{code}", response_class=HTMLResponse)
async def update_institution(request: Request, code: str) -> HTMLResponse:
    session = await console(request)
    form = await checked_form(request)
    change = session.api.patch(
        f"/api/v1/admin/institutions/{_checked(code, CODE)}", {"active": form.get("active") == "true"}
    )
    return await _changed(request, session, change, _directory_page, "institution_saved")


# --- Answer templates (SPEC section 12): kept by an institution's coordinator and by administrators -------------

TEMPLATE_ID = re.compile(r"^[1-9][0-9]{0,17}$")


def _templates_institution(request: Request, session: Console, form: Any = None) -> str:
    """Whose templates the page is about: an administrator's choice (`institution`), else the officer's own."""
    asked = str((form or request.query_params).get("institution", "")).strip().upper()
    return asked if session.can("admin") and CODE.match(asked) else session.officer.institution


async def _templates_page(
    request: Request,
    session: Console,
    institution: str,
    done: str | None = None,
    refusal: Refusal | None = None,
    values: dict[str, str] | None = None,
    editing: str | None = None,
) -> HTMLResponse:
    if not session.can("coordinator", "admin"):
        raise Refusal(403, "forbidden", "")
    templates = await session.api.get("/api/v1/answer-templates", institution=institution)
    edited = next((t for t in templates if str(t["id"]) == editing), None)
    if edited is not None and values is None:
        values = {"title": edited["title"], "subject": edited["subject"] or "", "body": edited["body"]}
    return render(
        request,
        "answer_templates.html",
        {
            "templates": templates,
            "institution": institution,
            "editing": edited,
            "placeholders": answer_templates.PLACEHOLDERS,
            "done": done,
            "refusal": refusal,
            "values": values or {},
        },
        status_code=refusal.status if refusal else 200,
        session=session,
    )


@router.get("/answer-templates", response_class=HTMLResponse)
async def templates(request: Request) -> HTMLResponse:
    session = await console(request)
    editing = request.query_params.get("edit", "")
    institution = _templates_institution(request, session)
    return await _templates_page(request, session, institution, editing=editing if TEMPLATE_ID.match(editing) else None)


@router.post("/answer-templates", response_class=HTMLResponse)
async def create_template(request: Request) -> HTMLResponse:
    return await _save_template(request, None)


@router.post("/answer-templates/{template_id}", response_class=HTMLResponse)
async def update_template(request: Request, template_id: str) -> HTMLResponse:
    return await _save_template(request, template_id)


async def _save_template(request: Request, template_id: str | None) -> HTMLResponse:
    """Add a template, or change one (its text, or `active` alone to retire it or bring it back)."""
    session = await console(request)
    form = await checked_form(request)
    institution = _templates_institution(request, session, form)
    if template_id is not None:
        path = f"/api/v1/answer-templates/{_checked(template_id, TEMPLATE_ID)}"
        if "active" in form:
            change = session.api.patch(path, {"active": form.get("active") == "true"})
        else:
            change = session.api.patch(path, _template_fields(form))
    else:
        change = session.api.post("/api/v1/answer-templates", {"institution": institution, **_template_fields(form)})
    try:
        await change
    except Refusal as refusal:
        if refusal.status in (401, 403, 404):
            raise
        typed = {k: v for k, v in forms.form_values(form).items() if k in ("title", "subject", "body")}
        return await _templates_page(request, session, institution, None, refusal, typed, template_id)
    return await _templates_page(request, session, institution, Words(language(request))("template_saved"))


def _template_fields(form: Any) -> dict[str, Any]:
    return {
        "title": str(form.get("title", "")),
        "subject": str(form.get("subject", "")) or None,  # none chosen: any subject
        "body": str(form.get("body", "")),
    }
