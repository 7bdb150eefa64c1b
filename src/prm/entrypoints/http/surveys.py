"""HTTP routes of the surveys context, under ``/api/v1/prm/surveys``:

- ``/templates...`` (``surveys:read|write``): survey templates, a new version per change;
- ``POST /invitations`` (``surveys:write``): invite a patient (the link goes in a message);
- ``GET /results`` (``surveys:read``): NPS, CSAT and response rate, overall or per group;
- ``GET|POST /respond/{token}`` (public: the patient's link): the form, and its answer. The
  token names the invitation; the tenant is found from its hash before anything is read.
"""

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import parse_qsl
from uuid import UUID

import msgspec
from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.types import ControllerRouterHandler

from prm.application.shared.context import Principal, PrincipalKind
from prm.application.shared.paging import PageRequest
from prm.application.surveys.answer_survey import AnswerSurvey, OpenSurvey
from prm.application.surveys.invite_to_survey import CreateSurveyInvitation, InviteToSurveyCommand
from prm.application.surveys.ports import InvitationsByToken, ResultFilter
from prm.application.surveys.survey_results import GetSurveyResults
from prm.application.surveys.templates_manage import (
    CreateSurveyTemplate,
    DeleteSurveyTemplate,
    GetSurveyTemplate,
    ListSurveyTemplates,
    SurveyTemplateInput,
    UpdateSurveyTemplate,
)
from prm.domain.shared.errors import DomainError
from prm.domain.shared.ids import PatientId
from prm.domain.surveys.invitations import AlreadyAnswered, InvitationExpired, InvitationNotFound, token_hash
from prm.domain.surveys.model import InvalidAnswer, SurveyTemplateId
from prm.entrypoints.http.paging import PageNumber, PageResponse, PageSize, page_response
from prm.entrypoints.http.problems import problem_responses
from prm.entrypoints.http.security import CALLER_KEY, Caller
from prm.entrypoints.http.surveys_page import form_answers, message_page, survey_page
from prm.entrypoints.http.surveys_schemas import (
    AnsweredResponse,
    AnswersRequest,
    CreateInvitationRequest,
    CreateSurveyTemplateRequest,
    InvitationResponse,
    ResultsResponse,
    SurveyTemplateResponse,
    UpdateSurveyTemplateRequest,
    result_row,
    template_response,
)
from prm.settings import Settings

READ = {"permission": "surveys:read"}
WRITE = {"permission": "surveys:write"}
PUBLIC = {"public": True}
HTML = "text/html"
Token = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9_-]{16,128}$", description="The link's token")]
GroupBy = Annotated[str, msgspec.Meta(pattern="^(template|stage|organization|practitioner)$")]


def _html_responses(*statuses: int) -> dict[int, ResponseSpec]:
    return {
        status: ResponseSpec(data_container=str, media_type=HTML, description="A page that says why")
        for status in statuses
    }


_PAGE_STATUS: dict[type[DomainError], tuple[int, str, str]] = {
    InvitationNotFound: (404, "Survey not found", "This survey link is not valid."),
    InvitationExpired: (410, "Survey closed", "This survey link has expired. Thank you all the same."),
    AlreadyAnswered: (409, "Already answered", "This survey has already been answered. Thank you."),
}


