from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, status

from cimer_common import access
from cimer_common.access import Action
from cimer_common.errors import DomainError, InvalidRequest, Unauthorized
from cimer_common.events import Kind
from cimer_common.schemas import ApplicationAccepted, ApplicationCreate, ApplicationStatus
from gateway.api.deps import ClientAddress, CurrentOfficer, OptionalOfficer, Rpc
from gateway.auth import Officer
from gateway.errors import detail_of
from gateway.rpc import RemoteError, RpcClient, ServiceUnavailable
from gateway.schemas import (
    AnswerRequest,
    AppealDecisionRequest,
    AppealRequest,
    DuplicateLinkRequest,
    ExtendRequest,
    FeedbackRequest,
    ForwardRequest,
    ForwardTargets,
    InboxPage,
    Offset,
    Overview,
)

router = APIRouter(prefix="/api/v1/applications", tags=["applications"])

TrackingNumber = Annotated[str, Path(min_length=12, max_length=20, description="12 digits; spaces and dashes allowed")]

# OpenAPI links from a filing to what can be done with it next: the applicant's status look-up and the officers'
# work on it. A client (and the stateful fuzzer, `bench/fuzz.py`) follows them with the values the 201 gave.
_NUMBER = {"tracking_number": "$response.body#/tracking_number"}
FILED_LINKS = {
    "status": {
        "operationId": "application_status",
        "parameters": {**_NUMBER, "access_code": "$response.body#/access_code"},
    },
    "read": {"operationId": "read_application", "parameters": _NUMBER},
    "targets": {"operationId": "forward_targets", "parameters": _NUMBER},
    "forward": {"operationId": "forward_application", "parameters": _NUMBER},
    "answer": {"operationId": "answer_application", "parameters": _NUMBER},
    "extend": {"operationId": "extend_application", "parameters": _NUMBER},
}


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ApplicationAccepted,
    summary="File an application (web); keep the tracking number and access code to follow it",
    operation_id="file_application",
    responses={201: {"description": "Filed", "links": FILED_LINKS}},
)
async def file_application(
    application: ApplicationCreate, rpc: Rpc, officer: OptionalOfficer, address: ClientAddress
) -> ApplicationAccepted:
    if application.channel != "web":
        # Phone and in-person applications are recorded by an officer: refuse early who may not; intake decides.
        if officer is None:
            raise Unauthorized("officer_login_required", "channel")
        action = Action.RECORD_PHONE if application.channel == "phone" else Action.RECORD_IN_PERSON
        access.require(officer.principal, action)
    accepted = await rpc.call(
        "intake",
        "file_application",
        application=application.model_dump(mode="json"),
        token=officer.token if officer and application.channel != "web" else None,
        client_address=address,  # a web filing is limited by it (and by its contacts) across every gateway
    )
    return ApplicationAccepted.model_validate(accepted)


@router.get(
    "/{tracking_number}",
    summary="The whole application, for an officer whose institution holds or held it, or coordinates one that did",
    operation_id="read_application",
)
async def application_for_officer(
    tracking_number: TrackingNumber, officer: CurrentOfficer, rpc: Rpc, address: ClientAddress
) -> dict[str, Any]:
    access.require_role_for(officer.principal, Action.READ_APPLICATION)
    found: dict[str, Any] = await rpc.call(
        "intake", "get_application", token=officer.token, tracking_number=tracking_number, client_address=address
    )
    return found


@router.post(
    "/{tracking_number}/forward",
    summary="Send the application on along the hierarchy (SPEC section 4), or back to the institution that sent it",
    operation_id="forward_application",
)
async def forward(
    tracking_number: TrackingNumber, body: ForwardRequest, officer: CurrentOfficer, rpc: Rpc, address: ClientAddress
) -> dict[str, Any]:
    access.require_role_for(officer.principal, Action.WORK_APPLICATION)
    moved: dict[str, Any] = await rpc.call(
        "routing",
        "forward",
        token=officer.token,
        tracking_number=tracking_number,
        to_institution=body.to_institution,
        note=body.note,
        client_address=address,
    )
    return moved


