"""Answer templates (SPEC section 12): an institution's officers answer from its templates, which its coordinator
and the administrators keep. Routing stores and checks them and decides who may do what; the gateway fills a
template in for one application with the facts intake shows the officer who answers (so an applicant hidden from
them is never named), with `cimer_common.answer_templates.render`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, status

from cimer_common import access, answer_templates, calendar
from cimer_common.access import Action
from cimer_common.schemas import Subject
from gateway.api.deps import ClientAddress, CurrentOfficer, Rpc
from gateway.api.routes.applications import TrackingNumber
from gateway.schemas import CODE, AnswerTemplate, AnswerTemplateCreate, AnswerTemplateUpdate, OfferedTemplate

router = APIRouter(prefix="/api/v1/answer-templates", tags=["answer templates"])
application_router = APIRouter(prefix="/api/v1/applications", tags=["answer templates"])

TemplateId = Annotated[int, Path(ge=1, le=2**63 - 1, description="the template's id")]


def _require_either(officer: CurrentOfficer) -> None:
    """Refuse early whoever could neither use nor keep any institution's templates; routing decides the rest."""
    own = access.institution_scope(officer.principal.institution)
    if not access.allowed(officer.principal, Action.MANAGE_ANSWER_TEMPLATES, own):
        access.require(officer.principal, Action.USE_ANSWER_TEMPLATES, own)


@router.get(
    "",
    response_model=list[AnswerTemplate],
    summary="An institution's answer templates (the officer's own by default): the active ones for its officers, "
    "every one for its coordinator and administrators; `subject` keeps that subject's and those of any subject",
    operation_id="list_answer_templates",
)
async def list_answer_templates(
    officer: CurrentOfficer,
    rpc: Rpc,
    institution: Annotated[str | None, Query(pattern=CODE)] = None,
    subject: Annotated[Subject | None, Query()] = None,
) -> list[AnswerTemplate]:
    _require_either(officer)
    found = await rpc.call(
        "routing", "list_answer_templates", token=officer.token, institution=institution, subject=subject
    )
    return [AnswerTemplate.model_validate(row) for row in found]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=AnswerTemplate,
    summary="Add an answer template: a coordinator to their own institution, an administrator to any",
    operation_id="create_answer_template",
)
async def create_answer_template(body: AnswerTemplateCreate, officer: CurrentOfficer, rpc: Rpc) -> AnswerTemplate:
    access.require_role_for(officer.principal, Action.MANAGE_ANSWER_TEMPLATES)
    created = await rpc.call(
        "routing",
        "create_answer_template",
        token=officer.token,
        institution=body.institution,
        subject=body.subject,
        title=body.title,
        body=body.body,
    )
    return AnswerTemplate.model_validate(created)


@router.patch(
    "/{template_id}",
    response_model=AnswerTemplate,
    summary="Change an answer template's title, text or subject (null: any subject), or retire it (`active`)",
    operation_id="update_answer_template",
)
async def update_answer_template(
    template_id: TemplateId, body: AnswerTemplateUpdate, officer: CurrentOfficer, rpc: Rpc
) -> AnswerTemplate:
    access.require_role_for(officer.principal, Action.MANAGE_ANSWER_TEMPLATES)
    changes: dict[str, Any] = body.model_dump(exclude_unset=True)
    if "subject" in changes and changes["subject"] is None:
        changes["subject"] = ""  # routing's word for "any subject" (None there leaves it as it is)
    updated = await rpc.call(
        "routing", "update_answer_template", token=officer.token, template_id=template_id, **changes
    )
    return AnswerTemplate.model_validate(updated)


@application_router.get(
    "/{tracking_number}/answer-templates",
    response_model=list[OfferedTemplate],
    summary="The holder's active answer templates for the application's subject (and those of any subject), each "
    "filled in for it as the officer sees it: the applicant's name only when it is shown to them",
    operation_id="application_answer_templates",
)
async def application_answer_templates(
    tracking_number: TrackingNumber, officer: CurrentOfficer, rpc: Rpc, address: ClientAddress
) -> list[OfferedTemplate]:
    access.require_role_for(officer.principal, Action.WORK_APPLICATION)
    application: dict[str, Any] = await rpc.call(
        "intake", "get_application", token=officer.token, tracking_number=tracking_number, client_address=address
    )
    holder = application.get("institution")
    scope = access.ApplicationScope(holder=holder, held_by=frozenset(application.get("held_by") or ()))
    access.require(officer.principal, Action.WORK_APPLICATION, scope)  # the holder's officers only
    templates = await rpc.call(
        "routing", "list_answer_templates", token=officer.token, institution=holder, subject=application["subject"]
    )
    institution = await rpc.call("routing", "get_institution", code=holder)
    facts = answer_templates.facts_from_application(application, institution["name"], calendar.today())
    return [OfferedTemplate.model_validate(t) for t in answer_templates.offered(templates, facts)]