class SurveyTemplateController(Controller):
    path = "/surveys/templates"
    tags = ("surveys",)

    @get(opt=READ, responses=problem_responses(403, 422), summary="List survey templates")
    @inject
    async def list_survey_templates(
        self,
        list_templates: FromDishka[ListSurveyTemplates],
        name: FromQuery[Annotated[str, msgspec.Meta(max_length=100)] | None] = None,
        page: FromQuery[PageNumber] = 1,
        page_size: FromQuery[PageSize] = 20,
    ) -> PageResponse[SurveyTemplateResponse]:
        """By name, then language."""
        found = await list_templates(PageRequest(page, page_size), name=name)
        return page_response(found.map(template_response))

    @post(opt=WRITE, status_code=201, responses=problem_responses(403, 409, 422), summary="Create a survey template")
    @inject
    async def create_survey_template(
        self, data: JSONBody[CreateSurveyTemplateRequest], create: FromDishka[CreateSurveyTemplate]
    ) -> SurveyTemplateResponse:
        """422 names the question or field at fault; 409 for a name and language the tenant has."""
        template = await create(
            SurveyTemplateInput(
                name=data.name,
                language=data.language,
                title=data.title,
                questions=[q.to_question() for q in data.questions],
                score_question=data.score_question,
                low_score_threshold=data.low_score_threshold,
                status=data.status,
            )
        )
        return template_response(template)

    @get("/{survey_template_id:uuid}", opt=READ, responses=problem_responses(403, 404), summary="Get a survey template")
    @inject
    async def get_survey_template(
        self, survey_template_id: FromPath[UUID], get_template: FromDishka[GetSurveyTemplate]
    ) -> SurveyTemplateResponse:
        return template_response(await get_template(SurveyTemplateId(survey_template_id)))

    @patch(
        "/{survey_template_id:uuid}",
        opt=WRITE,
        responses=problem_responses(403, 404, 409, 422),
        summary="Change a survey template",
    )
    @inject
    async def update_survey_template(
        self,
        survey_template_id: FromPath[UUID],
        data: JSONBody[UpdateSurveyTemplateRequest],
        update: FromDishka[UpdateSurveyTemplate],
    ) -> SurveyTemplateResponse:
        """A new version; invitations already sent keep the questions they were sent with."""
        template = await update(SurveyTemplateId(survey_template_id), data.changes(), data.version)
        return template_response(template)

    @delete(
        "/{survey_template_id:uuid}",
        opt=WRITE,
        status_code=204,
        responses=problem_responses(403, 404),
        summary="Delete a survey template",
    )
    @inject
    async def delete_survey_template(
        self, survey_template_id: FromPath[UUID], remove: FromDishka[DeleteSurveyTemplate]
    ) -> None:
        await remove(SurveyTemplateId(survey_template_id))


class SurveyController(Controller):
    path = "/surveys"
    tags = ("surveys",)

    @post(
        "/invitations",
        opt=WRITE,
        status_code=201,
        responses=problem_responses(403, 404, 409, 422),
        summary="Invite a patient to a survey",
    )
    @inject
    async def create_survey_invitation(
        self, data: JSONBody[CreateInvitationRequest], invite: FromDishka[CreateSurveyInvitation]
    ) -> InvitationResponse:
        """The invitation message (built-in ``survey_invitation`` template, with the link) is queued
        like any message: consent and quiet hours apply. The link expires after 14 days."""
        invitation_id = await invite(
            InviteToSurveyCommand(
                template_id=SurveyTemplateId(data.survey_template_id),
                patient_id=PatientId(data.patient_id),
                channel=data.channel,
                send_at=data.send_at,
                journey_instance_id=data.journey_instance_id,
                stage_id=data.stage_id,
                practitioner_id=data.practitioner_id,
                organization_id=data.organization_id,
            )
        )
        return InvitationResponse(id=invitation_id)

    @get("/results", opt=READ, responses=problem_responses(403, 422), summary="Survey results")
    @inject
    async def get_survey_results(
        self,
        results: FromDishka[GetSurveyResults],
        survey_template_id: FromQuery[UUID | None] = None,
        stage_id: FromQuery[UUID | None] = None,
        organization_id: FromQuery[UUID | None] = None,
        practitioner_id: FromQuery[UUID | None] = None,
        journey_instance_id: FromQuery[UUID | None] = None,
        date_from: FromQuery[datetime | None] = None,
        date_to: FromQuery[datetime | None] = None,
        group_by: FromQuery[GroupBy | None] = None,
    ) -> ResultsResponse:
        """NPS (promoters 9-10 minus detractors 0-6, in points), CSAT (4-5 of 5, in percent) and
        response rate, of invitations sent in the period (``date_from``/``date_to``, RFC 3339)."""
        where = ResultFilter(
            template_id=SurveyTemplateId(survey_template_id) if survey_template_id else None,
            stage_id=stage_id,
            organization_id=organization_id,
            practitioner_id=practitioner_id,
            journey_instance_id=journey_instance_id,
            date_from=date_from,
            date_to=date_to,
        )
        rows = await results(where, group_by)
        return ResultsResponse(group_by=group_by, rows=[result_row(r) for r in rows])