@router.get(
    "/{tracking_number}/forward-targets",
    response_model=ForwardTargets,
    summary="What the holder may do now: return it to whom, forward it to which institutions (matching `q`, by "
    "name), answer it, extend it",
    operation_id="forward_targets",
)
async def forward_targets(
    tracking_number: TrackingNumber,
    officer: CurrentOfficer,
    rpc: Rpc,
    q: Annotated[str | None, Query(min_length=1, max_length=100, description="part of a target's name or code")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> ForwardTargets:
    access.require_role_for(officer.principal, Action.WORK_APPLICATION)
    found = await rpc.call(
        "routing", "forward_targets", token=officer.token, tracking_number=tracking_number, q=q, limit=limit
    )
    return ForwardTargets.model_validate(found)


@router.post(
    "/{tracking_number}/answer",
    summary="Answer the application: positive or negative, with the text; `also` sends the same answer to the "
    "applications linked to it (duplicates) that the officer's institution holds, each result under `also`",
    operation_id="answer_application",
)
async def answer(
    request: Request,
    tracking_number: TrackingNumber,
    body: AnswerRequest,
    officer: CurrentOfficer,
    rpc: Rpc,
    address: ClientAddress,
) -> dict[str, Any]:
    access.require_role_for(officer.principal, Action.WORK_APPLICATION)
    together = await _linked_to_answer(rpc, officer, tracking_number, body.also, body.text) if body.also else []
    answered: dict[str, Any] = await rpc.call(
        "routing",
        "answer",
        token=officer.token,
        tracking_number=tracking_number,
        outcome=body.outcome,
        text=body.text,
        client_address=address,
    )
    if together:
        answered = {**answered, **await _answer_also(request, rpc, officer, together, body, address)}
    return answered


def _digits(number: str) -> str:
    return "".join(ch for ch in number if ch.isdigit())


async def _linked_to_answer(
    rpc: RpcClient, officer: Officer, tracking_number: str, also: list[str], text: str
) -> list[str]:
    """The `also` numbers, once each, when every one is linked to the application (SPEC section 12) and awaits an
    answer at the officer's institution, as intake knows them, and the text names neither the application's
    applicant nor its number (a template filled in for it, say: the linked ones are other people's); otherwise the
    whole request is refused before anything is answered."""
    wanted = list(dict.fromkeys(_digits(number) for number in also))
    found = await rpc.call("intake", "duplicates", token=officer.token, tracking_number=tracking_number)
    linked = {
        item["tracking_number"]
        for item in found
        if item["state"] == "linked"
        and item["status"] == "assigned"
        and item["institution"] == officer.principal.institution
    }
    if _digits(tracking_number) in wanted or not set(wanted) <= linked:
        raise InvalidRequest("answer_together_not_allowed", "also")
    if await rpc.call(
        "intake", "text_names_applicant", token=officer.token, tracking_number=tracking_number, text=text
    ):
        raise InvalidRequest("answer_together_personal", "also")
    return wanted


async def _answer_also(
    request: Request, rpc: RpcClient, officer: Officer, numbers: list[str], body: AnswerRequest, address: str | None
) -> dict[str, Any]:
    """The same answer to each linked application, one by one through routing, as if answered alone. What one
    refuses (answered meanwhile, say) does not stop the others; a routing that does not answer stops the rest.
    An answer given stays given: the response says, per number, what happened."""
    results: list[dict[str, Any]] = []
    stopped = False
    for number in numbers:
        if stopped:
            results.append({"tracking_number": number, "answered": False, "error": detail_of(request, "not_tried")})
            continue
        try:
            done = await rpc.call(
                "routing",
                "answer",
                token=officer.token,
                tracking_number=number,
                outcome=body.outcome,
                text=body.text,
                client_address=address,
            )
        except DomainError as refused:
            results.append({"tracking_number": number, "answered": False, "error": detail_of(request, refused.code)})
        except (ServiceUnavailable, RemoteError):
            stopped = True
            error = detail_of(request, "service_unavailable")
            results.append({"tracking_number": number, "answered": False, "error": error})
        else:
            results.append({"tracking_number": number, "answered": True, "result": done})
    all_answered = all(result["answered"] for result in results)
    summary: dict[str, Any] = {"also": results, "all_answered": all_answered}
    if not all_answered:
        summary["note"] = detail_of(request, "answer_together_partial")["message"]
    return summary


@router.post(
    "/{tracking_number}/duplicates",
    summary="Link the application to one flagged as close to it (`linked: true`), or say they are not the same "
    "matter (`false`); answers with its duplicates as the officer sees them",
    operation_id="link_duplicate",
)
async def link_duplicate(
    tracking_number: TrackingNumber,
    body: DuplicateLinkRequest,
    officer: CurrentOfficer,
    rpc: Rpc,
    address: ClientAddress,
) -> dict[str, Any]:
    access.require_role_for(officer.principal, Action.WORK_APPLICATION)
    linked: dict[str, Any] = await rpc.call(
        "intake",
        "link_duplicate",
        token=officer.token,
        tracking_number=tracking_number,
        other=body.other,
        linked=body.linked,
        client_address=address,
    )
    return linked


@router.post(
    "/{tracking_number}/extend",
    summary="Extend an information request's deadline once by 15 working days; the reason goes to the applicant",
    operation_id="extend_application",
)
async def extend(
    tracking_number: TrackingNumber, body: ExtendRequest, officer: CurrentOfficer, rpc: Rpc, address: ClientAddress
) -> dict[str, Any]:
    access.require_role_for(officer.principal, Action.WORK_APPLICATION)
    extended: dict[str, Any] = await rpc.call(
        "routing",
        "extend",
        token=officer.token,
        tracking_number=tracking_number,
        reason=body.reason,
        client_address=address,
    )
    return extended


@router.get(
    "/{tracking_number}/status",
    response_model=ApplicationStatus,
    summary="The public status of an application: needs the tracking number and its access code",
    operation_id="application_status",
)
async def application_status(
    tracking_number: TrackingNumber,
    access_code: Annotated[str, Query(min_length=1, max_length=32)],
    rpc: Rpc,
    address: ClientAddress,
) -> ApplicationStatus:
    # The address lets intake throttle whoever guesses pairs (SPEC section 7), across every gateway instance.
    found = await rpc.call(
        "intake", "get_status", tracking_number=tracking_number, access_code=access_code, client_address=address
    )
    return ApplicationStatus.model_validate(found)


@router.post(
    "/{tracking_number}/appeal",
    response_model=ApplicationStatus,
    summary="The applicant appeals a negative answer to an information request to the information review board "
    "(BEDK), within 15 days of the answer; answers with the public status",
    operation_id="appeal_application",
)
async def appeal(
    tracking_number: TrackingNumber, body: AppealRequest, rpc: Rpc, address: ClientAddress
) -> ApplicationStatus:
    found = await rpc.call(
        "intake",
        "appeal",
        tracking_number=tracking_number,
        access_code=body.access_code,
        reason=body.reason,
        client_address=address,
    )
    return ApplicationStatus.model_validate(found)


@router.post(
    "/{tracking_number}/feedback",
    response_model=ApplicationStatus,
    summary="The applicant rates the answer once: 1-5, solved or not, and a comment; answers with the public status",
    operation_id="rate_answer",
)
async def feedback(
    tracking_number: TrackingNumber, body: FeedbackRequest, rpc: Rpc, address: ClientAddress
) -> ApplicationStatus:
    found = await rpc.call(
        "intake",
        "give_feedback",
        tracking_number=tracking_number,
        access_code=body.access_code,
        rating=body.rating,
        solved=body.solved,
        comment=body.comment,
        client_address=address,
    )
    return ApplicationStatus.model_validate(found)


@router.post(
    "/{tracking_number}/appeal-decision",
    summary="The information review board decides an appeal it holds: the refusal upheld, or the institution "
    "ordered to answer",
    operation_id="decide_appeal",
)
async def decide_appeal(
    tracking_number: TrackingNumber,
    body: AppealDecisionRequest,
    officer: CurrentOfficer,
    rpc: Rpc,
    address: ClientAddress,
) -> dict[str, Any]:
    access.require_role_for(officer.principal, Action.WORK_APPLICATION)
    decided: dict[str, Any] = await rpc.call(
        "routing",
        "decide_appeal",
        token=officer.token,
        tracking_number=tracking_number,
        decision=body.decision,
        text=body.text,
        client_address=address,
    )
    return decided


inbox_router = APIRouter(prefix="/api/v1/inbox", tags=["officers"])


@inbox_router.get(
    "", response_model=InboxPage, summary="What the officer's institution holds now, oldest deadline first"
)
async def inbox(
    officer: CurrentOfficer,
    rpc: Rpc,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Offset = 0,
    kind: Annotated[Kind | None, Query(description="only applications of this kind")] = None,
    overdue: Annotated[
        bool | None, Query(description="only those past (true) or within (false) their deadline")
    ] = None,
) -> InboxPage:
    access.require(officer.principal, Action.LIST_INBOX)
    page = await rpc.call(
        "intake", "inbox", token=officer.token, limit=limit, offset=offset, kind=kind, overdue=overdue
    )
    return InboxPage.model_validate(page)


overview_router = APIRouter(prefix="/api/v1/overview", tags=["officers"])


@overview_router.get(
    "",
    response_model=Overview,
    summary="A coordinator's subtree now: open and overdue applications per institution, the most overdue first",
)
async def overview(officer: CurrentOfficer, rpc: Rpc) -> Overview:
    access.require(officer.principal, Action.READ_OVERVIEW)
    found = await rpc.call("intake", "overview", token=officer.token)
    return Overview.model_validate(found)
