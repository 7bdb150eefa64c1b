"""Create a message template of the tenant's own."""

from collections.abc import Sequence
from dataclasses import dataclass

import structlog

from prm.application.communications.template_ports import TemplateEngine, TemplateRepository
from prm.application.communications.templates_builtin import BuiltinTemplates
from prm.application.communications.templates_get import check_sources
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.context import RequestContext
from prm.application.shared.ports import Clock, UnitOfWork
from prm.domain.communications.channels import Channel, TemplateCategory
from prm.domain.communications.templates import Template

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class CreateTemplateCommand:
    name: str
    channel: Channel
    language: str
    body: str
    display_name: str | None = None
    category: str = TemplateCategory.GENERAL.value
    subject: str | None = None
    variables: Sequence[str] = ()
    is_active: bool = True


class CreateTemplate:
    """Create a template (never a built-in). Raises ``InvalidTemplate`` (422, naming the field),
    ``TemplateSyntaxInvalid`` and ``UndeclaredTemplateVariable`` (422, field ``body`` or
    ``subject``) and ``DuplicateTemplate`` (409: the tenant has this name, channel and language,
    perhaps as a built-in: edit that one). Records a ``create`` audit event."""

    def __init__(
        self,
        templates: TemplateRepository,
        builtins: BuiltinTemplates,
        engine: TemplateEngine,
        audit: AuditTrail,
        uow: UnitOfWork,
        clock: Clock,
        context: RequestContext,
    ) -> None:
        self._templates = templates
        self._builtins = builtins
        self._engine = engine
        self._audit = audit
        self._uow = uow
        self._clock = clock
        self._context = context

    async def __call__(self, command: CreateTemplateCommand) -> Template:
        template = Template.create(
            tenant_id=self._context.tenant_id,
            name=command.name,
            channel=command.channel,
            language=command.language,
            display_name=command.display_name,
            category=command.category,
            subject=command.subject,
            body=command.body,
            variables=command.variables,
            is_active=command.is_active,
            now=self._clock.now(),
        )
        check_sources(self._engine, template)
        await self._builtins.ensure()  # first, so that a built-in's name is taken already
        await self._templates.add(template)
        await self._audit.record(AuditAction.CREATE, "communication_template", [template.id])
        await self._uow.commit()
        log.info("communication_template.created", template_id=str(template.id), channel=template.channel.value)
        return template
