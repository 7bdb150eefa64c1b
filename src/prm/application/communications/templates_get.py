"""One of the tenant's message templates, by id."""

from prm.application.communications.template_ports import TemplateEngine, TemplateRepository
from prm.application.communications.templates_builtin import BuiltinTemplates
from prm.application.shared.ports import UnitOfWork
from prm.domain.communications.errors import TemplateNotFound
from prm.domain.communications.template_errors import TemplateSyntaxInvalid
from prm.domain.communications.templates import Template, TemplateId, check_declared


async def find_template(templates: TemplateRepository, template_id: TemplateId) -> Template:
    """The template; raises ``TemplateNotFound`` (404), also for another tenant's."""
    template = await templates.get(template_id)
    if template is None:
        raise TemplateNotFound(f"communication template {template_id} not found")
    return template


def check_sources(engine: TemplateEngine, template: Template) -> None:
    """Raises ``TemplateSyntaxInvalid`` or ``UndeclaredTemplateVariable`` (422, field ``body`` or
    ``subject``) unless both parse and use only the declared ``variables``."""
    for field, source in (("body", template.body), ("subject", template.subject)):
        if source is None:
            continue
        try:
            used = engine.variables_used(source)
        except TemplateSyntaxInvalid as exc:
            raise TemplateSyntaxInvalid(f"{field}: {exc.detail}", field=field) from None
        check_declared(used, template.variables, field=field)


class GetTemplate:
    """A template of the tenant's, built-ins included. Raises ``TemplateNotFound`` (404)."""

    def __init__(self, templates: TemplateRepository, builtins: BuiltinTemplates, uow: UnitOfWork) -> None:
        self._templates = templates
        self._builtins = builtins
        self._uow = uow

    async def __call__(self, template_id: TemplateId) -> Template:
        materialized = await self._builtins.ensure()
        template = await find_template(self._templates, template_id)
        if materialized:
            await self._uow.commit()
        return template
