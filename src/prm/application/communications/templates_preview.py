"""Preview a message template with sample variables, with the SMS encoding and segment count."""

from collections.abc import Mapping
from dataclasses import dataclass, field

from prm.application.communications.template_ports import TemplateEngine, TemplateRepository
from prm.application.communications.templates_builtin import BuiltinTemplates
from prm.application.communications.templates_get import find_template
from prm.application.communications.templates_render import render_parts
from prm.application.shared.ports import UnitOfWork
from prm.domain.communications.channels import Channel
from prm.domain.communications.sms_segments import SmsSegments, count_segments
from prm.domain.communications.templates import Template, TemplateId


@dataclass(frozen=True, slots=True, kw_only=True)
class PreviewTemplateCommand:
    template_id: TemplateId
    variables: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class TemplatePreview:
    """The rendered ``subject`` (email) and ``body``; ``sms`` for SMS templates: encoding,
    segments and characters of the rendered body."""

    template: Template
    subject: str | None
    body: str
    sms: SmsSegments | None


class PreviewTemplate:
    """Render a template (active or not) as a message would be, without sending anything.
    Raises ``TemplateNotFound`` (404) and ``TemplateRenderFailed`` (422; naming the missing
    variables, field ``variables``)."""

    def __init__(
        self, templates: TemplateRepository, builtins: BuiltinTemplates, engine: TemplateEngine, uow: UnitOfWork
    ) -> None:
        self._templates = templates
        self._builtins = builtins
        self._engine = engine
        self._uow = uow

    async def __call__(self, command: PreviewTemplateCommand) -> TemplatePreview:
        materialized = await self._builtins.ensure()
        template = await find_template(self._templates, command.template_id)
        if materialized:
            await self._uow.commit()
        subject, body = render_parts(self._engine, template, command.variables)
        sms = count_segments(body) if template.channel is Channel.SMS else None
        return TemplatePreview(template=template, subject=subject, body=body, sms=sms)