async def as_token_tenant(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """The answer page's unit of work is the tenant its token belongs to (a system principal);
    an unknown token leaves no tenant, so nothing is found."""
    token = str(connection.path_params.get("token", ""))
    container = connection.app.state.dishka_container
    tenant_id = await (await container.get(InvitationsByToken)).tenant_of(token_hash(token))
    if tenant_id is None:
        return
    settings = await container.get(Settings)
    principal = Principal(PrincipalKind.SYSTEM, id="survey:respond")
    connection.scope.setdefault("state", {})[CALLER_KEY] = Caller(
        principal, tenant_id, settings.default_phone_region.upper()
    )


def _page(status: int, body: str) -> Response[str]:
    return Response(body, status_code=status, media_type=HTML, headers={"Cache-Control": "no-store"})


class SurveyAnswerController(Controller):
    path = "/surveys/respond"
    tags = ("surveys",)

    @get(
        "/{token:str}",
        opt=PUBLIC,
        guards=[as_token_tenant],
        media_type=HTML,
        responses={**_html_responses(404, 409, 410), **problem_responses(400)},
        summary="The survey page (the patient's link)",
    )
    @inject
    async def open_survey_page(self, token: FromPath[Token], open_survey: FromDishka[OpenSurvey]) -> Response[str]:
        """The survey's form, in the language it was sent in; 404, 410 (expired) or 409 (answered)
        with a page that says so."""
        try:
            invitation = await open_survey(token)
        except (InvitationNotFound, InvitationExpired, AlreadyAnswered) as exc:
            status, title, message = _PAGE_STATUS[type(exc)]
            return _page(status, message_page(title, message))
        return _page(200, survey_page(invitation))

    @post(
        "/{token:str}",
        opt=PUBLIC,
        guards=[as_token_tenant],
        status_code=201,
        responses=problem_responses(400, 404, 409, 410, 422),
        summary="Answer the survey",
    )
    @inject
    async def answer_survey(
        self,
        request: Request[Any, Any, Any],
        token: FromPath[Token],
        answer: FromDishka[AnswerSurvey],
        open_survey: FromDishka[OpenSurvey],
    ) -> Response[Any]:
        """JSON ``{"answers": {...}}`` or a form (``application/x-www-form-urlencoded``): answered
        in JSON (201, or the problems documented here), except for a browser's form post
        (``Accept: text/html``), which gets a page back with the same statuses. One response per
        invitation: a second is 409 and stores nothing; 422 names the question (``answers.<id>``)."""
        is_json = request.headers.get("content-type", "").startswith("application/json")
        page = not is_json and "text/html" in request.headers.get("accept", "")  # a browser's form post
        body = await request.body()
        if is_json:
            try:
                data = msgspec.json.decode(body, type=AnswersRequest)
            except msgspec.ValidationError as exc:
                raise InvalidAnswer(f'the body is not {{"answers": {{...}}}}: {exc}', field="answers") from None
            except msgspec.DecodeError:
                raise InvalidAnswer("the body is not JSON", field="answers") from None
            answers: Any = data.answers
        else:
            answers = form_answers(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        try:
            response_id = await answer(token, answers)
        except (InvitationNotFound, InvitationExpired, AlreadyAnswered) as exc:
            if not page:
                raise
            status, title, message = _PAGE_STATUS[type(exc)]
            return _page(status, message_page(title, message))
        except InvalidAnswer as exc:
            if not page:
                raise
            return _page(422, survey_page(await open_survey(token), error=exc.detail))
        if not page:
            return Response(AnsweredResponse(id=response_id), status_code=201)
        return _page(201, message_page("Thank you", "Thank you for your answers."))


ROUTES: list[ControllerRouterHandler] = [SurveyTemplateController, SurveyController, SurveyAnswerController]
