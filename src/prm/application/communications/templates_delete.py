"""Delete a message template of the tenant's own."""

import structlog

from prm.application.communications.template_ports import TemplateRepository
from prm.application.communications.templates_builtin import BuiltinTemplates
from prm.application.communications.templates_get import find_template
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.ports import UnitOfWork
from prm.domain.communications.template_errors import BuiltinTemplateUndeletable
from prm.domain.communications.templates import TemplateId

log = structlog.get_logger(__name__)


class DeleteTemplate:
    """Delete a template. Raises ``TemplateNotFound`` (404) and ``BuiltinTemplateUndeletable``
    (409: set ``is_active`` to false instead). Messages already sent keep their text. Records a
    ``delete`` audit event."""

    def __init__(
        self, templates: TemplateRepository, builtins: BuiltinTemplates, audit: AuditTrail, uow: UnitOfWork
    ) -> None:
        self._templates = templates
        self._builtins = builtins
        self._audit = audit
        self._uow = uow

    async def __call__(self, template_id: TemplateId) -> None:
        await self._builtins.ensure()
        template = await find_template(self._templates, template_id)
        if template.is_builtin:
            raise BuiltinTemplateUndeletable(
                f"communication template {template.id} is built in: deactivate it (is_active false) instead"
            )
        await self._templates.remove(template.id)
        await self._audit.record(AuditAction.DELETE, "communication_template", [template.id])
        await self._uow.commit()
        log.info("communication_template.deleted", template_id=str(template.id))
