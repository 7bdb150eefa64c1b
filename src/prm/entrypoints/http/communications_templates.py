"""HTTP routes of the communications context's templates part, under ``/api/v1/prm/communications``.

Templates are Jinja2 text rendered in a sandbox with strict variables
(:mod:`prm.adapters.communications.jinja_templates`); every tenant has the built-ins
(:mod:`prm.application.communications.templates_builtin`) from its first read.
"""

from typing import Annotated
from uuid import UUID

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, Response, delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.types import ControllerRouterHandler

from prm.application.communications.template_ports import TemplateFilter
from prm.application.communications.templates_create import CreateTemplate, CreateTemplateCommand
from prm.application.communications.templates_delete import DeleteTemplate
from prm.application.communications.templates_get import GetTemplate
from prm.application.communications.templates_list import ListTemplates
from prm.application.communications.templates_preview import PreviewTemplate, PreviewTemplateCommand
from prm.application.communications.templates_update import UpdateTemplate, UpdateTemplateCommand
from prm.application.shared.context import RequestContext
from prm.domain.communications.channels import Channel
from prm.domain.communications.templates import Template, TemplateId
from prm.entrypoints.http.communications_templates_schemas import (
    CreateTemplateRequest,
    PreviewTemplateRequest,
    TemplateListResponse,
    TemplatePreviewResponse,
    TemplateResponse,
    UpdateTemplateRequest,
    list_response,
    preview_response,
    template_response,
    to_changes,
)
from prm.entrypoints.http.etag import IfMatch, etag, version_from_if_match
from prm.entrypoints.http.practitioners import TenantQuery
from prm.entrypoints.http.problems import problem_responses

READ = {"permission": "communication_templates:read"}
WRITE = {"permission": "communication_templates:write"}

ChannelQuery = Annotated[Channel | None, QueryParameter(description="sms, whatsapp or email")]
CategoryQuery = Annotated[
    str | None, QueryParameter(min_length=2, max_length=64, description="A category (appointment, reminder ...)")
]
LanguageQuery = Annotated[
    str | None, QueryParameter(min_length=2, max_length=35, description="A BCP 47 tag, matched exactly (en-GB)")
]
ActiveQuery = Annotated[bool | None, QueryParameter(description="Only active (true) or inactive (false) templates")]


def _with_etag(template: Template, status_code: int = 200) -> Response[TemplateResponse]:
    return Response(template_response(template), status_code=status_code, headers={"ETag": etag(template.version)})


class CommunicationTemplateController(Controller):
    path = "/communications/templates"
    tags = ("communications",)

    @get(opt=READ, responses=problem_responses(403, 422), summary="List communication templates")
    @inject
    async def list_communication_templates(
        self,
        list_templates: FromDishka[ListTemplates],
        context: FromDishka[RequestContext],
        channel: FromQuery[ChannelQuery] = None,
        category: FromQuery[CategoryQuery] = None,
        language: FromQuery[LanguageQuery] = None,
        active: FromQuery[ActiveQuery] = None,
        tenant_id: FromQuery[TenantQuery] = None,
    ) -> TemplateListResponse:
        """The tenant's templates (built-ins included) by name, channel and language, with the
        channels and categories to filter on (the reference API's shape)."""
        context.ensure_tenant(tenant_id)
        found = await list_templates(
            TemplateFilter(channel=channel, category=category, language=language, is_active=active)
        )
        return list_response(found)

    @post(opt=WRITE, responses=problem_responses(403, 409, 422), summary="Create a communication template")
    @inject
    async def create_communication_template(
        self, data: JSONBody[CreateTemplateRequest], create: FromDishka[CreateTemplate]
    ) -> Response[TemplateResponse]:
        """A template of the tenant's own. ``body`` and ``subject`` may use only the declared
        ``variables`` (422 naming the variable, field ``body`` or ``subject``); email needs a
        subject, sms and whatsapp have none; 409 when the name, channel and language are taken."""
        template = await create(
            CreateTemplateCommand(
                name=data.name,
                channel=data.channel,
                language=data.language,
                body=data.body,
                display_name=data.display_name,
                category=data.category,
                subject=data.subject,
                variables=data.variables,
                is_active=data.is_active,
            )
        )
        return _with_etag(template, status_code=201)

    @get("/{template_id:uuid}", opt=READ, responses=problem_responses(403, 404), summary="Get a communication template")
    @inject
    async def get_communication_template(
        self, template_id: FromPath[UUID], get_template: FromDishka[GetTemplate]
    ) -> Response[TemplateResponse]:
        return _with_etag(await get_template(TemplateId(template_id)))

    @patch(
        "/{template_id:uuid}",
        opt=WRITE,
        responses=problem_responses(403, 404, 409, 422),
        summary="Update a communication template",
    )
    @inject
    async def update_communication_template(
        self,
        template_id: FromPath[UUID],
        data: JSONBody[UpdateTemplateRequest],
        update: FromDishka[UpdateTemplate],
        if_match: IfMatch = None,
    ) -> Response[TemplateResponse]:
        """Change the fields present (built-ins too). ``If-Match: W/"<version>"`` makes the change
        conditional (409 when stale)."""
        template = await update(
            UpdateTemplateCommand(
                template_id=TemplateId(template_id),
                changes=to_changes(data),
                expected_version=version_from_if_match(if_match),
            )
        )
        return _with_etag(template)

    @delete(
        "/{template_id:uuid}",
        opt=WRITE,
        status_code=204,
        responses=problem_responses(403, 404, 409),
        summary="Delete a communication template",
    )
    @inject
    async def delete_communication_template(
        self, template_id: FromPath[UUID], remove: FromDishka[DeleteTemplate]
    ) -> None:
        """Delete a template of the tenant's own; a built-in is 409 (set ``is_active`` false instead)."""
        await remove(TemplateId(template_id))

    @post(
        "/{template_id:uuid}/preview",
        opt=READ,
        status_code=200,
        responses=problem_responses(403, 404, 422),
        summary="Preview a communication template",
    )
    @inject
    async def preview_communication_template(
        self,
        template_id: FromPath[UUID],
        data: JSONBody[PreviewTemplateRequest],
        preview: FromDishka[PreviewTemplate],
    ) -> TemplatePreviewResponse:
        """Render the template with sample ``variables`` (nothing is sent or stored). SMS answers
        its ``encoding`` and ``segments``. A missing variable is 422 naming it."""
        return preview_response(
            await preview(PreviewTemplateCommand(template_id=TemplateId(template_id), variables=data.variables))
        )


ROUTES: list[ControllerRouterHandler] = [CommunicationTemplateController]
